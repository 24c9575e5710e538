package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"filippo.io/age"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/dump"
	"github.com/pizauth-go/pizauth/internal/persist"
	"github.com/pizauth-go/pizauth/internal/secret"
)

// persistFixture is a configuration with persist_file set, and the age
// identity that decrypts it.
type persistFixture struct {
	cfg *config.Config
	id  *age.X25519Identity
}

func newPersistFixture(t *testing.T) persistFixture {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(testAccount("work"), testAccount("home"))
	cfg.PersistFile = filepath.Join(t.TempDir(), "state", "state.age")
	cfg.PersistRecipients = []string{id.Recipient().String()}
	cfg.PersistIdentityCmd = "print-identity"
	return persistFixture{cfg: cfg, id: id}
}

// identity is a persist_identity_cmd that prints the fixture's identity
// while ok is true, and fails otherwise.
type identity struct {
	id *age.X25519Identity

	mu   sync.Mutex // guards fail, hold and runs
	fail bool
	hold chan struct{} // when not nil, the command waits for it to close
	runs int
}

func (i *identity) output(ctx context.Context, _ *slog.Logger, _, _ string, _ []string, _ time.Duration) ([]byte, error) {
	i.mu.Lock()
	hold := i.hold
	i.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.runs++
	if i.fail {
		return nil, errors.New("exit status 1")
	}
	return []byte("# test key\n" + i.id.String() + "\n"), nil
}

func (i *identity) setFail(fail bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.fail = fail
}

// startPersisting is start with persist_file opened as Run opens it, and
// persist_identity_cmd answered by id.
func startPersisting(t *testing.T, cfg *config.Config, id *identity) (h *harness, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	h = &harness{t: t, idp: &fakeProvider{}, runner: &fakeRunner{}}
	o := Options{
		Config: cfg, Provider: h.idp, RunCommand: h.runner.run, RunOutput: id.output,
		Listeners: Listeners{HTTPPort: 8080},
	}
	h.s = New(ctx, o)
	h.ctl = handler(h.s, o, cancel)
	if err := h.s.OpenPersistFile(); err != nil {
		t.Fatalf("OpenPersistFile: %v", err)
	}
	h.s.Start()
	stop = sync.OnceFunc(func() { cancel(); h.s.Wait() })
	t.Cleanup(stop)
	return h, stop
}

// decrypt returns the tokens in the fixture's persist_file.
func (f persistFixture) decrypt(t *testing.T) []dump.Token {
	t.Helper()
	sealed, err := os.ReadFile(f.cfg.PersistFile)
	if err != nil {
		t.Fatal(err)
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), f.id)
	if err != nil {
		t.Fatalf("age.Decrypt: %v", err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := dump.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

// write seals tokens into the fixture's persist_file.
func (f persistFixture) write(t *testing.T, tokens ...dump.Token) {
	t.Helper()
	dump, err := dump.Encode(tokens)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := persist.Seal(dump, f.cfg.PersistRecipients)
	if err != nil {
		t.Fatal(err)
	}
	if err := persist.WriteFileAtomic(f.cfg.PersistFile, sealed); err != nil {
		t.Fatal(err)
	}
}

// saved is a token for account name as the fixture's configuration has it.
func (f persistFixture) saved(name, access string) dump.Token {
	var digest [32]byte
	for _, ac := range f.cfg.Accounts {
		if ac.Name == name {
			digest = ac.SecurityDigest()
		}
	}
	t0 := time.Now().Truncate(time.Second)
	return dump.Token{Name: name, Digest: digest, Access: secret.String(access), Refresh: secret.String("refresh-" + access),
		Obtained: t0, Expiry: t0.Add(time.Hour)}
}

func names(tokens []dump.Token) string {
	var out []string
	for _, t := range tokens {
		out = append(out, t.Name+"="+t.Access.Reveal())
	}
	return strings.Join(out, " ")
}

// TestPersistAfterTokenChanges checks that the persister writes after a
// token arrives and after it is revoked, so that a revoked token leaves
// the disk too.
func TestPersistAfterTokenChanges(t *testing.T) {
	f := newPersistFixture(t)
	synctest.Test(t, func(t *testing.T) {
		h, _ := startPersisting(t, f.cfg, &identity{id: f.id})
		h.authorise("work")
		synctest.Wait()
		token := h.token("work")
		checkMode(t, f.cfg.PersistFile, 0o600)
		sealed, _ := os.ReadFile(f.cfg.PersistFile)
		if bytes.Contains(sealed, []byte(token)) {
			t.Errorf("persist_file contains the token")
		}
		if got := f.decrypt(t); len(got) != 1 || got[0].Name != "work" || got[0].Access.Reveal() != token {
			t.Errorf("got %q in persist_file; want the work token", names(got))
		}
		h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "work"})
		synctest.Wait()
		if got := f.decrypt(t); len(got) != 0 {
			t.Errorf("got %q in persist_file after revoke; want nothing", names(got))
		}
	})
}

