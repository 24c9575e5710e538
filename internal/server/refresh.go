package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pizauth-go/pizauth/internal/control"
	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/provider"
	"github.com/pizauth-go/pizauth/internal/secret"
)

// errStale ends work whose account moved on meanwhile; a completion
// waiting for the work says so (see control.Accounts.Complete).
var errStale = control.ErrStale

// transientErrorEvery is how many consecutive transient failures pass
// between runs of transient_error_if_cmd.
const transientErrorEvery = 6

// maxRetryAfter caps a provider's Retry-After.
const maxRetryAfter = time.Hour

// minInterval floors refresh_retry and auth_notify_interval: the original
// accepts 0s, which would retry or notify in a busy loop.
const minInterval = time.Second

// startRefreshLocked refreshes a's token in the background unless a refresh
// is already under way (single flight).
func (s *Server) startRefreshLocked(a *account) {
	t := a.token
	if t.refreshing {
		return
	}
	t.refreshing = true
	t.lastAttempt = now()
	a.due = time.Time{}
	gen, refresh := a.gen, t.refresh
	redirectURI, err := s.redirectURI(a.cfg)
	if err != nil {
		// Without a listener the redirect URI only matters to providers
		// that check it on refresh; send the configured one.
		redirectURI = a.cfg.RedirectURI
	}
	ac, p := a.cfg, provider.Params(a.cfg, redirectURI) // a.cfg is guarded by s.mu
	s.background(func(ctx context.Context) {
		p, err := s.provider.WithEndpoints(ctx, ac, p)
		if err != nil && ctx.Err() == nil {
			s.finishRefresh(a, gen, refresh, nil, &discoveryFailure{err})
			return
		}
		tok, err := s.provider.Refresh(ctx, p, refresh)
		if ctx.Err() != nil {
			// Shutting down: not a failure to count or warn about.
			s.log.Info("refresh abandoned: the server is stopping", "account", ac.Name)
			return
		}
		s.finishRefresh(a, gen, refresh, tok, err)
	})
}

// finishRefresh records the outcome of a refresh.
func (s *Server) finishRefresh(a *account, gen uint64, previous secret.String, tok *oauth.Token, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := a.cfg.Name
	if !s.currentLocked(a, gen) {
		s.log.Debug("discarding the result of a stale refresh", "account", name)
		return
	}
	a.token.refreshing = false
	if err == nil {
		s.setTokenLocked(a, tok, now(), previous)
		s.emitLocked(name, eventRefreshed)
		s.log.Info("access token refreshed", "account", name, "expires", a.token.expiry)
		return
	}
	class, retryAfter := oauth.Classify(err)
	if class == oauth.Permanent && !errors.As(err, new(*discoveryFailure)) {
		s.invalidateLocked(a, fmt.Sprintf("refreshing the token of %s failed: %v", name, err), true)
		return
	}
	s.transientFailureLocked(a, err, retryAfter)
}

// discoveryFailure is a discovery failure met while refreshing (after a
// restart, the document is not cached yet). It says nothing about the
// token, which is kept, and served until it expires, while the refresh is
// retried: a captive portal's redirect on the discovery URL must not cost
// a login. The user reads why in status -j's last_error, and
// transient_error_if_cmd decides when to give up, as for other transient
// failures.
type discoveryFailure struct{ err error }

func (e *discoveryFailure) Error() string { return e.err.Error() }
func (e *discoveryFailure) Unwrap() error { return e.err }

// transientFailureLocked keeps the token and schedules a retry after
// refresh_retry, or after the provider's Retry-After when that is later.
func (s *Server) transientFailureLocked(a *account, err error, retryAfter time.Duration) {
	t := a.token
	t.failures++
	delay := max(a.cfg.RefreshRetry, min(retryAfter, maxRetryAfter), minInterval)
	s.scheduleLocked(a, now().Add(delay))
	s.log.Warn("refresh failed; will retry", "account", a.cfg.Name, "failures", t.failures, "retry_in", delay, "err", err)
	a.recordErrorLocked(fmt.Sprintf("refreshing the token of %s failed (will retry in %v): %v", a.cfg.Name, delay, err))
	if cmd := s.cfg.TransientErrorIfCmd; cmd != "" && t.failures%transientErrorEvery == 0 {
		gen, name := a.gen, a.cfg.Name // a.cfg is guarded by s.mu
		s.background(func(ctx context.Context) { s.askTransientErrorCmd(ctx, a, gen, name, cmd, err) })
	}
}

// askTransientErrorCmd runs transient_error_if_cmd: exit 0 keeps waiting,
// anything else makes the failure permanent.
func (s *Server) askTransientErrorCmd(ctx context.Context, a *account, gen uint64, name, cmd string, cause error) {
	runErr := s.hooks.TransientErrorIf(ctx, cmd, name)
	if runErr == nil || ctx.Err() != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.currentLocked(a, gen) || a.phase != phaseActive {
		return
	}
	s.invalidateLocked(a, fmt.Sprintf("refreshing the token of %s keeps failing (%v) and transient_error_if_cmd %v", name, cause, runErr), true)
}

// invalidateLocked drops a's token, emits token_invalidated and, when
// notify is set, tells the user why.
func (s *Server) invalidateLocked(a *account, reason string, notify bool) {
	name := a.cfg.Name
	s.dropLocked(a)
	s.emitLocked(name, eventInvalidated)
	if notify {
		s.notifyErrorLocked(name, reason)
		return
	}
	s.log.Info("access token invalidated", "account", name, "reason", reason)
}
