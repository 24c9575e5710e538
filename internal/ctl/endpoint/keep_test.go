package endpoint

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/testtool"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

func TestSocketIsRecreatedWhenTheRuntimeDirectoryIsRemoved(t *testing.T) {
	d, logged := keptDir(t)
	// As a logout clean-up does it, but atomically, so that the re-created
	// directory is not caught in the middle of a recursive removal.
	dir := filepath.Dir(d.Socket())
	if err := os.Rename(dir, dir+".removed"); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir + ".removed")
	waitRecreated(t, logged)
	resp, err := (&ctl.Client{Socket: d.Socket()}).Do(status)
	if err != nil || resp.Payload != "alive" {
		t.Fatalf("status after re-creation = %+v, %v; want the same server answering", resp, err)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("re-created directory: %v, %v; want mode 0700", fi, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, paths.LockName))
	if err != nil || string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("lock file = %q, %v; want our pid", b, err)
	}
	// The lock is ours again: a second server is refused.
	if _, err := Claim(dir); err == nil {
		t.Error("a second Claim succeeded after re-creation; want ErrAlreadyRunning")
	}
}

// recordHandler is a slog.Handler that sends the records of level Warn and
// above to ch, dropping those it has no room for.
type recordHandler chan<- slog.Record

func (h recordHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h recordHandler) Handle(_ context.Context, r slog.Record) error {
	select {
	case h <- r:
	default:
	}
	return nil
}
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordHandler) WithGroup(string) slog.Handler      { return h }

// TestSocketIsRecreatedWhenOnlyItsFileIsRemoved removes the socket file
// alone (rm, a cleaner that spares the lock file): the server, which
// still holds the lock of the file left in place, listens again. It used
// to try to take its own lock a second time, fail, and stay unreachable
// while keeping every new server out.
func TestSocketIsRecreatedWhenOnlyItsFileIsRemoved(t *testing.T) {
	d, logged := keptDir(t)
	if err := os.Remove(d.Socket()); err != nil {
		t.Fatal(err)
	}
	waitRecreated(t, logged)
	resp, err := (&ctl.Client{Socket: d.Socket()}).Do(status)
	if err != nil || resp.Payload != "alive" {
		t.Fatalf("status after re-creation = %+v, %v; want the same server answering", resp, err)
	}
	if _, err := Claim(filepath.Dir(d.Socket())); err == nil {
		t.Error("a second Claim succeeded after re-creation; want ErrAlreadyRunning")
	}
}

// TestLockIsRecreatedWhenOnlyItsFileIsRemoved removes the lock file alone:
// the server takes a new one, so that a second server is still refused
// instead of starting beside it and taking its socket over.
func TestLockIsRecreatedWhenOnlyItsFileIsRemoved(t *testing.T) {
	d, logged := keptDir(t)
	dir := filepath.Dir(d.Socket())
	if err := os.Remove(filepath.Join(dir, paths.LockName)); err != nil {
		t.Fatal(err)
	}
	waitRecreated(t, logged)
	if d2, err := Claim(dir); err == nil {
		d2.Close()
		t.Fatal("a second Claim succeeded after the lock file was removed; want ErrAlreadyRunning")
	}
	resp, err := (&ctl.Client{Socket: d.Socket()}).Do(status)
	if err != nil || resp.Payload != "alive" {
		t.Fatalf("status = %+v, %v; want the first server answering", resp, err)
	}
}

// keptDir claims a runtime directory and serves and keeps it until the
// test ends; logged receives what Keep logs at Warn and above.
func keptDir(t *testing.T) (*Dir, <-chan slog.Record) {
	t.Helper()
	ok := handlerFunc(func(context.Context, ctl.Request) ctl.Response {
		return ctl.Response{Kind: ctl.KindOK, Payload: "alive"}
	})
	d, err := Claim(testtool.ShortDir(t))
	if err != nil {
		t.Fatal(err)
	}
	logged := make(chan slog.Record, 4)
	log := slog.New(recordHandler(logged))
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { (&Server{Handler: ok, Logger: log}).Serve(ctx, d) })
	wg.Go(func() { d.Keep(ctx, log) })
	t.Cleanup(func() { cancel(); wg.Wait(); d.Close() })
	return d, logged
}

// waitRecreated waits for Keep's report of a re-creation.
func waitRecreated(t *testing.T, logged <-chan slog.Record) {
	t.Helper()
	select {
	case r := <-logged:
		if r.Message != msgRecreated {
			t.Fatalf("logged %q; want %q", r.Message, msgRecreated)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("nothing re-created")
	}
}

// TestInheritedSocketElsewhereIsLeftAlone: a socket that systemd passed
// from outside the runtime directory (a ListenStream= of the user's) is
// not taken for a removed one, nor replaced, while it and the lock are in
// place.
func TestInheritedSocketElsewhereIsLeftAlone(t *testing.T) {
	sockDir, dir := testtool.ShortDir(t), testtool.ShortDir(t)
	d, err := ClaimInherited(activationSocket(t, sockDir), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	before, err := os.Lstat(d.Socket())
	if err != nil {
		t.Fatal(err)
	}
	logged := make(chan slog.Record, 4)
	d.recreateIfGone(slog.New(recordHandler(logged)))
	select {
	case r := <-logged:
		t.Errorf("logged %q; want nothing", r.Message)
	default:
	}
	if after, err := os.Lstat(d.Socket()); err != nil || !os.SameFile(before, after) {
		t.Errorf("the inherited socket file was replaced (%v)", err)
	}
}