// TestPersistRevokeAnswersOnceSaved revokes a token and, the moment
// revoke has answered, looks at persist_file as a restart after a crash or
// kill -9 would: the token must be gone from it already.
func TestPersistRevokeAnswersOnceSaved(t *testing.T) {
	f := newPersistFixture(t)
	synctest.Test(t, func(t *testing.T) {
		h, _ := startPersisting(t, f.cfg, &identity{id: f.id})
		h.authorise("work")
		synctest.Wait()
		if got := f.decrypt(t); len(got) != 1 {
			t.Fatalf("got %q in persist_file; want the work token", names(got))
		}
		if r := h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "work"}); r.Kind != ctl.KindOK {
			t.Fatalf("revoke = %+v", r)
		}
		if got := f.decrypt(t); len(got) != 0 {
			t.Errorf("got %q in persist_file as revoke answered; want nothing", names(got))
		}
	})
}

// TestPersistLastChangeAtShutdown revokes a token after the server's
// context is done, as a request served during shutdown does: the revoke
// still reaches the disk.
func TestPersistLastChangeAtShutdown(t *testing.T) {
	f := newPersistFixture(t)
	synctest.Test(t, func(t *testing.T) {
		h, stop := startPersisting(t, f.cfg, &identity{id: f.id})
		h.authorise("work")
		synctest.Wait()
		if got := f.decrypt(t); len(got) != 1 {
			t.Fatalf("got %q in persist_file; want the work token", names(got))
		}
		h.do(ctl.Request{Cmd: ctl.CmdShutdown})
		synctest.Wait()
		h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "work"})
		stop()
		if got := f.decrypt(t); len(got) != 0 {
			t.Errorf("got %q in persist_file after a revoke during shutdown; want nothing", names(got))
		}
	})
}

// TestPersistRestoreDoesNotDelayShow holds persist_identity_cmd (a
// password manager waiting to be unlocked): show answers at once, without
// asking the user to log in, and the token is there once it is restored.
func TestPersistRestoreDoesNotDelayShow(t *testing.T) {
	f := newPersistFixture(t)
	f.write(t, f.saved("work", "persisted-access"))
	synctest.Test(t, func(t *testing.T) {
		id := &identity{id: f.id, hold: make(chan struct{})}
		h, _ := startPersisting(t, f.cfg, id)
		for _, req := range []ctl.Request{{Cmd: ctl.CmdShow, Account: "work"}, {Cmd: ctl.CmdRefresh, Account: "home"}} {
			if r := h.do(req); r.Kind != ctl.KindError || r.Payload != msgRestoring {
				t.Errorf("%s %s during the restore = %+v; want the restoring error", req.Cmd, req.Account, r)
			}
		}
		synctest.Wait()
		if got := h.runner.runs("auth_notify_cmd"); len(got) != 0 {
			t.Errorf("auth_notify_cmd ran %d times during the restore; want none", len(got))
		}
		close(id.hold)
		synctest.Wait()
		if got := h.token("work"); got != "persisted-access" {
			t.Errorf("token after the restore = %q; want the persisted one", got)
		}
		if r := h.show("home"); r.Kind != ctl.KindPending {
			t.Errorf("show home after the restore = %+v; want an authorisation request", r)
		}
	})
}

