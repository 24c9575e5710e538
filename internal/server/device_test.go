package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/testidp"
)

// startDevice starts a server whose one account uses the device flow
// against p, served in memory so that the synctest clock drives polling.
func startDevice(t *testing.T, p *testidp.Provider) *harness {
	return startDeviceWith(t, p, &http.Client{Transport: p.Transport()})
}

// startDeviceWith is startDevice with the HTTP client hc.
func startDeviceWith(t *testing.T, p *testidp.Provider, hc *http.Client) *harness {
	ac := testAccount("dev")
	ac.AuthFlow, ac.DeviceAuthURI, ac.TokenURI = config.FlowDevice, p.DeviceURI(), p.TokenURI()
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

func newDeviceProvider(t *testing.T) *testidp.Provider {
	p := testidp.New()
	t.Cleanup(p.Close)
	p.AddClient("client-dev", "")
	p.SetDeviceTiming(5*time.Second, 10*time.Minute)
	return p
}

// TestDevicePollingHonoursInterval checks, on the synctest clock, that no
// poll comes before the interval, that slow_down adds 5 s, and that the
// approved code gives a token and the usual events.
func TestDevicePollingHonoursInterval(t *testing.T) {
	p := newDeviceProvider(t)
	synctest.Test(t, func(t *testing.T) {
		h := startDevice(t, p)
		h.show("dev")
		synctest.Wait()
		r := h.show("dev")
		if want := "using code " + p.LastUserCode(); r.Kind != ctl.KindPending || !strings.Contains(r.Payload, want) {
			t.Fatalf("show = %+v; want pending with %q", r, want)
		}
		notes := h.runner.runs("auth_notify_cmd")
		if len(notes) != 1 || envValue(notes[0].env, "PIZAUTH_USER_CODE") != p.LastUserCode() {
			t.Fatalf("auth_notify_cmd runs = %+v; want one with PIZAUTH_USER_CODE", notes)
		}
		time.Sleep(12 * time.Second) // two polls: pending, pending
		p.SlowDownDevice(1)
		time.Sleep(5 * time.Second) // the third gets slow_down
		p.ApproveDevice(p.LastUserCode())
		time.Sleep(10 * time.Second) // the fourth, 10 s later, gets the token
		synctest.Wait()
		if r := h.show("dev"); r.Kind != ctl.KindToken {
			t.Fatalf("show after approval = %+v; want a token", r)
		}
		var got []string
		for _, poll := range p.DevicePolls() {
			got = append(got, poll.Answer+"@"+poll.Since.String())
		}
		want := []string{"authorization_pending@5s", "authorization_pending@5s", "slow_down@5s", "token@10s"}
		if !slices.Equal(got, want) {
			t.Errorf("polls = %v; want %v", got, want)
		}
		if ev := h.runner.events(); !slices.Equal(ev, []string{"dev:token_new"}) {
			t.Errorf("events = %v; want dev:token_new", ev)
		}
	})
}

// TestDevicePollingStopsOnRevoke checks that revoke stops polling at once.
func TestDevicePollingStopsOnRevoke(t *testing.T) {
	p := newDeviceProvider(t)
	synctest.Test(t, func(t *testing.T) {
		h := startDevice(t, p)
		h.show("dev")
		time.Sleep(6 * time.Second)
		synctest.Wait()
		h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "dev"})
		synctest.Wait()
		n := len(p.DevicePolls())
		p.ApproveDevice(p.LastUserCode())
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := len(p.DevicePolls()); got != n {
			t.Errorf("polls after revoke: got %d more; want none", got-n)
		}
		if st := h.statusJSON(); strings.Contains(st, `"active"`) {
			t.Errorf("status after revoke = %s; want no token", st)
		}
	})
}

// TestDeviceRetriesAndStopsOnReload checks that a device authorization
// request that fails transiently is retried after refresh_retry, and that a
// reload changing the account stops its polling at once.
func TestDeviceRetriesAndStopsOnReload(t *testing.T) {
	p := newDeviceProvider(t)
	synctest.Test(t, func(t *testing.T) {
		h := startDevice(t, p)
		p.FailNext(testidp.PathDevice, 1, testidp.Fault{Status: 503})
		h.show("dev")
		synctest.Wait()
		if n := p.Count(testidp.PathDevice); n != 1 {
			t.Fatalf("device requests = %d; want 1 before refresh_retry", n)
		}
		time.Sleep(40 * time.Second)
		synctest.Wait()
		if r := h.show("dev"); !strings.Contains(r.Payload, "using code "+p.LastUserCode()) {
			t.Fatalf("show after the retry = %+v; want the user code", r)
		}
		time.Sleep(6 * time.Second)
		synctest.Wait()
		n := len(p.DevicePolls())
		h.s.mu.Lock()
		changed := *h.s.cfg.Accounts[0]
		changed.Scopes = []string{"other"}
		cfg := *h.s.cfg
		cfg.Accounts = []*config.Account{&changed}
		h.s.applyConfigLocked(&cfg)
		h.s.mu.Unlock()
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := len(p.DevicePolls()); got != n {
			t.Errorf("polls after reload: got %d more; want none", got-n)
		}
	})
}

// TestReloadDuringDeviceFlow: a reload that keeps the account (only a
// timing setting changes) while its device flow polls replaces the
// account's settings under the lock; the flow must not read them without
// it (the race detector fails this test otherwise), and goes on to the
// token.
func TestReloadDuringDeviceFlow(t *testing.T) {
	p := newDeviceProvider(t)
	synctest.Test(t, func(t *testing.T) {
		h := startDevice(t, p)
		// Show waits for the device code; the flow goes on meanwhile, and
		// the reload comes with nothing else between them.
		if r := h.show("dev"); !strings.Contains(r.Payload, "using code") {
			t.Fatalf("show = %+v; want the user code", r)
		}
		h.s.mu.Lock()
		kept := *h.s.cfg.Accounts[0]
		kept.RefreshRetry = time.Minute
		cfg := *h.s.cfg
		cfg.Accounts = []*config.Account{&kept}
		h.s.applyConfigLocked(&cfg)
		h.s.mu.Unlock()
		p.ApproveDevice(p.LastUserCode())
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if r := h.show("dev"); r.Kind != ctl.KindToken {
			t.Fatalf("show after a reload and the approval = %+v; want a token", r)
		}
	})
}
