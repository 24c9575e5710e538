package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/dump"
	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/redirect"
	"github.com/pizauth-go/pizauth/internal/secret"
	"github.com/pizauth-go/pizauth/internal/testidp"
)

// newIDP is a fake provider with a public client "client-acc". Call it
// outside the synctest bubble: its listener is a real socket.
func newIDP(t *testing.T) *testidp.Provider {
	p := testidp.New()
	t.Cleanup(p.Close)
	p.AddClient("client-acc", "")
	return p
}

// startIDP starts a server whose account "acc" uses p, served in memory
// through the real oauth client, so that the synctest clock drives it.
// A timeout, when set, stands for the real client's timeouts.
func startIDP(t *testing.T, p *testidp.Provider, timeout time.Duration) *harness {
	ac := testAccount("acc")
	ac.AuthURI, ac.TokenURI = p.AuthURI(), p.TokenURI()
	return startAccount(t, ac, &http.Client{Transport: p.Transport(), Timeout: timeout})
}

// startAccount starts a server with the one account ac, whose provider
// hc reaches.
func startAccount(t *testing.T, ac *config.Account, hc *http.Client) *harness {
	ctx, cancel := context.WithCancel(t.Context())
	h := &harness{t: t, runner: &fakeRunner{}}
	o := Options{
		Config: testConfig(ac), Provider: &oauth.Client{HTTP: hc},
		RunCommand: h.runner.run, Listeners: Listeners{HTTPPort: 8080},
	}
	h.s = New(ctx, o)
	h.ctl = handler(h.s, o, cancel)
	h.s.Start()
	t.Cleanup(func() { cancel(); h.s.Wait() })
	return h
}