func TestPersistRestoreAtStart(t *testing.T) {
	f := newPersistFixture(t)
	f.write(t, f.saved("work", "persisted-access"))
	synctest.Test(t, func(t *testing.T) {
		h, _ := startPersisting(t, f.cfg, &identity{id: f.id})
		synctest.Wait()
		if got := h.token("work"); got != "persisted-access" {
			t.Errorf("token after restart = %q; want the persisted one", got)
		}
	})
}

// TestPersistUnreadFileIsNeverOverwritten starts with a
// persist_identity_cmd that fails (a locked password manager): the file
// keeps its tokens while new ones arrive, the user hears of it, and the
// reload after the command works again restores the file and then saves
// old and new tokens together.
func TestPersistUnreadFileIsNeverOverwritten(t *testing.T) {
	f := newPersistFixture(t)
	f.write(t, f.saved("work", "saved-work"), f.saved("home", "saved-home"))
	before, err := os.ReadFile(f.cfg.PersistFile)
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		id := &identity{id: f.id, fail: true}
		h, _ := startPersisting(t, f.cfg, id)
		synctest.Wait()
		if got := h.runner.runs("error_notify_cmd"); len(got) != 1 || !strings.Contains(envValue(got[0].env, "PIZAUTH_MSG"), "not overwritten") {
			t.Errorf("error_notify_cmd runs = %v; want one saying the file is kept", got)
		}
		h.authorise("home")
		h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "work"})
		synctest.Wait()
		if after, _ := os.ReadFile(f.cfg.PersistFile); !bytes.Equal(after, before) {
			t.Fatalf("persist_file was overwritten before it was read")
		}

		id.setFail(false)
		h.s.reconfigurePersistFile() // as reload does
		synctest.Wait()
		// home got a new token meanwhile and keeps it; work was revoked
		// meanwhile and stays revoked.
		if got := names(f.decrypt(t)); got != "home="+h.token("home") {
			t.Errorf("persist_file after the restore holds %q; want only home's new token", got)
		}
	})
}

func TestPersistBadFilesAreKept(t *testing.T) {
	f := newPersistFixture(t)
	other, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	dump, err := dump.Encode([]dump.Token{f.saved("work", "w")})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := persist.Seal(dump, []string{other.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	notDump, err := persist.Seal([]byte("not a dump"), f.cfg.PersistRecipients)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content []byte
		want    string // in the message to error_notify_cmd
	}{
		{"garbage", []byte("garbage\n"), "decrypting"},
		{"foreign recipient", foreign, "did not match any of the recipients"},
		{"not a dump inside", notDump, "not a pizauth dump"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := persist.WriteFileAtomic(f.cfg.PersistFile, tt.content); err != nil {
				t.Fatal(err)
			}
			synctest.Test(t, func(t *testing.T) {
				h, stop := startPersisting(t, f.cfg, &identity{id: f.id})
				synctest.Wait()
				if got := h.runner.runs("error_notify_cmd"); len(got) != 1 || !strings.Contains(envValue(got[0].env, "PIZAUTH_MSG"), tt.want) {
					t.Errorf("error_notify_cmd runs = %v; want one containing %q", got, tt.want)
				}
				h.authorise("home")
				stop()
				if got, _ := os.ReadFile(f.cfg.PersistFile); !bytes.Equal(got, tt.content) {
					t.Errorf("an unreadable persist_file was overwritten")
				}
			})
		})
	}
}

// TestPersistFileMustBeRegular puts a FIFO at persist_file: the server
// refuses it at once instead of waiting forever for a writer.
func TestPersistFileMustBeRegular(t *testing.T) {
	f := newPersistFixture(t)
	if err := os.MkdirAll(filepath.Dir(f.cfg.PersistFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(f.cfg.PersistFile, 0o600); err != nil {
		t.Fatal(err)
	}
	s := New(t.Context(), Options{Config: f.cfg})
	if err := s.OpenPersistFile(); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("OpenPersistFile with a FIFO: got %v; want an error saying it is not a regular file", err)
	}
}

func TestNoPersistFileTouchesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, stop := startPersisting(t, testConfig(testAccount("work")), &identity{})
		h.authorise("work")
		synctest.Wait()
		stop()
	})
}

