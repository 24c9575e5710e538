package persist

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"filippo.io/age"

	"github.com/pizauth-go/pizauth/internal/dump"
)

// fakeHost is a server whose state is a string: the names of its tokens,
// separated by commas.
type fakeHost struct {
	mu       sync.Mutex // guards the fields below
	state    string
	restored []string
	reported []string
	// readBackEnded counts ReadBackEnded calls.
	readBackEnded int
}

func (h *fakeHost) Snapshot() []dump.Token {
	h.mu.Lock()
	defer h.mu.Unlock()
	return tokensOf(h.state)
}

// tokensOf is the state of a fakeHost as tokens.
func tokensOf(state string) []dump.Token {
	var tokens []dump.Token
	for name := range strings.SplitSeq(state, ",") {
		if name != "" {
			tokens = append(tokens, dump.Token{Name: name, Access: "token"})
		}
	}
	return tokens
}

// stateOf is tokens as the state of a fakeHost.
func stateOf(tokens []dump.Token) string {
	names := make([]string, len(tokens))
	for i, t := range tokens {
		names[i] = t.Name
	}
	return strings.Join(names, ",")
}

// Names are those of the tokens the tests save.
func (h *fakeHost) Names() []string {
	return []string{"one", "two", "last", "first", "work=token", "home=token", "x"}
}

func (h *fakeHost) RestoreSaved(tokens []dump.Token, skip func(string) bool) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.restored = append(h.restored, stateOf(tokens))
	return 1
}

func (h *fakeHost) ReportError(msg string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reported = append(h.reported, msg)
}

func (h *fakeHost) ReadBackEnded() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.readBackEnded++
}

func (h *fakeHost) ended() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.readBackEnded
}

func (h *fakeHost) set(state string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state = state
}

func (h *fakeHost) reports() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.reported...)
}

// faultyDisk writes with WriteFileAtomic unless full is set, once gate
// (when not nil) is closed.
type faultyDisk struct {
	mu     sync.Mutex // guards full, gate and writes
	full   bool
	gate   chan struct{}
	writes int
}

var errDiskFull = errors.New("no space left on device")

func (d *faultyDisk) write(path string, data []byte) error {
	d.mu.Lock()
	gate := d.gate
	d.mu.Unlock()
	if gate != nil {
		<-gate
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writes++
	if d.full {
		return errDiskFull
	}
	return WriteFileAtomic(path, data)
}

func (d *faultyDisk) setFull(full bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.full = full
}

func (d *faultyDisk) setGate(gate chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gate = gate
}

func (d *faultyDisk) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.writes
}

type fixture struct {
	id       *age.X25519Identity
	settings Settings
	host     *fakeHost
	disk     *faultyDisk
	p        *Persister
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{id: id, host: &fakeHost{}, disk: &faultyDisk{},
		settings: Settings{File: filepath.Join(t.TempDir(), "state.age"), Recipients: []string{id.Recipient().String()}, IdentityCmd: "id"}}
	f.p = New(Options{Host: f.host, Write: f.disk.write, Output: f.identity})
	return f
}

func (f *fixture) identity(context.Context, *slog.Logger, string, string, []string, time.Duration) ([]byte, error) {
	return []byte(f.id.String()), nil
}

// holdIdentity gives the fixture a new persister whose
// persist_identity_cmd (a password manager waiting to be unlocked) waits
// for hold, or the end of the read-back, then fails with err, or prints
// the identity when err is nil.
func (f *fixture) holdIdentity(hold <-chan struct{}, err error) {
	f.p = New(Options{Host: f.host, Write: f.disk.write, Output: func(ctx context.Context, _ *slog.Logger, _, _ string, _ []string, _ time.Duration) ([]byte, error) {
		select {
		case <-hold:
		case <-ctx.Done():
		}
		if err != nil {
			return nil, err
		}
		return []byte(f.id.String()), nil
	}})
}

// onDisk decrypts the file; "" when there is none.
func (f *fixture) onDisk(t *testing.T) string {
	t.Helper()
	sealed, err := ReadFile(f.settings.File)
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	state, err := Open(sealed, []byte(f.id.String()))
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := dump.Decode(state)
	if err != nil {
		t.Fatal(err)
	}
	return stateOf(tokens)
}

// run configures the persister and runs it until the returned stop is
// called, which also closes it.
func (f *fixture) run(t *testing.T) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	if err := f.p.Configure(ctx, f.settings); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	done := make(chan struct{})
	go func() { f.p.Run(ctx); close(done) }()
	return sync.OnceFunc(func() { cancel(); <-done; f.p.Close() })
}