// loginAt has the user log in at p: the authorisation URL that show
// gives is opened, and the provider's redirect is delivered to the server.
func (h *harness) loginAt(p *testidp.Provider, name string) {
	h.t.Helper()
	r := h.show(name)
	if r.Kind != ctl.KindPending {
		h.t.Fatalf("show %s = %+v; want pending", name, r)
	}
	browser := &http.Client{Transport: p.Transport(), CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := browser.Get(r.Payload)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Query().Get("code") == "" {
		h.t.Fatalf("provider answered %d, Location %q; want a redirect with a code", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := back.Query()
	h.s.HandleRedirect(redirect.Callback{Path: back.Path, State: q.Get("state"), Code: secret.String(q.Get("code"))})
	synctest.Wait()
}

// TestNonOAuthRefreshAnswersKeepTheToken: proxies, captive portals and
// maintenance pages answer a refresh with pages that say nothing about
// the token; the token is kept and the refresh retried (issue 13 item 6).
func TestNonOAuthRefreshAnswersKeepTheToken(t *testing.T) {
	html := http.Header{"Content-Type": {"text/html"}}
	faults := map[string]testidp.Fault{
		"html 404":       {Status: 404, Header: html, Body: "<html>Not Found</html>"},
		"html 403":       {Status: 403, Header: html, Body: "<html>Forbidden</html>"},
		"302":            {Status: 302, Header: http.Header{"Location": {"http://portal.example/"}}, Body: " "},
		"text/plain 200": {Status: 200, Header: http.Header{"Content-Type": {"text/plain"}}, Body: "down for maintenance"},
		"empty object":   {Status: 200, Body: "{}"},
	}
	for name, f := range faults {
		t.Run(name, func(t *testing.T) {
			p := newIDP(t)
			synctest.Test(t, func(t *testing.T) {
				h := startIDP(t, p, 0)
				h.loginAt(p, "acc")
				tok := h.token("acc")
				p.FailNext(testidp.PathToken, 1, f)
				if r := h.do(ctl.Request{Cmd: ctl.CmdRefresh, Account: "acc"}); r.Kind != ctl.KindScheduled {
					t.Fatalf("refresh = %+v; want scheduled", r)
				}
				synctest.Wait()
				if got := h.token("acc"); got != tok {
					t.Fatalf("after the fault show = %q; want the old token still", got)
				}
				if ev := h.runner.events(); strings.Contains(strings.Join(ev, " "), "token_invalidated") {
					t.Fatalf("events = %v; want no token_invalidated", ev)
				}
				time.Sleep(40 * time.Second) // refresh_retry
				synctest.Wait()
				if got := h.token("acc"); got != p.LastAccessToken() || got == tok {
					t.Errorf("after refresh_retry show = %q; want the provider's new token", got)
				}
			})
		})
	}
}

// TestSpentCodeIsNotExchangedAgain: a 2xx answer that is not a token has
// used the code up; it is reported once, not retried ten times (issue 18
// item 11).
func TestSpentCodeIsNotExchangedAgain(t *testing.T) {
	p := newIDP(t)
	synctest.Test(t, func(t *testing.T) {
		h := startIDP(t, p, 0)
		p.FailNext(testidp.PathToken, 1, testidp.Fault{Status: 200, Body: `{"access_token":"a","expires_in":"soon"}`})
		h.loginAt(p, "acc")
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if n := p.Count(testidp.PathToken); n != 1 {
			t.Errorf("token requests = %d; want 1", n)
		}
		if n := len(h.runner.runs("error_notify_cmd")); n != 1 {
			t.Errorf("error_notify_cmd ran %d times; want 1", n)
		}
	})
}

// TestFloatExpiresIn: 3600.0 is a number of seconds like 3600 (issue 18
// item 11).
func TestFloatExpiresIn(t *testing.T) {
	p := newIDP(t)
	synctest.Test(t, func(t *testing.T) {
		h := startIDP(t, p, 0)
		p.SetFloatNumbers(true)
		h.loginAt(p, "acc")
		if got := h.token("acc"); got != p.LastAccessToken() {
			t.Fatalf("show = %q; want the provider's token", got)
		}
		h.s.mu.Lock()
		tok := h.s.accounts["acc"].token
		lifetime := tok.expiry.Sub(tok.obtained)
		h.s.mu.Unlock()
		if lifetime != time.Hour {
			t.Errorf("lifetime = %v; want 1h", lifetime)
		}
	})
}

// TestSlowDevicePollPollsOn: a poll answered after the client's timeout
// is a transient failure, not the device code expiring (issue 13 item 3).
func TestSlowDevicePollPollsOn(t *testing.T) {
	p := newDeviceProvider(t)
	p.SetDeviceTiming(5*time.Second, 15*time.Minute)
	synctest.Test(t, func(t *testing.T) {
		h := startDeviceWith(t, p, &http.Client{Transport: p.Transport(), Timeout: 20 * time.Second})
		p.FailNext(testidp.PathToken, 1, testidp.Fault{Delay: 25 * time.Second})
		h.show("dev")
		time.Sleep(30 * time.Second) // the first poll times out
		synctest.Wait()
		if n := len(h.runner.runs("error_notify_cmd")); n != 0 {
			t.Fatalf("error_notify_cmd ran %d times; want none", n)
		}
		p.ApproveDevice(p.LastUserCode())
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if r := h.show("dev"); r.Kind != ctl.KindToken {
			t.Errorf("show after approval = %+v; want a token", r)
		}
	})
}

// TestUnsafeDeviceAnswerIsReported: a verification URI with a C1 control
// code never reaches show or auth_notify_cmd; the user hears of a provider
// error once (issue 18 item 6).
func TestUnsafeDeviceAnswerIsReported(t *testing.T) {
	p := newDeviceProvider(t)
	synctest.Test(t, func(t *testing.T) {
		h := startDevice(t, p)
		p.FailNext(testidp.PathDevice, 1, testidp.Fault{Status: 200, Body: `{"device_code":"d","user_code":"WDJB-MJHT",` +
			`"verification_uri":"https://idp.example/\u009b2Jdevice","expires_in":900}`})
		h.show("dev")
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := len(h.runner.runs("auth_notify_cmd")); n != 0 {
			t.Errorf("auth_notify_cmd ran %d times; want none", n)
		}
		notes := h.runner.runs("error_notify_cmd")
		if len(notes) != 1 || !strings.Contains(envValue(notes[0].env, "PIZAUTH_MSG"), "unusable verification_uri") {
			t.Fatalf("error_notify_cmd runs = %+v; want one about the verification_uri", notes)
		}
		if msg := envValue(notes[0].env, "PIZAUTH_MSG"); strings.ContainsRune(msg, '\u009b') {
			t.Errorf("PIZAUTH_MSG %q carries the control code", msg)
		}
		if r := h.show("dev"); strings.ContainsRune(r.Payload, '\u009b') {
			t.Errorf("show = %+v; carries the control code", r)
		}
	})
}

// TestOversizedDiscoveryReportedOnce: a discovery document that is too
// large is not retried every refresh_retry; the user hears of it once
// (issue 18 item 9).
func TestOversizedDiscoveryReportedOnce(t *testing.T) {
	p := newIDP(t)
	synctest.Test(t, func(t *testing.T) {
		ac := testAccount("acc")
		ac.AuthURI, ac.TokenURI, ac.Issuer = "", "", p.URL()
		h := startAccount(t, ac, &http.Client{Transport: p.Transport()})
		p.StartOutage(testidp.Fault{Status: 200, Body: `{"issuer":"x","pad":"` + strings.Repeat("a", 2<<20) + `"}`})
		h.show("acc")
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if n := p.Count(testidp.PathOIDCConfig); n != 1 {
			t.Errorf("discovery requests = %d; want 1", n)
		}
		notes := h.runner.runs("error_notify_cmd")
		if len(notes) != 1 || !strings.Contains(envValue(notes[0].env, "PIZAUTH_MSG"), "larger than") {
			t.Errorf("error_notify_cmd runs = %+v; want one saying the document is too large", notes)
		}
	})
}

// TestRedirectErrorTextIsSanitised: the error a redirect carries reaches
// PIZAUTH_MSG without control codes or bidi overrides (issue 18 item 6).
func TestRedirectErrorTextIsSanitised(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("acc")))
		h.show("acc")
		h.s.HandleRedirect(redirect.Callback{Path: "/", State: h.pendingState("acc"),
			Error: "access_denied", ErrorDescription: "see \u202eevil\u009b2J\x1b[31m"})
		synctest.Wait()
		notes := h.runner.runs("error_notify_cmd")
		if len(notes) != 1 {
			t.Fatalf("error_notify_cmd ran %d times; want 1", len(notes))
		}
		if msg := envValue(notes[0].env, "PIZAUTH_MSG"); strings.ContainsAny(msg, "\u202e\u009b\x1b") {
			t.Errorf("PIZAUTH_MSG %q carries control codes", msg)
		}
	})
}

