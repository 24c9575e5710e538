package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/control"
	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/secret"
	"github.com/pizauth-go/pizauth/internal/testidp"
)

// notified are the error_notify_cmd runs whose message holds part.
func notified(h *harness, part string) []ran {
	var out []ran
	for _, r := range h.runner.runs("error_notify_cmd") {
		if strings.Contains(envValue(r.env, "PIZAUTH_MSG"), part) {
			out = append(out, r)
		}
	}
	return out
}

// warnRuns are the warnings that acc's refresh token expires.
func warnRuns(h *harness) []ran { return notified(h, "refresh token of acc expires") }

// refreshTokenExpires is what status -j says of acc's refresh token.
func refreshTokenExpires(t *testing.T, h *harness) *time.Time {
	var st []control.AccountStatus
	if err := json.Unmarshal([]byte(h.statusJSON()), &st); err != nil || len(st) != 1 {
		t.Fatalf("status -j: %v", err)
	}
	return st[0].RefreshTokenExpires
}

// warnedAccount is acc at the provider p, warned a day before its refresh
// token expires.
func warnedAccount(p *testidp.Provider) *config.Account {
	ac := testAccount("acc")
	ac.AuthURI, ac.TokenURI, ac.RefreshTokenWarn = p.AuthURI(), p.TokenURI(), 24*time.Hour
	return ac
}

// TestRefreshTokenWarning: a provider that says its refresh tokens live 7
// days gets a warning refresh_token_warn (1d) before, once; a new login
// before then cancels the old token's warning and warns for the new one
// only (issue 16 item 3).
func TestRefreshTokenWarning(t *testing.T) {
	p := newIDP(t)
	p.SetRefreshLifetime(7 * 24 * time.Hour)
	synctest.Test(t, func(t *testing.T) {
		ac := warnedAccount(p)
		h := startAccount(t, ac, &http.Client{Transport: p.Transport()})
		t0 := time.Now()
		h.loginAt(p, "acc")
		if got := refreshTokenExpires(t, h); got == nil || !got.Equal(t0.Add(7*24*time.Hour).UTC()) {
			t.Fatalf("status -j refresh_token_expires = %v; want %v", got, t0.Add(7*24*time.Hour).UTC())
		}

		time.Sleep(3 * 24 * time.Hour) // hourly refreshes keep the refresh token
		synctest.Wait()
		h.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "acc"})
		t1 := time.Now()
		h.loginAt(p, "acc")

		time.Sleep(time.Until(t0.Add(6*24*time.Hour + time.Hour))) // past the old token's warning
		synctest.Wait()
		if runs := warnRuns(h); len(runs) != 0 {
			t.Fatalf("warnings for the revoked token: %+v", runs)
		}
		time.Sleep(time.Until(t1.Add(6 * 24 * time.Hour)))
		synctest.Wait()
		runs := warnRuns(h)
		if len(runs) != 1 || !runs[0].at.Equal(t1.Add(6*24*time.Hour)) {
			t.Fatalf("warnings = %+v; want one at %v", runs, t1.Add(6*24*time.Hour))
		}
		time.Sleep(20 * time.Hour)
		synctest.Wait()
		if runs := warnRuns(h); len(runs) != 1 {
			t.Errorf("warnings = %d after another 20h; want still 1", len(runs))
		}
	})
}