// TestFailedWritesAreRetriedAndReported fills the disk: the failure
// reaches the user once, the write is retried until the disk has room
// again, and the state that reaches the disk is the latest.
func TestFailedWritesAreRetriedAndReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		stop := f.run(t)
		defer stop()
		f.host.set("one")
		f.p.Changed()
		synctest.Wait()
		if got := f.onDisk(t); got != "one" {
			t.Fatalf("on disk: %q; want %q", got, "one")
		}
		f.disk.setFull(true)
		f.host.set("two")
		f.p.Changed()
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if got := f.host.reports(); len(got) != 1 || !strings.Contains(got[0], errDiskFull.Error()) {
			t.Errorf("reported %q; want the disk full error once", got)
		}
		if n := f.disk.count(); n < 5 || n > 20 {
			t.Errorf("%d writes in 10 minutes of a full disk; want a retry at a growing interval", n)
		}
		f.disk.setFull(false)
		time.Sleep(retryMax)
		synctest.Wait()
		if got := f.onDisk(t); got != "two" {
			t.Errorf("on disk after the disk has room: %q; want %q", got, "two")
		}
	})
}

// TestFailedWriteOfADropRemovesTheFile revokes a token when the disk is
// full: the old file, which still holds it, is removed, so that a restart
// cannot restore it.
func TestFailedWriteOfADropRemovesTheFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		stop := f.run(t)
		f.host.set("work=token")
		f.p.Changed()
		synctest.Wait()
		f.disk.setFull(true)
		f.host.set("")
		f.p.Dropped("work")
		synctest.Wait()
		if _, err := os.Stat(f.settings.File); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("persist_file after a failed write of a revoke: %v; want it removed", err)
		}
		if got := f.host.reports(); len(got) != 1 || !strings.Contains(got[0], "removed") {
			t.Errorf("reported %q; want one saying the file was removed", got)
		}
		f.disk.setFull(false)
		stop()
		if got := f.onDisk(t); got != "" {
			t.Errorf("on disk after shutdown: %q; want the empty state", got)
		}
	})
}

// TestCloseWritesTheLastChange makes a change after Run stopped: Close
// writes it.
func TestCloseWritesTheLastChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		ctx, cancel := context.WithCancel(t.Context())
		if err := f.p.Configure(ctx, f.settings); err != nil {
			t.Fatal(err)
		}
		cancel()
		f.p.Run(ctx)
		f.host.set("last")
		f.p.Dropped("work")
		f.p.Close()
		if got := f.onDisk(t); got != "last" {
			t.Errorf("on disk after Close: %q; want %q", got, "last")
		}
	})
}

// TestOneServerPerFile configures a second persister (another server) for
// the file of a running one: it is refused, since each would overwrite the
// other's state and bring back what the other revoked, until the first has
// stopped.
func TestOneServerPerFile(t *testing.T) {
	f := newFixture(t)
	stop := f.run(t)
	f.host.set("first")
	f.p.Changed()
	second := New(Options{Host: &fakeHost{state: "second"}, Output: f.identity})
	err := second.Configure(t.Context(), f.settings)
	if !errors.Is(err, errInUse) {
		t.Fatalf("second Configure of one file: %v; want %v", err, errInUse)
	}
	second.Changed()
	second.Close()
	stop()
	if got := f.onDisk(t); got != "first" {
		t.Errorf("on disk: %q; want the first server's %q", got, "first")
	}
	if err := second.Configure(t.Context(), f.settings); err != nil {
		t.Fatalf("Configure once the first server stopped: %v", err)
	}
	second.Close()
}

// TestFlushWaitsForTheWrite drops a token while the disk is slow: Flush
// returns only once the file no longer holds it, and at once when the
// failed write had the old file removed instead.
func TestFlushWaitsForTheWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		stop := f.run(t)
		defer stop()
		f.host.set("work=token")
		f.p.Changed()
		synctest.Wait()
		gate := make(chan struct{})
		f.disk.setGate(gate)
		f.host.set("")
		f.p.Dropped("work")
		flushed := make(chan error, 1)
		go func() { flushed <- f.p.Flush(t.Context()) }()
		synctest.Wait()
		select {
		case err := <-flushed:
			t.Fatalf("Flush returned (%v) while the write was held", err)
		default:
		}
		close(gate)
		if err := <-flushed; err != nil {
			t.Fatalf("Flush: %v", err)
		}
		if got := f.onDisk(t); got != "" {
			t.Errorf("on disk once Flush returned: %q; want the empty state", got)
		}

		f.host.set("home=token")
		f.p.Changed()
		synctest.Wait()
		f.disk.setFull(true)
		f.host.set("")
		f.p.Dropped("home")
		if err := f.p.Flush(t.Context()); err != nil {
			t.Fatalf("Flush with a full disk: %v", err)
		}
		if _, err := os.Stat(f.settings.File); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("persist_file once Flush returned on a full disk: %v; want it removed", err)
		}
	})
}

// TestFlushDoesNotWaitForTheReadBack: while persist_identity_cmd runs,
// nothing is written, and Flush (revoke) does not wait for it.
func TestFlushDoesNotWaitForTheReadBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		if err := WriteFileAtomic(f.settings.File, []byte("not age")); err != nil {
			t.Fatal(err)
		}
		hold := make(chan struct{})
		f.holdIdentity(hold, errors.New("locked"))
		stop := f.run(t)
		defer stop()
		defer close(hold)
		f.p.Dropped("work")
		if err := f.p.Flush(t.Context()); err != nil {
			t.Errorf("Flush during the read back: %v", err)
		}
	})
}