// TestDiscoveryFailureWhileRefreshingKeepsTheToken: after a restart the
// discovery document is fetched again for the first refresh; a redirect
// (a captive portal) there is no reason to drop the restored token.
func TestDiscoveryFailureWhileRefreshingKeepsTheToken(t *testing.T) {
	p := newIDP(t)
	synctest.Test(t, func(t *testing.T) {
		ac := testAccount("acc")
		ac.AuthURI, ac.TokenURI, ac.Issuer = "", "", p.URL()
		// As NewHTTPClient's, the client follows no redirect.
		h := startAccount(t, ac, &http.Client{Transport: p.Transport(), CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}})
		t0 := time.Now()
		b, err := dump.Encode([]dump.Token{{Name: "acc", Digest: ac.SecurityDigest(), Access: "restored", Refresh: "rt",
			Obtained: t0.Add(-89 * time.Minute), Expiry: t0.Add(time.Hour)}})
		if err != nil {
			t.Fatal(err)
		}
		p.StartOutage(testidp.Fault{Status: 302, Header: http.Header{"Location": {"http://portal.example/"}}, Body: " "})
		if r := h.do(ctl.Request{Cmd: ctl.CmdRestore, Data: b}); r.Payload != "1" {
			t.Fatalf("restore = %+v", r)
		}
		time.Sleep(2 * time.Minute) // the refresh is due after a minute
		synctest.Wait()
		if n := p.Count(testidp.PathOIDCConfig); n == 0 {
			t.Fatal("no discovery request; want the refresh to try one")
		}
		if got := h.token("acc"); got != "restored" {
			t.Errorf("show = %q; want the restored token still", got)
		}
		if ev := h.runner.events(); len(ev) != 0 {
			t.Errorf("events = %v; want none", ev)
		}
	})
}
