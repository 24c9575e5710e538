package server

import (
	"runtime"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/dump"
	"github.com/pizauth-go/pizauth/internal/oauth"
)

// TestReloadAsTransientErrorIfCmdStarts: the sixth transient failure of a
// refresh starts transient_error_if_cmd in the background; a reload that
// keeps the account right then replaces its settings under the lock, and
// the command must not read them without it (the race detector fails this
// test otherwise). The reload synchronises with the failure's record
// only, never with the command's goroutine.
//
// It runs outside a synctest bubble, whose goroutine bookkeeping orders
// too much for the race detector to see this race every time; the token
// comes from a restore, and each refresh from `pizauth refresh`.
func TestReloadAsTransientErrorIfCmdStarts(t *testing.T) {
	cfg := testConfig(testAccount("work"))
	cfg.TransientErrorIfCmd = "check"
	h := start(t, cfg)
	ac, t0 := cfg.Accounts[0], time.Now()
	if n := h.s.Restore([]dump.Token{{Name: ac.Name, Digest: ac.SecurityDigest(),
		Access: "access", Refresh: "refresh", Obtained: t0, Expiry: t0.Add(time.Hour)}}); n != 1 {
		t.Fatalf("restored %d tokens; want 1", n)
	}
	h.idp.setAnswer(func(string, int) (*oauth.Token, error) { return nil, errTransient })
	for failures := 1; failures <= transientErrorEvery; failures++ {
		if r := h.do(ctl.Request{Cmd: ctl.CmdRefresh, Account: "work"}); r.Kind == ctl.KindError {
			t.Fatalf("refresh = %+v", r)
		}
		for done := false; !done; runtime.Gosched() {
			h.s.mu.Lock()
			a := h.s.accounts["work"]
			done = !a.token.refreshing && a.token.failures == failures
			if done && failures == transientErrorEvery {
				kept := *a.cfg
				kept.RefreshRetry = time.Minute
				cfg := *h.s.cfg
				cfg.Accounts = []*config.Account{&kept}
				h.s.applyConfigLocked(&cfg)
			}
			h.s.mu.Unlock()
		}
	}
}
