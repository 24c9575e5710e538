package server

import (
	"fmt"
	"time"

	"github.com/pizauth-go/pizauth/internal/control"
	"github.com/pizauth-go/pizauth/internal/oauth"
)

// Refresh tokens that expire: Google's for apps in testing live 7 days and
// say so in refresh_token_expires_in. Mail stops working when one dies;
// warning refresh_token_warn before lets the user log in at a moment of
// their choosing. The warning is a scheduler entry of its own, keyed by
// warnKeyPrefix and the account's name (names hold no control codes), and
// runs once per refresh token.

// warnKeyPrefix marks the scheduler entries of refresh-token warnings.
const warnKeyPrefix = "\x00refresh-token-warning\x00"

// learnRefreshExpiry fills in t's refresh-token expiry from the answer tok
// received at at, and from old, the token t replaces (nil after a login).
// A new refresh token brings its own expiry (or none) and a new warning;
// a kept one keeps its expiry and whether it was warned of, unless the
// provider tells it only now.
func (t *activeToken) learnRefreshExpiry(old *activeToken, tok *oauth.Token, at time.Time) {
	kept := old != nil && t.refresh == old.refresh
	if kept {
		t.refreshIssued, t.refreshExpiry, t.refreshWarned = old.refreshIssued, old.refreshExpiry, old.refreshWarned
	}
	if tok.RefreshExpiresIn > 0 && t.refreshExpiry.IsZero() && !t.refresh.IsZero() {
		t.refreshIssued, t.refreshExpiry = at, at.Add(tok.RefreshExpiresIn)
	}
}

// warnAt is when to warn of a refresh token learnt at issued and dying at
// expiry: warn before it, or half way when warn is longer than its life,
// so that a short-lived refresh token does not warn at every login.
func warnAt(issued, expiry time.Time, warn time.Duration) time.Time {
	at := expiry.Add(-warn)
	if !at.After(issued) {
		at = issued.Add(expiry.Sub(issued) / 2)
	}
	return at
}

// scheduleWarnLocked schedules the warning of a's refresh token, if it has
// an expiry and was not warned of yet.
func (s *Server) scheduleWarnLocked(a *account) {
	t := a.token
	if t == nil || t.refresh.IsZero() || t.refreshExpiry.IsZero() || t.refreshWarned {
		a.warnDue = time.Time{}
		return
	}
	a.warnDue = warnAt(t.refreshIssued, t.refreshExpiry, a.cfg.RefreshTokenWarn)
	s.sched.Schedule(warnKeyPrefix+a.cfg.Name, a.warnDue)
}

// onWarnDueLocked runs error_notify_cmd for the refresh token whose
// warning was due at at, unless the account moved on meanwhile, or was
// warned of less than refresh_token_warn (an hour at least) ago without a
// login since.
func (s *Server) onWarnDueLocked(name string, at time.Time) {
	a := s.accounts[name]
	if a == nil || !a.warnDue.Equal(at) || a.phase != phaseActive || a.token.refreshWarned {
		return // stale: rescheduled, a new token, revoked or removed
	}
	a.warnDue = time.Time{}
	t := a.token
	t.refreshWarned = true
	defer s.persister.Changed()
	// A provider that rotates short-lived refresh tokens at every refresh
	// would otherwise have the user warned at each one (every second, for
	// tokens living a second).
	if !a.lastRefreshWarn.IsZero() && now().Sub(a.lastRefreshWarn) < max(a.cfg.RefreshTokenWarn, minWarnGap) {
		return
	}
	a.lastRefreshWarn = now()
	left := t.refreshExpiry.Sub(now()).Round(time.Minute)
	msg := fmt.Sprintf("the refresh token of %s expires %s (in %v): log in again before then (pizauth revoke %s; pizauth show %s)",
		name, control.FormatTime(t.refreshExpiry), left, name, name)
	if left <= 0 { // restored days later, or the machine slept past it
		msg = fmt.Sprintf("the refresh token of %s expired %s: log in again (pizauth revoke %s; pizauth show %s)",
			name, control.FormatTime(t.refreshExpiry), name, name)
	}
	s.log.Warn(msg, "account", name)
	s.runErrorNotifyLocked(name, msg)
}

// minWarnGap is the least time between two refresh-token warnings of an
// account between two logins, when refresh_token_warn is shorter.
const minWarnGap = time.Hour
