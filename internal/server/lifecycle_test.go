package server

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/oauth"
)

// sinceEach returns each time's offset from t0.
func sinceEach(t0 time.Time, ts []time.Time) []time.Duration {
	var out []time.Duration
	for _, t := range ts {
		out = append(out, t.Sub(t0))
	}
	return out
}

func TestRefreshHappensAtTheScheduledTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.authorise("work")
		t0 := time.Now()
		first := h.token("work")
		time.Sleep(time.Hour - 90*time.Second - time.Nanosecond)
		synctest.Wait()
		if n := len(h.idp.refreshTimes()); n != 0 {
			t.Fatalf("%d refreshes before the due time; want 0", n)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		got := sinceEach(t0, h.idp.refreshTimes())
		if want := []time.Duration{time.Hour - 90*time.Second}; !slices.Equal(got, want) {
			t.Fatalf("refreshes at %v; want %v", got, want)
		}
		if h.token("work") == first {
			t.Errorf("token unchanged after refresh")
		}
		if got, want := h.runner.events(), []string{"work:token_new", "work:token_refreshed"}; !slices.Equal(got, want) {
			t.Errorf("events = %q; want %q", got, want)
		}
	})
}

func TestShortLivedTokensAreNotRefreshedInALoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("short")))
		h.idp.setAnswer(func(string, int) (*oauth.Token, error) { return h.idp.token(90 * time.Second), nil })
		h.authorise("short")
		t0 := time.Now()
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		got := sinceEach(t0, h.idp.refreshTimes())
		want := []time.Duration{45 * time.Second, 90 * time.Second, 135 * time.Second, 180 * time.Second}
		if !slices.Equal(got, want) {
			t.Errorf("refreshes at %v; want %v (half the 90 s lifetime)", got, want)
		}
	})
}

func TestTransientFailuresRetryAfterRefreshRetry(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want time.Duration // between attempts
	}{
		{"refresh_retry", errTransient, 40 * time.Second},
		{"Retry-After longer than refresh_retry", errRetryAfter("300"), 300 * time.Second},
		{"Retry-After shorter than refresh_retry", errRetryAfter("5"), 40 * time.Second},
		{"Retry-After capped at an hour", errRetryAfter("86400"), time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := start(t, testConfig(testAccount("work")))
				h.authorise("work")
				token := h.token("work")
				h.idp.setAnswer(func(string, int) (*oauth.Token, error) { return nil, tt.err })
				t0 := time.Now()
				due := time.Hour - 90*time.Second
				time.Sleep(due + 3*tt.want)
				synctest.Wait()
				got := sinceEach(t0, h.idp.refreshTimes())
				want := []time.Duration{due, due + tt.want, due + 2*tt.want, due + 3*tt.want}
				if !slices.Equal(got, want) {
					t.Errorf("attempts at %v; want %v", got, want)
				}
				h.s.mu.Lock()
				kept := h.s.accounts["work"].token.access.Reveal() == token
				h.s.mu.Unlock()
				if !kept {
					t.Errorf("token lost to a transient failure")
				}
			})
		})
	}
}

func TestOutageLosesNoToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.authorise("work")
		t0 := time.Now()
		due := time.Hour - 90*time.Second
		outageEnd := t0.Add(due + 30*time.Minute)
		h.idp.setAnswer(func(string, int) (*oauth.Token, error) {
			if time.Now().Before(outageEnd) {
				return nil, errRetryAfter("") // a 429 without Retry-After
			}
			return h.idp.token(time.Hour), nil
		})
		time.Sleep(due + 30*time.Minute + time.Minute)
		synctest.Wait()
		attempts := h.idp.refreshTimes()
		// Attempts every refresh_retry (40 s) from the due time; the
		// first at or after the end of the outage succeeds.
		if got, want := len(attempts), 30*60/40+1; got != want {
			t.Errorf("%d attempts; want %d", got, want)
		}
		for i, at := range sinceEach(t0, attempts) {
			if want := due + time.Duration(i)*40*time.Second; at != want {
				t.Fatalf("attempt %d at %v; want %v", i, at, want)
			}
		}
		if last := attempts[len(attempts)-1]; last.Before(outageEnd) || last.Sub(outageEnd) >= 40*time.Second {
			t.Errorf("renewed at %v; want the first attempt after the outage ended at %v", last, outageEnd)
		}
		h.token("work")
		if got, want := h.runner.events(), []string{"work:token_new", "work:token_refreshed"}; !slices.Equal(got, want) {
			t.Errorf("events = %q; want %q", got, want)
		}
	})
}

