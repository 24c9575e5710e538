package server

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl"
)

// fakeOutput answers credential commands from a table the test changes.
type fakeOutput struct {
	mu      sync.Mutex // guards the fields below
	answers map[string]string
	runs    []string
	takes   time.Duration // how long each command runs
}

func (f *fakeOutput) set(cmd, out string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[cmd] = out
}

func (f *fakeOutput) run(ctx context.Context, _ *slog.Logger, name, command string, env []string, _ time.Duration) ([]byte, error) {
	f.mu.Lock()
	takes := f.takes
	f.mu.Unlock()
	select {
	case <-time.After(takes):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runs = append(f.runs, name+" "+command+" "+strings.Join(env, " "))
	out, ok := f.answers[command]
	if !ok {
		return nil, errors.New("exit status 1")
	}
	return []byte(out), nil
}

// credConfig writes a config whose account "work" takes its secret from
// the command secretCmd, and "plain" has none.
func credConfig(t *testing.T, secretCmd string) string {
	path := filepath.Join(t.TempDir(), "pizauth.conf")
	conf := `error_notify_cmd = "error";
account "work" { auth_uri = "https://idp.example/authorize"; token_uri = "https://idp.example/token";
	client_id = "client-work"; client_secret_cmd = "` + secretCmd + `"; }
account "plain" { auth_uri = "https://idp.example/authorize"; token_uri = "https://idp.example/token"; client_id = "p"; }`
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func startWithCredentials(t *testing.T, secretCmd string) (*harness, *fakeOutput, string) {
	path := credConfig(t, secretCmd)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	out := &fakeOutput{answers: map[string]string{"pass show work": "s3cret\n"}}
	h := startWith(t, Options{Config: cfg, ConfigPath: path, RunOutput: out.run})
	return h, out, path
}

func TestClientSecretCmdRunsWhenFirstNeeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, out, _ := startWithCredentials(t, "pass show work")
		if len(out.runs) != 0 {
			t.Fatalf("credential command ran at start: %q", out.runs)
		}
		if r := h.show("work"); r.Kind != ctl.KindPending || !strings.Contains(r.Payload, "client_id=client-work") {
			t.Errorf("first show = %+v; want the authorisation URL, once the command has run", r)
		}
		h.s.mu.Lock()
		got := h.s.accounts["work"].cfg.ClientSecret.Reveal()
		h.s.mu.Unlock()
		if got != "s3cret" || len(out.runs) != 1 || !strings.Contains(out.runs[0], "PIZAUTH_ACCOUNT=work") {
			t.Errorf("secret %q after runs %q; want s3cret from one run with PIZAUTH_ACCOUNT", got, out.runs)
		}
	})
}

func TestClientSecretCmdFailureIsThatAccountsAlone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _, _ := startWithCredentials(t, "pass show missing")
		h.show("work")
		synctest.Wait()
		notes := h.runner.runs("error_notify_cmd")
		if len(notes) != 1 || !strings.Contains(envValue(notes[0].env, "PIZAUTH_MSG"), "client_secret_cmd failed: exit status 1") {
			t.Errorf("error_notify_cmd runs = %+v; want one saying client_secret_cmd failed", notes)
		}
		if got := h.status(); !strings.Contains(got, "work: No access token") {
			t.Errorf("status = %q; want work back to no token", got)
		}
		h.authorise("plain")
	})
}

func TestReloadComparesCredentialOutput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, out, _ := startWithCredentials(t, "pass show work")
		h.show("work")
		synctest.Wait()
		h.authorise2("work")
		token := h.token("work")

		h.do(ctl.Request{Cmd: ctl.CmdReload}) // same output: kept
		if h.token("work") != token {
			t.Fatal("reload with an unchanged secret dropped the token")
		}
		out.set("pass show work", "") // the password manager fails: kept
		delete(out.answers, "pass show work")
		h.do(ctl.Request{Cmd: ctl.CmdReload})
		if h.token("work") != token {
			t.Fatal("reload while the secret command fails dropped the token")
		}
		out.set("pass show work", "rotated\n") // a new secret: dropped
		h.do(ctl.Request{Cmd: ctl.CmdReload})
		if r := h.show("work"); r.Kind == ctl.KindToken {
			t.Errorf("show after the secret changed = %+v; want the token dropped", r)
		}
	})
}