// TestReloadPersistsAtOnce checks that a reload that sets persist_file
// writes it without waiting for a token change.
func TestReloadPersistsAtOnce(t *testing.T) {
	f := newPersistFixture(t)
	dir := t.TempDir()
	confPath := filepath.Join(dir, "pizauth.conf")
	conf := `persist_file = "` + f.cfg.PersistFile + `";
persist_recipients = ["` + f.cfg.PersistRecipients[0] + `"];
account "work" { auth_uri = "https://idp.example/authorize"; token_uri = "https://idp.example/token"; client_id = "client-work"; }
`
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		h := startWith(t, Options{Config: testConfig(testAccount("work")), ConfigPath: confPath})
		if r := h.do(ctl.Request{Cmd: ctl.CmdReload}); r.Kind != ctl.KindOK {
			t.Fatalf("reload = %+v", r)
		}
		synctest.Wait()
		if got := f.decrypt(t); len(got) != 0 {
			t.Errorf("got %d tokens; want none", len(got))
		}
	})
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode(); got != want {
		t.Errorf("%s: got mode %v; want %v", path, got, want)
	}
}

// TestPersistRefusesTokensWithControlCharacters restores a persist_file
// whose token would inject a header where it is used: the account stays
// without a token, the others are restored.
func TestPersistRefusesTokensWithControlCharacters(t *testing.T) {
	f := newPersistFixture(t)
	f.write(t, f.saved("work", "tok\r\nX-Injected: 1"), f.saved("home", "good"))
	synctest.Test(t, func(t *testing.T) {
		h, _ := startPersisting(t, f.cfg, &identity{id: f.id})
		synctest.Wait()
		if r := h.show("work"); r.Kind == ctl.KindToken {
			t.Errorf("show work = %+v; want no token", r)
		}
		if got := h.token("home"); got != "good" {
			t.Errorf("home's token = %q; want the persisted one", got)
		}
	})
}

// TestPersistRestoreHoldsWaits: show --wait during the restore (a mail
// client started with the session while persist_identity_cmd asks for a
// passphrase) neither asks the user to log in nor gives up: it waits for
// the restore, then answers with the restored token, or starts the login
// of an account the file did not hold.
func TestPersistRestoreHoldsWaits(t *testing.T) {
	f := newPersistFixture(t)
	f.write(t, f.saved("work", "persisted-access"))
	synctest.Test(t, func(t *testing.T) {
		id := &identity{id: f.id, hold: make(chan struct{})}
		h, _ := startPersisting(t, f.cfg, id)
		work := h.waitAsync(ctl.Request{Account: "work", Wait: time.Hour})
		home := h.waitAsync(ctl.Request{Account: "home", Wait: time.Hour})
		time.Sleep(time.Minute) // the user types the passphrase
		synctest.Wait()
		if got := h.runner.runs("auth_notify_cmd"); len(got) != 0 {
			t.Errorf("auth_notify_cmd ran %d times during the restore; want none", len(got))
		}
		select {
		case r := <-work:
			t.Fatalf("show --wait work answered %+v during the restore; want it to wait", r)
		case r := <-home:
			t.Fatalf("show --wait home answered %+v during the restore; want it to wait", r)
		default:
		}
		close(id.hold)
		synctest.Wait()
		if r := <-work; r.Kind != ctl.KindToken || r.Payload != "persisted-access" {
			t.Errorf("show --wait work after the restore = %+v; want the restored token", r)
		}
		if got := h.runner.runs("auth_notify_cmd"); len(got) != 1 || envValue(got[0].env, "PIZAUTH_ACCOUNT") != "home" {
			t.Errorf("auth_notify_cmd runs after the restore = %v; want one, for home", got)
		}
		h.authorise2("home")
		if r := <-home; r.Kind != ctl.KindToken {
			t.Errorf("show --wait home after its login = %+v; want its token", r)
		}
	})
}
