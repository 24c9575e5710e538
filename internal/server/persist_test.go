package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"filippo.io/age"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "pizauth")
	path := filepath.Join(dir, "state.age")
	for _, content := range []string{"first", "second, longer", "3"} {
		if err := writeFileAtomic(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != content {
			t.Errorf("got %q, %v; want %q", got, err, content)
		}
	}
	checkMode(t, path, 0o600)
	checkMode(t, dir, 0o700|os.ModeDir)
	checkOnlyFile(t, dir, "state.age")

	// A failed rename leaves the old file and no temporary file.
	blocked := filepath.Join(dir, "sub")
	if err := os.Mkdir(blocked, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(blocked, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(blocked, []byte("new")); err == nil {
		t.Errorf("writing over a non-empty directory succeeded; want an error")
	}
	os.RemoveAll(blocked)
	checkOnlyFile(t, dir, "state.age")
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

func checkOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("got files %q in %s; want only %q", names, dir, name)
	}
}

// TestWriteFileAtomicNeverPartial reads the file while it is rewritten:
// every read sees one whole version.
func TestWriteFileAtomicNeverPartial(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.age")
	versions := [][]byte{bytes.Repeat([]byte("a"), 1<<20), bytes.Repeat([]byte("b"), 1<<19)}
	if err := writeFileAtomic(path, versions[0]); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			got, err := os.ReadFile(path)
			if err != nil || !(bytes.Equal(got, versions[0]) || bytes.Equal(got, versions[1])) {
				t.Errorf("read %d bytes (%v); want one whole version", len(got), err)
				return
			}
		}
	})
	for i := range 50 {
		if err := writeFileAtomic(path, versions[i%2]); err != nil {
			t.Error(err)
			break
		}
	}
	close(stop)
	wg.Wait()
}

// persistFixture is a configuration with persist_file set, and the age
// identity that decrypts it.
type persistFixture struct {
	cfg     *config.Config
	id      *age.X25519Identity
	keyFile string
}

func newPersistFixture(t *testing.T) persistFixture {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(keyFile, []byte("# test key\n"+id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(testAccount("work"), testAccount("home"))
	cfg.PersistFile = filepath.Join(dir, "state", "state.age")
	cfg.PersistRecipients = []string{id.Recipient().String()}
	cfg.PersistIdentityCmd = "cat '" + keyFile + "'"
	return persistFixture{cfg: cfg, id: id, keyFile: keyFile}
}

// decrypt returns the tokens in the fixture's persist_file.
func (f persistFixture) decrypt(t *testing.T) []dumpedToken {
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
	tokens, err := decodeDump(data)
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

// TestPersistAfterTokenChanges checks that the persister writes after a
// token arrives and after it is revoked, so that a revoked token leaves
// the disk too.
func TestPersistAfterTokenChanges(t *testing.T) {
	f := newPersistFixture(t)
	synctest.Test(t, func(t *testing.T) {
		h := start(t, f.cfg)
		h.authorise("work")
		synctest.Wait()
		token := h.token("work")
		checkMode(t, f.cfg.PersistFile, 0o600)
		sealed, _ := os.ReadFile(f.cfg.PersistFile)
		if bytes.Contains(sealed, []byte(token)) {
			t.Errorf("persist_file contains the token")
		}
		if got := f.decrypt(t); len(got) != 1 || got[0].name != "work" || got[0].access.Reveal() != token {
			t.Errorf("got %d tokens in persist_file; want the work token", len(got))
		}
		h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "work"})
		synctest.Wait()
		if got := f.decrypt(t); len(got) != 0 {
			t.Errorf("got %d tokens in persist_file after revoke; want 0", len(got))
		}
	})
}

func TestPersistRestoreAtStart(t *testing.T) {
	f := newPersistFixture(t)
	a := New(t.Context(), Options{Config: f.cfg})
	obtained := time.Now().Truncate(time.Second)
	a.applyDump([]dumpedToken{{
		name: "work", digest: f.cfg.Accounts[0].SecurityDigest(),
		access: "persisted-access", refresh: "persisted-refresh", obtained: obtained, expiry: obtained.Add(time.Hour),
	}})
	if _, err := a.persist(); err != nil {
		t.Fatal(err)
	}

	var logged bytes.Buffer
	b := New(t.Context(), Options{Config: f.cfg, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	b.restorePersisted(t.Context())
	b.mu.Lock()
	w := b.accounts["work"]
	got := w.phase == phaseActive && w.token.access.Reveal() == "persisted-access" && w.token.refresh.Reveal() == "persisted-refresh"
	b.mu.Unlock()
	if !got {
		t.Errorf("work not restored from persist_file; log:\n%s", logged.String())
	}
	if !strings.Contains(logged.String(), "restored=1") {
		t.Errorf("got log %q; want it to say 1 account was restored", logged.String())
	}
}

func TestPersistBadFilesAreIgnored(t *testing.T) {
	f := newPersistFixture(t)
	other, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := seal(sampleDump(t), []string{other.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	notDump, err := seal([]byte("not a dump"), f.cfg.PersistRecipients)
	if err != nil {
		t.Fatal(err)
	}
	good, err := seal(sampleDump(t), f.cfg.PersistRecipients)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		content  []byte
		identity string // persist_identity_cmd
		want     string // in the log
	}{
		{"garbage", []byte("garbage\n"), f.cfg.PersistIdentityCmd, "level=WARN"},
		{"truncated", good[:len(good)-10], f.cfg.PersistIdentityCmd, "level=WARN"},
		{"foreign recipient", foreign, f.cfg.PersistIdentityCmd, "did not match any of the recipients"},
		{"not a dump inside", notDump, f.cfg.PersistIdentityCmd, "not a pizauth dump"},
		{"identity command fails", good, "exit 3", "persist_identity_cmd: exit status 3"},
		{"identity command prints no identity", good, "echo hello", "did not print an age identity"},
		{"no identity command", good, "", "persist_identity_cmd is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := writeFileAtomic(f.cfg.PersistFile, tt.content); err != nil {
				t.Fatal(err)
			}
			cfg := *f.cfg
			cfg.PersistIdentityCmd = tt.identity
			var logged bytes.Buffer
			s := New(context.Background(), Options{Config: &cfg, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
			s.restorePersisted(t.Context())
			if !strings.Contains(logged.String(), tt.want) {
				t.Errorf("got log %q; want it to contain %q", logged.String(), tt.want)
			}
			if st := s.status(); strings.Contains(st, "Active") {
				t.Errorf("got status %q; want no token", st)
			}
		})
	}
}

func TestNoPersistFileTouchesNothing(t *testing.T) {
	cfg := testConfig(testAccount("work"))
	s := New(t.Context(), Options{Config: cfg})
	if file, err := s.persist(); file != "" || err != nil {
		t.Errorf("persist() = %q, %v; want nothing done", file, err)
	}
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
		h := start(t, testConfig(testAccount("work")))
		h.s.configPath = confPath
		if r := h.do(ctl.Request{Cmd: ctl.CmdReload}); r.Kind != ctl.KindOK {
			t.Fatalf("reload = %+v", r)
		}
		synctest.Wait()
		if got := f.decrypt(t); len(got) != 0 {
			t.Errorf("got %d tokens; want none", len(got))
		}
	})
}