func TestTransientErrorIfCmdEverySixFailures(t *testing.T) {
	for _, keep := range []bool{true, false} {
		t.Run(map[bool]string{true: "exit 0 keeps waiting", false: "failure invalidates"}[keep], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig(testAccount("work"))
				cfg.TransientErrorIfCmd = "check"
				h := start(t, cfg)
				h.runner.result = func(name string) error {
					if name == "transient_error_if_cmd" && !keep {
						return errTransient
					}
					return nil
				}
				h.authorise("work")
				h.idp.setAnswer(func(string, int) (*oauth.Token, error) { return nil, errTransient })
				t0 := time.Now()
				due := time.Hour - 90*time.Second
				time.Sleep(due + 11*40*time.Second)
				synctest.Wait()
				runs := h.runner.runs("transient_error_if_cmd")
				if keep {
					want := []time.Duration{due + 5*40*time.Second, due + 11*40*time.Second}
					if got := sinceEach(t0, timesOf(runs)); !slices.Equal(got, want) {
						t.Errorf("transient_error_if_cmd ran at %v; want %v", got, want)
					}
					// The token has expired by now but is kept, still being refreshed.
					if got := h.status(); !strings.HasPrefix(got, "work: Access token expired (last refresh attempt ") {
						t.Errorf("status = %q; want the expired token kept", got)
					}
					return
				}
				if len(runs) != 1 || envValue(runs[0].env, "PIZAUTH_ACCOUNT") != "work" {
					t.Fatalf("transient_error_if_cmd runs = %+v; want one for work", runs)
				}
				if r := h.do(ctl.Request{Cmd: ctl.CmdShow, Account: "work"}); r.Kind != ctl.KindPending {
					t.Errorf("show after invalidation = %+v; want pending (a new authorisation)", r)
				}
				if got, want := h.runner.events(), []string{"work:token_new", "work:token_invalidated"}; !slices.Equal(got, want) {
					t.Errorf("events = %q; want %q", got, want)
				}
				if n := len(h.runner.runs("error_notify_cmd")); n != 1 {
					t.Errorf("error_notify_cmd ran %d times; want 1", n)
				}
			})
		})
	}
}

func timesOf(rs []ran) []time.Time {
	var out []time.Time
	for _, r := range rs {
		out = append(out, r.at)
	}
	return out
}

func TestPermanentFailureInvalidatesAndNotifies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.authorise("work")
		h.idp.setAnswer(func(string, int) (*oauth.Token, error) { return nil, errPermanent })
		if r := h.do(ctl.Request{Cmd: ctl.CmdRefresh, Account: "work"}); r.Kind != ctl.KindScheduled {
			t.Fatalf("refresh = %+v; want scheduled", r)
		}
		synctest.Wait()
		notes := h.runner.runs("error_notify_cmd")
		if len(notes) != 1 || !strings.Contains(envValue(notes[0].env, "PIZAUTH_MSG"), "invalid_grant") {
			t.Fatalf("error_notify_cmd runs = %+v; want one mentioning invalid_grant", notes)
		}
		if got, want := h.runner.events(), []string{"work:token_new", "work:token_invalidated"}; !slices.Equal(got, want) {
			t.Errorf("events = %q; want %q", got, want)
		}
		if r := h.show("work"); r.Kind != ctl.KindPending || !strings.HasPrefix(r.Payload, "https://idp.example/authorize?") {
			t.Errorf("show = %+v; want a new authorisation URL", r)
		}
	})
}

func TestRotatedRefreshTokenIsUsedNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.authorise("work")
		for range 3 {
			h.do(ctl.Request{Cmd: ctl.CmdRefresh, Account: "work"})
			synctest.Wait()
		}
		// Tokens are issued in order: exchange gets b, refreshes c, d, e.
		want := []string{"refresh-b", "refresh-c", "refresh-d"}
		got := h.idp.usedRefreshTokens()
		if !slices.Equal(got, want) {
			t.Errorf("refresh tokens presented = %q; want %q", got, want)
		}
	})
}

func TestMissingRefreshTokenInAnswerKeepsTheOldOne(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.authorise("work")
		h.idp.setAnswer(func(string, int) (*oauth.Token, error) {
			return &oauth.Token{Access: "access-new", ExpiresIn: time.Hour}, nil
		})
		for range 2 {
			h.do(ctl.Request{Cmd: ctl.CmdRefresh, Account: "work"})
			synctest.Wait()
		}
		if got := h.idp.usedRefreshTokens()[1]; got != "refresh-b" {
			t.Errorf("second refresh presented %q; want the original refresh-b", got)
		}
	})
}

func TestRefreshIsSingleFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.authorise("work")
		release := h.idp.holdCalls()
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() { h.do(ctl.Request{Cmd: ctl.CmdRefresh, Account: "work"}) })
		}
		wg.Wait()
		synctest.Wait()
		release()
		synctest.Wait()
		if n := len(h.idp.refreshTimes()); n != 1 {
			t.Errorf("%d refresh requests for 50 refresh commands; want 1", n)
		}
	})
}

func TestHungProviderDelaysNobodyElse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("hung"), testAccount("work")))
		h.authorise("hung")
		h.authorise("work")
		h.idp.holdCalls() // never released: the refresh hangs
		h.do(ctl.Request{Cmd: ctl.CmdRefresh, Account: "hung"})
		synctest.Wait()
		t0 := time.Now()
		for range 20 {
			h.token("work")
		}
		h.do(ctl.Request{Cmd: ctl.CmdStatus})
		if d := time.Since(t0); d != 0 {
			t.Errorf("show and status took %v of fake time behind a hung refresh; want 0", d)
		}
	})
}

func TestLateRefreshAfterRevokeIsDiscarded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.authorise("work")
		release := h.idp.holdCalls()
		h.do(ctl.Request{Cmd: ctl.CmdRefresh, Account: "work"})
		synctest.Wait()
		h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "work"})
		release()
		synctest.Wait()
		if got := h.status(); got != "work: No access token\n" {
			t.Errorf("status = %q; want no token: the late refresh must not resurrect it", got)
		}
		if got, want := h.runner.events(), []string{"work:token_new", "work:token_revoked"}; !slices.Equal(got, want) {
			t.Errorf("events = %q; want %q", got, want)
		}
	})
}

func TestAuthNotifyRepeatsEveryInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		t0 := time.Now()
		h.show("work")
		time.Sleep(45 * time.Minute)
		synctest.Wait()
		runs := h.runner.runs("auth_notify_cmd")
		want := []time.Duration{0, 15 * time.Minute, 30 * time.Minute, 45 * time.Minute}
		if got := sinceEach(t0, timesOf(runs)); !slices.Equal(got, want) {
			t.Errorf("auth_notify_cmd ran at %v; want %v", got, want)
		}
		url := h.show("work").Payload
		for _, r := range runs {
			if envValue(r.env, "PIZAUTH_URL") != url || envValue(r.env, "PIZAUTH_ACCOUNT") != "work" {
				t.Errorf("auth_notify_cmd env = %q; want PIZAUTH_ACCOUNT=work and the pending URL", r.env)
			}
		}
		h.authorise2("work")
		time.Sleep(time.Hour)
		synctest.Wait()
		if n := len(h.runner.runs("auth_notify_cmd")); n != 4 {
			t.Errorf("auth_notify_cmd ran %d times in all; want no more runs once authorised", n)
		}
	})
}

