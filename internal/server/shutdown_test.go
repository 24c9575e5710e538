package server

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl"
)

// logBuffer collects a server's log for a test.
type logBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startLogged is start with the server's log kept in the returned buffer.
func startLogged(t *testing.T, cfg *config.Config) (*harness, *logBuffer) {
	logged := &logBuffer{}
	return startWith(t, Options{Config: cfg, Logger: slog.New(slog.NewTextHandler(logged, nil))}), logged
}

// TestShutdownDuringCodeExchangeIsNotAFailure: a code exchange cut off by
// SIGTERM or `pizauth shutdown` is no authorisation failure: no ERROR in
// the log and no error_notify_cmd.
func TestShutdownDuringCodeExchangeIsNotAFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, logged := startLogged(t, testConfig(testAccount("work")))
		h.show("work")
		release := h.idp.holdCalls()
		defer release()
		h.s.HandleRedirect(redirectFor(h.pendingState("work")))
		synctest.Wait() // the exchange is under way
		h.do(ctl.Request{Cmd: ctl.CmdShutdown})
		h.s.Wait()
		if runs := h.runner.runs("error_notify_cmd"); len(runs) != 0 {
			t.Errorf("error_notify_cmd ran %d times at shutdown: %+v", len(runs), runs)
		}
		if log := logged.String(); strings.Contains(log, "level=ERROR") {
			t.Errorf("shutdown during a code exchange logged an error:\n%s", log)
		}
	})
}

// TestShutdownDuringRefreshIsNotAFailure: a refresh cut off by shutdown is
// not a transient failure to warn about or count.
func TestShutdownDuringRefreshIsNotAFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, logged := startLogged(t, testConfig(testAccount("work")))
		h.authorise("work")
		release := h.idp.holdCalls()
		defer release()
		time.Sleep(time.Hour - 90*time.Second)
		synctest.Wait() // the refresh is under way
		h.do(ctl.Request{Cmd: ctl.CmdShutdown})
		h.s.Wait()
		if log := logged.String(); strings.Contains(log, "level=ERROR") || strings.Contains(log, "refresh failed") {
			t.Errorf("shutdown during a refresh logged a failure:\n%s", log)
		}
	})
}
