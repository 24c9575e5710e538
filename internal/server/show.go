package server

import (
	"context"
	"fmt"

	"github.com/pizauth-go/pizauth/internal/control"
)

// Refusals that scripts match on; they keep the original's wording.
const (
	msgExpiredRefreshing = "Access token has expired. Refreshing initiated"
	msgExpiredInProgress = "Access token has expired. Refreshing is in progress but has not yet succeeded"
)

// refusal is an answer that is no token, in the original's words.
type refusal string

func (r refusal) Error() string { return string(r) }

func noAccount(name string) error { return refusal(fmt.Sprintf("No account '%s'", name)) }

// servableLocked is the account show and refresh act on, or their refusal:
// there is no such account, or a restore is holding it back.
func (s *Server) servableLocked(name string) (*account, error) {
	a := s.accounts[name]
	if a == nil {
		return nil, noAccount(name)
	}
	if s.heldBackLocked(a) {
		return nil, refusal(msgRestoring)
	}
	return a, nil
}

// Show answers with the account's token, or starts whatever is needed to
// get one. It never waits for the network; with wantURL, it waits a little
// for the URL of a request still being prepared (see awaitURL).
func (s *Server) Show(ctx context.Context, name string, wantURL bool) (control.Answer, error) {
	return s.awaitURL(ctx, name, wantURL, func() (control.Answer, error) { return s.show(name) })
}

func (s *Server) show(name string) (control.Answer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.servableLocked(name)
	if err != nil {
		return control.Answer{}, err
	}
	switch a.phase {
	case phaseActive:
		t := a.token
		if !t.expiredAt(now()) {
			return control.Answer{Kind: control.Token, Token: t.access}, nil
		}
		// During a retry back-off the refresher already knows; starting
		// another attempt would ignore refresh_retry and Retry-After.
		if t.refreshing || t.failures > 0 {
			return control.Answer{}, refusal(msgExpiredInProgress)
		}
		if !t.refresh.IsZero() {
			s.startRefreshLocked(a)
			return control.Answer{}, refusal(msgExpiredRefreshing)
		}
		s.invalidateLocked(a, "access token expired and the provider gave no refresh token", false)
	case phasePending:
		return pendingAnswer(a), nil
	}
	return s.authoriseLocked(a)
}

// Refresh refreshes an active token now, in the background (one without a
// refresh token is dropped), or starts an authorisation when there is no
// token. As in the original, a pending
// request is replaced by a new one (new state and verifier, so the old URL
// stops working, and a new notification): users run refresh to be
// notified again.
func (s *Server) Refresh(ctx context.Context, name string, wantURL bool) (control.Answer, error) {
	return s.awaitURL(ctx, name, wantURL, func() (control.Answer, error) { return s.refresh(name) })
}

func (s *Server) refresh(name string) (control.Answer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.servableLocked(name)
	if err != nil {
		return control.Answer{}, err
	}
	switch a.phase {
	case phaseActive:
		if a.token.refresh.IsZero() {
			// As in the original: the refresh is scheduled and finds
			// nothing to refresh with, so the token is dropped; the next
			// show starts a new authorisation.
			s.invalidateLocked(a, "refresh requested but the provider gave no refresh token", false)
		} else {
			s.startRefreshLocked(a)
		}
		return control.Answer{Kind: control.Scheduled}, nil
	case phasePending:
		if !a.pending.replaceable() {
			return pendingAnswer(a), nil
		}
	}
	return s.authoriseLocked(a)
}

// authoriseLocked starts an authorisation request for a and answers with
// its URL.
func (s *Server) authoriseLocked(a *account) (control.Answer, error) {
	if err := s.startAuthLocked(a); err != nil {
		return control.Answer{}, err
	}
	return pendingAnswer(a), nil
}

// pendingAnswer is the answer for a pending: its URL ("" while being
// prepared), with the device flow's user code once it arrived.
func pendingAnswer(a *account) control.Answer {
	return control.Answer{Kind: control.Pending, URL: a.pending.url, UserCode: a.pending.userCode, PasteOnly: a.pending.pasteOnly}
}

// Revoke forgets the account's tokens and any pending request, and waits
// a little for persist_file to forget them too.
func (s *Server) Revoke(ctx context.Context, name string) error {
	if err := s.revoke(name); err != nil {
		return err
	}
	s.awaitDropSaved(ctx)
	return nil
}

func (s *Server) revoke(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[name]
	if a == nil {
		return noAccount(name)
	}
	// The original emits token_revoked even when there was nothing to
	// forget; scripts that persist on every event rely on it.
	if a.phase != phaseNone {
		s.revokeAtProviderLocked(a)
		s.dropLocked(a)
		s.log.Info("tokens revoked", "account", name)
	}
	s.emitLocked(name, eventRevoked)
	return nil
}

// dropLocked forgets everything about a and makes in-flight work stale.
func (s *Server) dropLocked(a *account) {
	if a.pending != nil {
		delete(s.byState, a.pending.state)
	}
	a.resetLocked(phaseNone)
}