// authorise2 completes an already pending authorisation.
func (h *harness) authorise2(name string) {
	h.t.Helper()
	h.s.HandleRedirect(redirectFor(h.pendingState(name)))
	synctest.Wait()
	h.token(name)
}

func TestExpiredTokenWithoutRefreshTokenIsDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.idp.setAnswer(func(string, int) (*oauth.Token, error) {
			return &oauth.Token{Access: "access-only", ExpiresIn: time.Minute}, nil
		})
		h.authorise("work")
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := h.status(); got != "work: No access token\n" {
			t.Errorf("status = %q; want the token dropped at its expiry", got)
		}
		if n := len(h.idp.refreshTimes()); n != 0 {
			t.Errorf("%d refreshes without a refresh token; want 0", n)
		}
		if got, want := h.runner.events(), []string{"work:token_new", "work:token_invalidated"}; !slices.Equal(got, want) {
			t.Errorf("events = %q; want %q", got, want)
		}
	})
}

// The expired-token answers are the original's words, which scripts match.
const (
	msgTestInProgress = "Access token has expired. Refreshing is in progress but has not yet succeeded"
	msgTestInitiated  = "Access token has expired. Refreshing initiated"
)

func TestShowOfExpiredTokenWhileRefreshing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.authorise("work")
		release := h.idp.holdCalls()
		defer release()
		// Refreshes hang, so the token expires.
		time.Sleep(time.Hour)
		synctest.Wait()
		if r := h.show("work"); r.Kind != ctl.KindError || r.Payload != msgTestInProgress {
			t.Errorf("show = %+v; want %q", r, msgTestInProgress)
		}
	})
}

// asleep is a scheduler that never calls back, as on a machine that slept
// through every due time and has not yet re-checked.
type asleep struct{}

func (asleep) Schedule(string, time.Time) {}

func (asleep) Run(ctx context.Context, _ func(string, time.Time)) { <-ctx.Done() }

// TestShowOfExpiredTokenStartsARefresh: a token that expired unrefreshed
// (the machine slept) is refreshed by the show that finds it.
func TestShowOfExpiredTokenStartsARefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startWith(t, Options{Config: testConfig(testAccount("work")), Scheduler: asleep{}})
		h.authorise("work")
		time.Sleep(2 * time.Hour)
		if r := h.show("work"); r.Kind != ctl.KindError || r.Payload != msgTestInitiated {
			t.Errorf("show = %+v; want %q", r, msgTestInitiated)
		}
		synctest.Wait()
		if n := len(h.idp.refreshTimes()); n != 1 {
			t.Errorf("%d refreshes; want 1", n)
		}
		if r := h.show("work"); r.Kind != ctl.KindToken {
			t.Errorf("show after the refresh = %+v; want the new token", r)
		}
	})
}

func TestMissingExpiresInUsesRefreshAtLeast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ac := testAccount("work")
		ac.RefreshAtLeast = 20 * time.Minute
		h := start(t, testConfig(ac))
		h.idp.setAnswer(func(string, int) (*oauth.Token, error) {
			return &oauth.Token{Access: "a", Refresh: "r"}, nil
		})
		h.authorise("work")
		t0 := time.Now()
		time.Sleep(20 * time.Minute)
		synctest.Wait()
		if got := sinceEach(t0, h.idp.refreshTimes()); !slices.Equal(got, []time.Duration{20*time.Minute - 90*time.Second}) {
			t.Errorf("refreshes at %v; want one at 18m30s (expiry = obtained + refresh_at_least)", got)
		}
	})
}
