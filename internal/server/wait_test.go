package server

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/oauth"
)

// waitAsync sends a showwait request in the background; the answer arrives
// on the returned channel.
func (h *harness) waitAsync(req ctl.Request) <-chan ctl.Response {
	req.Cmd = ctl.CmdShowWait
	out := make(chan ctl.Response, 1)
	go func() { out <- h.do(req) }()
	return out
}

func TestShowWaitReturnsOnceAuthorised(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		answer := h.waitAsync(ctl.Request{Account: "work", WithURL: true, Wait: 10 * time.Second})
		synctest.Wait()
		t0 := time.Now()
		time.Sleep(3 * time.Second) // the user takes 3 s to log in
		h.authorise2("work")
		r := <-answer
		if r.Kind != ctl.KindToken || time.Since(t0) != 3*time.Second {
			t.Errorf("showwait = %+v after %v; want the token as soon as it arrived (3s)", r, time.Since(t0))
		}
	})
}

func TestShowWaitTimesOutWithTheUsualMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		t0 := time.Now()
		r := h.do(ctl.Request{Cmd: ctl.CmdShowWait, Account: "work", WithURL: true, Wait: 10 * time.Second})
		if r.Kind != ctl.KindPending || !strings.HasPrefix(r.Payload, "https://idp.example/authorize?") || time.Since(t0) != 10*time.Second {
			t.Errorf("showwait = %+v after %v; want pending with the URL after 10s", r, time.Since(t0))
		}
	})
}

func TestShowWaitEndsOnRevoke(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		answer := h.waitAsync(ctl.Request{Account: "work", Wait: time.Hour})
		synctest.Wait()
		h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "work"})
		if r := <-answer; r.Kind != ctl.KindError || r.Payload != msgRequestEnded {
			t.Errorf("showwait after revoke = %+v; want %q", r, msgRequestEnded)
		}
		if got := h.status(); got != "work: No access token\n" {
			t.Errorf("status = %q; want the revoked account left alone", got)
		}
	})
}

func TestShowWaitEndsOnShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		answer := h.waitAsync(ctl.Request{Account: "work", Wait: time.Hour})
		synctest.Wait()
		h.do(ctl.Request{Cmd: ctl.CmdShutdown})
		if r := <-answer; r.Kind != ctl.KindPending {
			t.Errorf("showwait at shutdown = %+v; want the pending answer", r)
		}
	})
}

func TestShowMinValid(t *testing.T) {
	tests := []struct {
		name     string
		minValid time.Duration
		refresh  bool
	}{
		{"enough life left: no refresh", 30 * time.Minute, false},
		{"too little life left: refresh first", 2 * time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := start(t, testConfig(testAccount("work")))
				h.authorise("work")
				old := h.token("work")
				h.idp.setAnswer(func(string, int) (*oauth.Token, error) { return h.idp.token(3 * time.Hour), nil })
				r := h.do(ctl.Request{Cmd: ctl.CmdShowWait, Account: "work", Wait: time.Minute, MinValid: tt.minValid})
				if r.Kind != ctl.KindToken {
					t.Fatalf("showwait = %+v; want a token", r)
				}
				if refreshed := r.Payload != old; refreshed != tt.refresh || len(h.idp.refreshTimes()) != map[bool]int{false: 0, true: 1}[tt.refresh] {
					t.Errorf("token refreshed: %v (%d refreshes); want %v", refreshed, len(h.idp.refreshTimes()), tt.refresh)
				}
			})
		})
	}
}

// TestShowFresh: show --min-valid alone (showfresh) refreshes a token that
// lives too short, waiting for it, but never waits for a login: without a
// token it answers at once as show does.
func TestShowFresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		req := ctl.Request{Cmd: ctl.CmdShowFresh, Account: "work", WithURL: true, Wait: time.Minute, MinValid: 2 * time.Hour}
		t0 := time.Now()
		r := h.do(req)
		if r.Kind != ctl.KindPending || !strings.HasPrefix(r.Payload, "https://idp.example/authorize?") || time.Since(t0) != 0 {
			t.Errorf("no token: showfresh = %+v after %v; want pending with the URL at once", r, time.Since(t0))
		}
		if r := h.do(req); r.Kind != ctl.KindPending || time.Since(t0) != 0 {
			t.Errorf("pending: showfresh = %+v after %v; want pending at once", r, time.Since(t0))
		}
		h.authorise("work")
		old := h.token("work")
		h.idp.setAnswer(func(string, int) (*oauth.Token, error) { return h.idp.token(3 * time.Hour), nil })
		if r := h.do(req); r.Kind != ctl.KindToken || r.Payload == old || len(h.idp.refreshTimes()) != 1 {
			t.Errorf("short-lived token: showfresh = %+v, %d refreshes; want the refreshed token", r, len(h.idp.refreshTimes()))
		}
	})
}

// TestShowFreshWhenTheRefreshIsRefused: a refresh that drops the token ends
// the wait with show's answer, a new authorisation's URL.
func TestShowFreshWhenTheRefreshIsRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.authorise("work")
		h.idp.setAnswer(func(string, int) (*oauth.Token, error) { return nil, errPermanent })
		t0 := time.Now()
		r := h.do(ctl.Request{Cmd: ctl.CmdShowFresh, Account: "work", WithURL: true, Wait: time.Minute, MinValid: 2 * time.Hour})
		if r.Kind != ctl.KindPending || time.Since(t0) >= time.Minute {
			t.Errorf("showfresh = %+v after %v; want pending with a new URL before the minute is up", r, time.Since(t0))
		}
	})
}

func TestShowMinValidDoesNotLoopOnShortTokens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.authorise("work")
		old := h.token("work")
		r := h.do(ctl.Request{Cmd: ctl.CmdShowWait, Account: "work", Wait: time.Minute, MinValid: 2 * time.Hour})
		if r.Kind != ctl.KindToken || r.Payload == old {
			t.Errorf("showwait = %+v; want the refreshed token, though it lives only an hour", r)
		}
		if n := len(h.idp.refreshTimes()); n != 1 {
			t.Errorf("%d refreshes; want 1", n)
		}
	})
}
