package server

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/provider"
)

// revokingAccount is an account with a revocation endpoint.
func revokingAccount(name string) *config.Account {
	ac := testAccount(name)
	ac.RevokeURI = "https://idp.example/revoke"
	return ac
}

func (h *harness) revoke(name string) {
	h.t.Helper()
	if r := h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: name}); r.Kind != ctl.KindOK {
		h.t.Fatalf("revoke %s = %+v; want ok", name, r)
	}
}

// TestShutdownWaitsForRevocations: `pizauth revoke; pizauth shutdown` must
// not cut the revocation at the provider off.
func TestShutdownWaitsForRevocations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _ := startLogged(t, testConfig(revokingAccount("work")))
		h.authorise("work")
		h.idp.setRevokeTakes(time.Second)
		h.revoke("work")
		h.do(ctl.Request{Cmd: ctl.CmdShutdown})
		t0 := time.Now()
		h.s.Wait()
		if got := len(h.idp.revocations()); got != 2 {
			t.Errorf("%d tokens revoked at the provider before the server stopped; want 2 (refresh and access)", got)
		}
		if d := time.Since(t0); d != 2*time.Second {
			t.Errorf("the server took %v to stop; want 2s, the time the revocations took", d)
		}
	})
}

// TestShutdownAbandonsSlowRevocationsAndSaysSo: shutdown waits only a
// little, and logs what it abandoned.
func TestShutdownAbandonsSlowRevocationsAndSaysSo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, logged := startLogged(t, testConfig(revokingAccount("work")))
		h.authorise("work")
		h.idp.setRevokeTakes(time.Hour)
		h.revoke("work")
		h.do(ctl.Request{Cmd: ctl.CmdShutdown})
		t0 := time.Now()
		h.s.Wait()
		if d := time.Since(t0); d != provider.ShutdownGrace {
			t.Errorf("the server took %v to stop; want %v", d, provider.ShutdownGrace)
		}
		if log := logged.String(); !strings.Contains(log, "revocation at the provider abandoned") || !strings.Contains(log, "not_revoked=refresh_token,access_token") {
			t.Errorf("log does not say what was abandoned:\n%s", log)
		}
		if runs := h.runner.runs("error_notify_cmd"); len(runs) != 0 {
			t.Errorf("error_notify_cmd ran at shutdown: %+v", runs)
		}
	})
}

// TestNewAuthorisationWaitsForRevocations: at providers that revoke the
// whole grant, a revocation landing after a new login kills it; the new
// request starts once the revocations have ended.
func TestNewAuthorisationWaitsForRevocations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(revokingAccount("work")))
		h.authorise("work")
		h.idp.setRevokeTakes(time.Second)
		h.revoke("work")
		notes := len(h.runner.runs("auth_notify_cmd"))
		// show waits (briefly) for the URL the revocations hold back.
		t0 := time.Now()
		if r := h.show("work"); r.Kind != ctl.KindPending || r.Payload == "" || time.Since(t0) != 2*time.Second {
			t.Errorf("show while revoking = %+v after %v; want pending with a URL once both revocations ended, after 2s", r, time.Since(t0))
		}
		synctest.Wait()
		revs := h.idp.revocations()
		if len(revs) != 2 {
			t.Fatalf("%d revocations; want 2", len(revs))
		}
		runs := h.runner.runs("auth_notify_cmd")
		if len(runs) != notes+1 || runs[notes].at.Before(revs[1].at) {
			t.Fatalf("auth_notify_cmd runs %+v; want one more, after the revocations ended at %v", runs, revs[1].at)
		}
		if r := h.show("work"); r.Kind != ctl.KindPending || r.Payload == "" {
			t.Errorf("show after the revocations = %+v; want pending with a URL", r)
		}
	})
}

// TestNewAuthorisationWaitsForRevocationsOnlyALittle: a hung revocation
// endpoint delays a new authorisation by revocationWait at most.
func TestNewAuthorisationWaitsForRevocationsOnlyALittle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(revokingAccount("work")))
		h.authorise("work")
		h.idp.setRevokeTakes(time.Hour)
		h.revoke("work")
		t0 := time.Now()
		h.show("work")
		time.Sleep(revocationWait)
		synctest.Wait()
		if r := h.show("work"); r.Kind != ctl.KindPending || r.Payload == "" {
			t.Errorf("show %v after revoke = %+v; want pending with a URL", time.Since(t0), r)
		}
		// Later requests do not wait again for the same revocation.
		h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "work"})
		if r := h.show("work"); r.Kind != ctl.KindPending || r.Payload == "" {
			t.Errorf("show after revoking a pending request = %+v; want pending with a URL at once", r)
		}
	})
}
