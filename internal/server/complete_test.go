package server

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/oauth"
)

// completeWith sends a complete request for name with address.
func (h *harness) completeWith(name, address string) ctl.Response {
	h.t.Helper()
	return h.do(ctl.Request{Cmd: ctl.CmdComplete, Account: name, Data: []byte(address)})
}

// addressFor is the address the provider sends the browser to with a code
// for state (http://localhost/ with the harness's port 8080).
func addressFor(state string) string {
	return "http://localhost:8080/?code=the-code&state=" + state
}

func TestCompleteExchangesTheCode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.show("work")
		if r := h.completeWith("work", addressFor(h.pendingState("work"))); r != (ctl.Response{Kind: ctl.KindOK}) {
			t.Fatalf("complete = %+v; want ok", r)
		}
		// Answered once the token is held: no wait needed.
		if r := h.show("work"); r.Kind != ctl.KindToken {
			t.Errorf("show after complete = %+v; want the token", r)
		}
		if got := h.idp.exchangeCount(); got != 1 {
			t.Errorf("%d exchanges; want 1", got)
		}
		if code := h.idp.exchanges[0].Reveal(); code != "the-code" {
			t.Errorf("exchanged code %q; want the address's", code)
		}
	})
}

func TestCompleteRefusals(t *testing.T) {
	tests := []struct {
		name    string
		address func(work, home string) string // from the pending states
		want    string
	}{
		{"foreign state", func(string, string) string { return addressFor("forged") }, "No pending authorisation request of 'work' matches this address"},
		{"another account's", func(_, home string) string { return addressFor(home) }, "No pending authorisation request of 'work'"},
		{"wrong path", func(work, _ string) string { return "http://localhost:8080/other?code=c&state=" + work }, "does not lead where"},
		{"https for an http redirect", func(work, _ string) string { return "https://localhost:8080/?code=c&state=" + work }, "does not lead where"},
		{"garbage", func(string, string) string { return "garbage" }, "not the address of a redirect to pizauth"},
		{"no state", func(string, string) string { return "http://localhost:8080/?code=c" }, "it has no state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := start(t, testConfig(testAccount("home"), testAccount("work")))
				h.show("work")
				h.show("home")
				work, home := h.pendingState("work"), h.pendingState("home")
				r := h.completeWith("work", tt.address(work, home))
				if r.Kind != ctl.KindError || !strings.Contains(r.Payload, tt.want) {
					t.Errorf("complete = %+v; want an error containing %q", r, tt.want)
				}
				if strings.Contains(r.Payload, "the-code") || strings.Contains(r.Payload, "code=c") {
					t.Errorf("error %q quotes the code", r.Payload)
				}
				synctest.Wait()
				// Nothing changed: both requests still wait, with their states.
				if h.pendingState("work") != work || h.pendingState("home") != home {
					t.Errorf("a pending request changed")
				}
				if got := h.idp.exchangeCount(); got != 0 {
					t.Errorf("%d exchanges; want 0", got)
				}
			})
		})
	}
}

func TestCompleteReplayChangesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.show("work")
		address := addressFor(h.pendingState("work"))
		if r := h.completeWith("work", address); r != (ctl.Response{Kind: ctl.KindOK}) {
			t.Fatalf("complete = %+v; want ok", r)
		}
		token := h.token("work")
		if r := h.completeWith("work", address); r.Kind != ctl.KindError {
			t.Errorf("replayed complete = %+v; want an error", r)
		}
		if h.token("work") != token || h.idp.exchangeCount() != 1 {
			t.Errorf("the replay changed the token or exchanged again")
		}
		// Nor does the listener take the used state afterwards.
		if page := h.s.HandleRedirect(redirectFor(strings.TrimPrefix(address, "http://localhost:8080/?code=the-code&state="))); page.Body != pageNoMatch {
			t.Errorf("redirect after complete = %+v; want %q", page, pageNoMatch)
		}
	})
}

func TestCompleteUsesUpTheListenersState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.show("work")
		state := h.pendingState("work")
		h.s.HandleRedirect(redirectFor(state))
		synctest.Wait()
		if r := h.completeWith("work", addressFor(state)); r.Kind != ctl.KindError {
			t.Errorf("complete after the redirect = %+v; want an error", r)
		}
		if got := h.idp.exchangeCount(); got != 1 {
			t.Errorf("%d exchanges; want 1", got)
		}
	})
}

func TestCompleteProviderError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.show("work")
		r := h.completeWith("work", "http://localhost:8080/?state="+h.pendingState("work")+"&error=access_denied&error_description=the+user+said+no")
		if want := (ctl.Response{Kind: ctl.KindError, Payload: "Authentication for work failed: access_denied: the user said no"}); r != want {
			t.Errorf("complete = %+v; want %+v", r, want)
		}
		synctest.Wait()
		if r := h.show("work"); r.Kind != ctl.KindPending {
			t.Errorf("show afterwards = %+v; want a new request", r)
		}
		if runs := h.runner.runs("error_notify_cmd"); len(runs) != 1 {
			t.Errorf("error_notify_cmd ran %d times; want 1", len(runs))
		}
	})
}

func TestCompleteExchangeFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.idp.answer = func(string, int) (*oauth.Token, error) {
			return nil, errors.New(`oauth2: "invalid_grant" "code expired"`)
		}
		h.show("work")
		r := h.completeWith("work", addressFor(h.pendingState("work")))
		if r.Kind != ctl.KindError || !strings.Contains(r.Payload, "Authentication for work failed: ") || !strings.Contains(r.Payload, "code expired") {
			t.Errorf("complete = %+v; want the provider's error", r)
		}
	})
}

func TestCompleteRevokedDuringTheExchange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.idp.hold = make(chan struct{})
		h.show("work")
		answer := make(chan ctl.Response, 1)
		go func() { answer <- h.completeWith("work", addressFor(h.pendingState("work"))) }()
		synctest.Wait()
		h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "work"})
		close(h.idp.hold)
		if r := <-answer; r.Kind != ctl.KindError || !strings.Contains(r.Payload, "revoked or replaced") {
			t.Errorf("complete = %+v; want an error saying the request was revoked", r)
		}
	})
}

func TestCompleteGivesUpWaitingAfterCompleteWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.idp.hold = make(chan struct{})
		defer close(h.idp.hold)
		h.show("work")
		t0 := time.Now()
		r := h.completeWith("work", addressFor(h.pendingState("work")))
		if r.Kind != ctl.KindError || !strings.Contains(r.Payload, "still being exchanged") || time.Since(t0) != ctl.CompleteWait {
			t.Errorf("complete = %+v after %v; want the still-exchanging error after %v", r, time.Since(t0), ctl.CompleteWait)
		}
	})
}

func TestPasteOnlyAnswerNamesTheCommand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// No port on either listener (a Listeners not zero, which the harness
		// would fill with an HTTP port).
		h := startWith(t, Options{Config: testConfig(testAccount("work")), Listeners: Listeners{HTTPSPubKey: "none"}})
		r := h.show("work")
		if r.Kind != ctl.KindPending || !strings.Contains(r.Payload, "redirect_uri=http%3A%2F%2Flocalhost%2F&") ||
			!strings.HasSuffix(r.Payload, " (no redirect listener: once logged in, run 'pizauth complete work' and paste the address your browser was sent to)") {
			t.Errorf("show = %+v; want the URL with a portless redirect_uri, then the hint", r)
		}
		if r := h.completeWith("work", "http://localhost/?code=c&state="+h.pendingState("work")); r != (ctl.Response{Kind: ctl.KindOK}) {
			t.Errorf("complete = %+v; want ok", r)
		}
	})
}
