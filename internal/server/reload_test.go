package server

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl"
)

// TestOverlappingReloadsInstallTheNewestFile: a reload slowed down by its
// credential command, started before a fast one, must not finish after it
// and install the older file (which silently dropped accounts and tokens
// the newer one had).
func TestOverlappingReloadsInstallTheNewestFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := credConfig(t, "pass show work")
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		calls := 0
		slow := func(context.Context, *slog.Logger, string, string, []string, time.Duration) ([]byte, error) {
			mu.Lock()
			calls++
			first := calls == 1
			mu.Unlock()
			if first {
				time.Sleep(2 * time.Second) // a password manager taking its time
			}
			return []byte("s3cret\n"), nil
		}
		h := startWith(t, Options{Config: cfg, ConfigPath: path, RunOutput: slow})
		answers := make(chan ctl.Response, 2)
		reload := func() { answers <- h.do(ctl.Request{Cmd: ctl.CmdReload}) }
		go reload() // the slow one, reading the file as it is now
		synctest.Wait()
		newer, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		newer = append(newer, `
account "new" { auth_uri = "https://idp.example/authorize"; token_uri = "https://idp.example/token"; client_id = "n"; }`...)
		if err := os.WriteFile(path, newer, 0o600); err != nil {
			t.Fatal(err)
		}
		go reload() // the fast one, after the file changed
		time.Sleep(5 * time.Second)
		synctest.Wait()
		for range 2 {
			if r := <-answers; r.Kind != ctl.KindOK {
				t.Errorf("reload = %+v; want ok", r)
			}
		}
		if got := h.status(); !strings.Contains(got, "new: No access token") {
			t.Errorf("status after both reloads = %q; want the newer file's account \"new\"", got)
		}
	})
}

// TestReloadWaitingForItsTurnStopsWhenItsClientHangsUp: a reload queued
// behind a slow one gives up when its client goes away.
func TestReloadWaitingForItsTurnStopsWhenItsClientHangsUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := credConfig(t, "pass show work")
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		hang := func(context.Context, *slog.Logger, string, string, []string, time.Duration) ([]byte, error) {
			time.Sleep(time.Minute)
			return []byte("s3cret\n"), nil
		}
		h := startWith(t, Options{Config: cfg, ConfigPath: path, RunOutput: hang})
		go h.do(ctl.Request{Cmd: ctl.CmdReload})
		synctest.Wait()
		ctx, cancel := context.WithCancel(t.Context())
		answer := make(chan ctl.Response, 1)
		go func() { answer <- h.ctl.Handle(ctx, ctl.Request{Cmd: ctl.CmdReload}) }()
		synctest.Wait()
		cancel()
		synctest.Wait()
		select {
		case r := <-answer:
			if r.Kind != ctl.KindError || !strings.Contains(r.Payload, "reload abandoned") {
				t.Errorf("answer = %+v; want the reload abandoned", r)
			}
		default:
			t.Error("a queued reload whose client hung up is still waiting")
		}
		time.Sleep(time.Minute)
	})
}

// notes records what a Notifier hears.
type notes struct {
	mu    sync.Mutex // guards heard
	heard []string
}

func (n *notes) add(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.heard = append(n.heard, s)
}

func (n *notes) Reloading() { n.add("reloading") }
func (n *notes) Reloaded()  { n.add("reloaded") }

// TestReloadTellsTheNotifier around every reload, refused or not, so that
// the service manager sees RELOADING=1 then READY=1.
func TestReloadTellsTheNotifier(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := credConfig(t, "pass show work")
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		heard := &notes{}
		out := &fakeOutput{answers: map[string]string{"pass show work": "s3cret\n"}}
		h := startWith(t, Options{Config: cfg, ConfigPath: path, Notifier: heard, RunOutput: out.run})
		if err := h.s.Reload(t.Context()); err != nil {
			t.Fatalf("Reload: %v", err)
		}
		if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := h.s.Reload(t.Context()); err == nil {
			t.Fatal("Reload of a broken file: no error")
		}
		want := []string{"reloading", "reloaded", "reloading", "reloaded"}
		if !slices.Equal(heard.heard, want) {
			t.Errorf("the notifier heard %q; want %q", heard.heard, want)
		}
	})
}

// TestReloadCutOffByShutdown: a reload whose credential command the
// shutdown cancels is abandoned, not reported as done: it installs
// nothing, and the cancelled command is no failure for error_notify_cmd.
func TestReloadCutOffByShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := credConfig(t, "pass show work")
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		untilCancelled := func(ctx context.Context, _ *slog.Logger, _, _ string, _ []string, _ time.Duration) ([]byte, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		h := startWith(t, Options{Config: cfg, ConfigPath: path, RunOutput: untilCancelled})
		newer, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		newer = append(newer, `
account "new" { auth_uri = "https://idp.example/authorize"; token_uri = "https://idp.example/token"; client_id = "n"; }`...)
		if err := os.WriteFile(path, newer, 0o600); err != nil {
			t.Fatal(err)
		}
		answer := make(chan ctl.Response, 1)
		go func() { answer <- h.do(ctl.Request{Cmd: ctl.CmdReload}) }()
		synctest.Wait()
		h.do(ctl.Request{Cmd: ctl.CmdShutdown})
		synctest.Wait()
		if r := <-answer; r.Kind != ctl.KindError || !strings.Contains(r.Payload, "reload abandoned") {
			t.Errorf("reload cut off by the shutdown answered %+v; want it abandoned", r)
		}
		if got := h.status(); strings.Contains(got, "new:") {
			t.Errorf("status = %q; the abandoned reload installed the new file", got)
		}
		if runs := h.runner.runs("error_notify_cmd"); len(runs) > 0 {
			t.Errorf("error_notify_cmd ran %d times for the cancelled credential command", len(runs))
		}
	})
}
