package server

import (
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/provider"
	"github.com/pizauth-go/pizauth/internal/redirect"
)

func TestRedirectHandling(t *testing.T) {
	tests := []struct {
		name       string
		callback   func(state string) redirect.Callback
		wantStatus int
		wantPage   string
		wantKind   ctl.Kind // what show answers afterwards
		exchanges  int
	}{
		{"code", redirectFor, 200, pageProcessing, ctl.KindToken, 1},
		{"forged state", func(string) redirect.Callback { return redirectFor("forged") }, 200, pageNoMatch, ctl.KindPending, 0},
		{"state differing in case", func(s string) redirect.Callback { return redirectFor(strings.ToUpper(s)) }, 200, pageNoMatch, ctl.KindPending, 0},
		{"wrong path", func(s string) redirect.Callback {
			cb := redirectFor(s)
			cb.Path = "/other"
			return cb
		}, 404, pageNotFound, ctl.KindPending, 0},
		{"https to an http redirect URI", func(s string) redirect.Callback {
			cb := redirectFor(s)
			cb.TLS = true
			return cb
		}, 404, pageNotFound, ctl.KindPending, 0},
		{"access denied", func(s string) redirect.Callback {
			return redirect.Callback{Path: "/", State: s, Error: "access_denied", ErrorDescription: "the user said no\x1b[31m"}
		}, 400, "pizauth: authorisation failed: access_denied: the user said no [31m", ctl.KindPending, 0},
		{"neither code nor error", func(s string) redirect.Callback { return redirect.Callback{Path: "/", State: s} }, 400, pageNoCode, ctl.KindPending, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := start(t, testConfig(testAccount("work")))
				h.show("work")
				page := h.s.HandleRedirect(tt.callback(h.pendingState("work")))
				if page.Status != tt.wantStatus || page.Body != tt.wantPage {
					t.Errorf("page = %d %q; want %d %q", page.Status, page.Body, tt.wantStatus, tt.wantPage)
				}
				synctest.Wait()
				if r := h.show("work"); r.Kind != tt.wantKind {
					t.Errorf("show afterwards = %+v; want %s", r, tt.wantKind)
				}
				if n := h.idp.exchangeCount(); n != tt.exchanges {
					t.Errorf("%d code exchanges; want %d", n, tt.exchanges)
				}
			})
		})
	}
}

func TestRedirectErrorNotifiesTheUser(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.show("work")
		h.s.HandleRedirect(redirect.Callback{Path: "/", State: h.pendingState("work"), Error: "access_denied"})
		synctest.Wait()
		notes := h.runner.runs("error_notify_cmd")
		if len(notes) != 1 || !strings.Contains(envValue(notes[0].env, "PIZAUTH_MSG"), "access_denied") {
			t.Errorf("error_notify_cmd runs = %+v; want one mentioning access_denied", notes)
		}
	})
}

// TestRedirectWithoutCodeChangesNothing: as in the original, a redirect
// that carries the pending request's state but neither a code nor an error
// is refused (400) and the request stays usable; nobody is notified.
func TestRedirectWithoutCodeChangesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.show("work")
		state := h.pendingState("work")
		if page := h.s.HandleRedirect(redirect.Callback{Path: "/", State: state}); page.Status != 400 {
			t.Errorf("page = %+v; want 400", page)
		}
		if r := h.completeWith("work", "http://localhost:8080/?state="+state); r.Kind != ctl.KindError || !strings.Contains(r.Payload, "neither a code nor an error") {
			t.Errorf("complete = %+v; want a refusal", r)
		}
		synctest.Wait()
		if got := h.pendingState("work"); got != state {
			t.Fatalf("pending state changed to %q", got)
		}
		if n := len(h.runner.runs("error_notify_cmd")); n != 0 {
			t.Errorf("error_notify_cmd ran %d times; want 0", n)
		}
		h.s.HandleRedirect(redirectFor(state))
		synctest.Wait()
		h.token("work")
	})
}

func TestReplayedCodeChangesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.show("work")
		state := h.pendingState("work")
		h.s.HandleRedirect(redirectFor(state))
		synctest.Wait()
		token := h.token("work")
		if page := h.s.HandleRedirect(redirectFor(state)); page.Body != pageNoMatch {
			t.Errorf("replayed redirect page = %+v; want %q", page, pageNoMatch)
		}
		synctest.Wait()
		if n := h.idp.exchangeCount(); n != 1 {
			t.Errorf("%d code exchanges; want 1", n)
		}
		if h.token("work") != token {
			t.Errorf("token changed after a replayed redirect")
		}
	})
}

func TestExchangeRetriesNetworkFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.idp.setAnswer(func(grant string, n int) (*oauth.Token, error) {
			if n < 3 {
				return nil, errTransient
			}
			return h.idp.token(3600e9), nil
		})
		h.show("work")
		h.s.HandleRedirect(redirectFor(h.pendingState("work")))
		time.Sleep(2 * provider.ExchangeRetryDelay)
		synctest.Wait()
		h.token("work")
		if n := h.idp.exchangeCount(); n != 3 {
			t.Errorf("%d exchange attempts; want 3", n)
		}
	})
}

func TestExchangeGivesUpOnOAuthError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.idp.setAnswer(func(string, int) (*oauth.Token, error) { return nil, errPermanent })
		h.show("work")
		h.s.HandleRedirect(redirectFor(h.pendingState("work")))
		synctest.Wait()
		if n := h.idp.exchangeCount(); n != 1 {
			t.Errorf("%d exchange attempts; want 1", n)
		}
		if got := h.status(); got != "work: No access token\n" {
			t.Errorf("status = %q; want no token", got)
		}
		if n := len(h.runner.runs("error_notify_cmd")); n != 1 {
			t.Errorf("error_notify_cmd ran %d times; want 1", n)
		}
	})
}

func TestRevokeCancelsPendingRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.show("work")
		state := h.pendingState("work")
		h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "work"})
		if page := h.s.HandleRedirect(redirectFor(state)); page.Body != pageNoMatch {
			t.Errorf("redirect after revoke = %+v; want %q", page, pageNoMatch)
		}
		synctest.Wait()
		if h.idp.exchangeCount() != 0 {
			t.Errorf("a revoked request's code was exchanged")
		}
		if got, want := h.runner.events(), []string{"work:token_revoked"}; !slices.Equal(got, want) {
			t.Errorf("events = %q; want %q", got, want)
		}
	})
}

func TestUnknownAccount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		for _, cmd := range []ctl.Cmd{ctl.CmdShow, ctl.CmdRefresh, ctl.CmdRevoke} {
			r := h.do(ctl.Request{Cmd: cmd, Account: "nope"})
			if r.Kind != ctl.KindError || r.Payload != "No account 'nope'" {
				t.Errorf("%s nope = %+v; want error No account 'nope'", cmd, r)
			}
		}
	})
}