// TestFlushDoesNotWaitOnceStopped: a revoke served while the server stops
// does not wait for a write that only Close will make.
func TestFlushDoesNotWaitOnceStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		ctx, cancel := context.WithCancel(t.Context())
		if err := f.p.Configure(ctx, f.settings); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { f.p.Run(ctx); close(done) }()
		f.host.set("work=token")
		f.p.Changed()
		synctest.Wait()
		cancel()
		<-done
		f.host.set("")
		f.p.Dropped("work")
		flushed := make(chan error, 1)
		go func() { flushed <- f.p.Flush(t.Context()) }()
		synctest.Wait()
		select {
		case err := <-flushed:
			if err != nil {
				t.Errorf("Flush once Run stopped: %v", err)
			}
		default:
			t.Errorf("Flush waits once Run has stopped")
		}
		f.p.Close()
		if got := f.onDisk(t); got != "" {
			t.Errorf("on disk after Close: %q; want the empty state", got)
		}
	})
}

// TestNeverOverwritesAFileOfTheUsers: without persist_identity_cmd the file
// is written unread, so a persist_file that names an existing file that
// Seal did not make (a mistyped path) is refused, not replaced.
func TestNeverOverwritesAFileOfTheUsers(t *testing.T) {
	f := newFixture(t)
	f.settings.IdentityCmd = ""
	notes := []byte("my notes, not a pizauth state\n")
	if err := os.WriteFile(f.settings.File, notes, 0o600); err != nil {
		t.Fatal(err)
	}
	err := f.p.Configure(t.Context(), f.settings)
	if err == nil || !strings.Contains(err.Error(), "is not an age-encrypted file: refusing to overwrite it") {
		t.Fatalf("Configure with a file of the user's: %v; want it refused", err)
	}
	f.host.set("work=token")
	f.p.Changed()
	f.p.Close()
	if got, _ := os.ReadFile(f.settings.File); string(got) != string(notes) {
		t.Errorf("the user's file became %q", got)
	}

	sealed, err := Seal([]byte("old"), f.settings.Recipients)
	if err != nil {
		t.Fatal(err)
	}
	for _, content := range [][]byte{sealed, nil} {
		if err := os.WriteFile(f.settings.File, content, 0o600); err != nil {
			t.Fatal(err)
		}
		p := New(Options{Host: f.host, Write: f.disk.write})
		if err := p.Configure(t.Context(), f.settings); err != nil {
			t.Errorf("Configure with a file of %d bytes that Seal could have made: %v", len(content), err)
		}
		p.Close()
	}
}

// TestNeverWritesWhatCannotBeRead: a state too large to be read back at
// the next start is not written (the file would then never be written
// again); the user hears why.
func TestNeverWritesWhatCannotBeRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t)
		stop := f.run(t)
		defer stop()
		f.host.set("small")
		f.p.Changed()
		synctest.Wait()
		f.host.set(strings.Repeat("x", MaxFile))
		f.p.Changed()
		synctest.Wait()
		if got := f.onDisk(t); got != "small" {
			t.Errorf("on disk: %d bytes; want the last state that can be read back", len(got))
		}
		if got := f.host.reports(); len(got) != 1 || !strings.Contains(got[0], "more than the") {
			t.Errorf("reported %q; want the size refused", got)
		}
		f.host.set("small again") // spares Close's tries the large seal
	})
}

// TestReadBackEndedIsSaid: the host hears when a read-back ends, restored
// or failed, once Reading is false, so that requests waiting for it go on.
func TestReadBackEndedIsSaid(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail=%v", fail), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t)
				state, err := dump.Encode(tokensOf("one"))
				if err != nil {
					t.Fatal(err)
				}
				sealed, err := Seal(state, f.settings.Recipients)
				if err != nil {
					t.Fatal(err)
				}
				if err := WriteFileAtomic(f.settings.File, sealed); err != nil {
					t.Fatal(err)
				}
				hold := make(chan struct{})
				var locked error
				if fail {
					locked = errors.New("locked")
				}
				f.holdIdentity(hold, locked)
				stop := f.run(t)
				defer stop()
				synctest.Wait()
				if !f.p.Reading() || f.host.ended() != 0 {
					t.Fatalf("during the read-back: Reading %v, ended said %d times; want true, 0", f.p.Reading(), f.host.ended())
				}
				close(hold)
				synctest.Wait()
				if restored := len(f.host.restored) == 1; restored == fail {
					t.Errorf("restored %v; want %v", restored, !fail)
				}
				if f.p.Reading() || f.host.ended() != 1 {
					t.Errorf("after the read-back: Reading %v, ended said %d times; want false, 1", f.p.Reading(), f.host.ended())
				}
			})
		})
	}
}
