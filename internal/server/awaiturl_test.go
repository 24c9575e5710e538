package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/testidp"
)

// TestFirstShowWaitsForCredentials: the first show of an account with
// client_secret_cmd prints the URL (issue 12 item 13), however long the
// command takes within awaitURLFor; show -u does not wait.
func TestFirstShowWaitsForCredentials(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, out, _ := startWithCredentials(t, "pass show work")
		out.takes = 2 * time.Second
		t0 := time.Now()
		r := h.show("work")
		if r.Kind != ctl.KindPending || !strings.Contains(r.Payload, "client_id=client-work") || time.Since(t0) != 2*time.Second {
			t.Errorf("first show = %+v after %v; want the URL after 2s", r, time.Since(t0))
		}
		h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "work"})
		t0 = time.Now()
		r = h.do(ctl.Request{Cmd: ctl.CmdShow, Account: "work"})
		if r.Kind != ctl.KindPending || time.Since(t0) != 0 {
			t.Errorf("show -u = %+v after %v; want pending at once", r, time.Since(t0))
		}
	})
}

// TestFirstShowGivesThePreparationsError: a credential command that
// fails is the first show's answer, instead of a URL that never comes.
func TestFirstShowGivesThePreparationsError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _, _ := startWithCredentials(t, "pass show missing")
		r := h.show("work")
		if r.Kind != ctl.KindError || !strings.Contains(r.Payload, "client_secret_cmd failed") {
			t.Errorf("first show = %+v; want the command's failure", r)
		}
	})
}

// TestFirstShowWaitIsBounded: a slow preparation holds show for
// awaitURLFor at most, and not at all once the client has hung up.
func TestFirstShowWaitIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, out, _ := startWithCredentials(t, "pass show work")
		out.takes = time.Minute
		t0 := time.Now()
		if r := h.show("work"); r.Kind != ctl.KindPending || r.Payload != "" || time.Since(t0) != awaitURLFor {
			t.Errorf("show = %+v after %v; want pending without a URL after %v", r, time.Since(t0), awaitURLFor)
		}
		ctx, hangUp := context.WithCancel(t.Context())
		time.AfterFunc(time.Second, hangUp)
		t0 = time.Now()
		h.ctl.Handle(ctx, ctl.Request{Cmd: ctl.CmdShow, Account: "work", WithURL: true})
		if d := time.Since(t0); d != time.Second {
			t.Errorf("show whose client hung up after 1s returned after %v", d)
		}
	})
}

// TestFirstShowWaitsForDiscovery: the same for an account with an issuer,
// whose provider answers the discovery request after a second.
func TestFirstShowWaitsForDiscovery(t *testing.T) {
	p := newIDP(t)
	synctest.Test(t, func(t *testing.T) {
		ac := testAccount("acc")
		ac.AuthURI, ac.TokenURI, ac.Issuer = "", "", p.URL()
		h := startAccount(t, ac, &http.Client{Transport: p.Transport()})
		p.FailNext(testidp.PathOIDCConfig, 1, testidp.Fault{Delay: time.Second})
		if r := h.show("acc"); r.Kind != ctl.KindPending || !strings.HasPrefix(r.Payload, p.AuthURI()+"?") {
			t.Errorf("first show = %+v; want the discovered authorisation URL", r)
		}
	})
}
