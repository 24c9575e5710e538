package server

import (
	"strings"
	"time"
)

// scheduleLocked makes the scheduler look at a at time at.
func (s *Server) scheduleLocked(a *account, at time.Time) {
	a.due = at
	s.sched.Schedule(a.cfg.Name, at)
}

// onDue is called by the scheduler when an account's due time arrives.
func (s *Server) onDue(name string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if account, ok := strings.CutPrefix(name, warnKeyPrefix); ok {
		s.onWarnDueLocked(account, at)
		return
	}
	a := s.accounts[name]
	if a == nil || !a.due.Equal(at) {
		return // stale entry: the account was rescheduled or removed
	}
	a.due = time.Time{}
	switch a.phase {
	case phasePending:
		s.notifyAuthLocked(a)
	case phaseActive:
		if a.token.refresh.IsZero() {
			s.invalidateLocked(a, "access token expired and the provider gave no refresh token", false)
			return
		}
		s.startRefreshLocked(a)
	}
}

// scheduleTokenLocked schedules the next refresh of a's fresh token, or its
// expiry when there is no refresh token.
func (s *Server) scheduleTokenLocked(a *account) {
	t := a.token
	if t.refresh.IsZero() {
		s.scheduleLocked(a, t.expiry)
		return
	}
	s.scheduleLocked(a, refreshAt(t.obtained, t.expiry, a.cfg.RefreshBeforeExpiry, a.cfg.RefreshAtLeast))
	s.scheduleWarnLocked(a)
}

// refreshAt is when a token obtained at obtained and expiring at expiry
// should be refreshed: the earlier of expiry-before and obtained+atLeast.
// When before covers the token's whole lifetime, expiry-before would be at
// or before obtained and every fresh token would be refreshed at once, again
// and again; half the lifetime is used instead.
func refreshAt(obtained, expiry time.Time, before, atLeast time.Duration) time.Time {
	lifetime := expiry.Sub(obtained)
	byExpiry := expiry.Add(-before)
	if before >= lifetime {
		byExpiry = obtained.Add(lifetime / 2)
	}
	t := obtained.Add(atLeast)
	if byExpiry.Before(t) {
		t = byExpiry
	}
	// A provider that hands out tokens living a second or less must not
	// turn the refresher into a busy loop.
	if floor := obtained.Add(minRefreshDelay); t.Before(floor) {
		t = floor
	}
	return t
}

// minRefreshDelay is the shortest time between obtaining a token and
// refreshing it.
const minRefreshDelay = time.Second