// TestRefreshTokenWarningSurvivesDump: a restored token keeps its refresh
// token's expiry, and is not warned of twice.
func TestRefreshTokenWarningSurvivesDump(t *testing.T) {
	p := newIDP(t)
	p.SetRefreshLifetime(2 * 24 * time.Hour)
	synctest.Test(t, func(t *testing.T) {
		ac := warnedAccount(p)
		a := startAccount(t, ac, &http.Client{Transport: p.Transport()})
		t0 := time.Now()
		a.loginAt(p, "acc")
		before := a.do(ctl.Request{Cmd: ctl.CmdDump})

		b := startAccount(t, ac, &http.Client{Transport: p.Transport()})
		if r := b.do(ctl.Request{Cmd: ctl.CmdRestore, Data: []byte(before.Payload)}); r.Payload != "1" {
			t.Fatalf("restore = %+v", r)
		}
		if got := refreshTokenExpires(t, b); got == nil || !got.Equal(t0.Add(48*time.Hour).UTC()) {
			t.Errorf("restored refresh_token_expires = %v; want %v", got, t0.Add(48*time.Hour).UTC())
		}
		time.Sleep(25 * time.Hour)
		synctest.Wait()
		if n := len(warnRuns(a)); n != 1 {
			t.Fatalf("warnings = %d; want 1", n)
		}
		after := a.do(ctl.Request{Cmd: ctl.CmdDump})
		c := startAccount(t, ac, &http.Client{Transport: p.Transport()})
		c.do(ctl.Request{Cmd: ctl.CmdRestore, Data: []byte(after.Payload)})
		time.Sleep(time.Hour)
		synctest.Wait()
		if n := len(warnRuns(c)); n != 0 {
			t.Errorf("a restored token that was warned of warned again: %d", n)
		}
	})
}

// TestRefreshTokenWarningAfterExpiry: a refresh token whose expiry has
// passed by the time its warning runs (a dump or persist_file restored
// days later, a machine suspended past it) is said to have expired, not
// to expire "in -72h0m0s".
func TestRefreshTokenWarningAfterExpiry(t *testing.T) {
	p := newIDP(t)
	p.SetRefreshLifetime(2 * 24 * time.Hour)
	synctest.Test(t, func(t *testing.T) {
		ac := warnedAccount(p)
		a := startAccount(t, ac, &http.Client{Transport: p.Transport()})
		a.loginAt(p, "acc")
		saved := a.do(ctl.Request{Cmd: ctl.CmdDump})
		time.Sleep(5 * 24 * time.Hour)
		synctest.Wait()

		b := startAccount(t, ac, &http.Client{Transport: p.Transport()})
		b.do(ctl.Request{Cmd: ctl.CmdRestore, Data: []byte(saved.Payload)})
		synctest.Wait()
		said := false
		for _, r := range b.runner.runs("error_notify_cmd") {
			msg := envValue(r.env, "PIZAUTH_MSG")
			if strings.Contains(msg, "in -") || strings.Contains(msg, "expires") && strings.Contains(msg, "refresh token") {
				t.Errorf("warning for a refresh token that expired 3 days ago: %q", msg)
			}
			said = said || strings.HasPrefix(msg, "the refresh token of acc expired Mon, 3 Jan 2000 00:00:00 +0000: log in again")
		}
		if !said {
			t.Error("no error_notify_cmd said that the refresh token expired")
		}
	})
}

// TestRefreshTokenWarningsAreRateLimited: a provider that hands out tokens
// living a second, each with a new refresh token it says lives a second,
// used to have error_notify_cmd run every second (3,599 times an hour).
// An account is warned at most once per refresh_token_warn (at least an
// hour) between two logins.
func TestRefreshTokenWarningsAreRateLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("acc")))
		h.idp.setAnswer(func(_ string, n int) (*oauth.Token, error) {
			return &oauth.Token{Access: secret.String(fmt.Sprint("access-", n)), Refresh: secret.String(fmt.Sprint("refresh-", n)),
				ExpiresIn: time.Second, RefreshExpiresIn: time.Second}, nil
		})
		h.authorise("acc")
		time.Sleep(time.Hour)
		synctest.Wait()
		if n := len(h.idp.refreshTimes()); n < 1000 {
			t.Fatalf("%d refreshes in an hour; want one a second", n)
		}
		if n := len(notified(h, "refresh token of")); n != 1 {
			t.Errorf("error_notify_cmd warned of a refresh token %d times in an hour; want once", n)
		}
	})
}
