package server

import (
	"errors"
	"fmt"

	"github.com/pizauth-go/pizauth/internal/redirect"
)

// Complete finishes the account's pending authorisation with the redirect
// the user pasted (`pizauth complete`) when the browser cannot reach the
// listener: on another machine, or with no listener at all. It counts as
// that redirect reaching the listener would, except that its state must be
// that of this account's pending request: a replayed, foreign or stale
// address changes nothing. The returned channel receives the outcome of
// the code exchange (see acceptCallbackLocked).
func (s *Server) Complete(name string, cb redirect.Callback) (<-chan error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[name]
	switch {
	case a == nil:
		return nil, noAccount(name)
	case s.byState[cb.State] != a:
		return nil, refusal(fmt.Sprintf("No pending authorisation request of '%s' matches this address: it is for another account, "+
			"was used already or was replaced by a newer request ('pizauth show %s' gives the current URL)", name, name))
	case !redirectMatches(a.pending.redirectURI, cb):
		return nil, fmt.Errorf("the address does not lead where the request of '%s' sent the browser (%s)", name, a.pending.redirectURI)
	case cb.Error == "" && cb.Code.IsZero():
		return nil, fmt.Errorf("%s: paste the whole address the browser was sent to once logged in", noCode)
	}
	done := make(chan error, 1)
	if reason := s.acceptCallbackLocked(a, cb, done); reason != "" {
		return nil, errors.New(authFailed(name, reason))
	}
	return done, nil
}

// pasteOnly reports whether no listener can receive redirects (both
// http_listen and https_listen are none).
func (s *Server) pasteOnly() bool {
	return s.listeners.HTTPPort == 0 && s.listeners.HTTPSPort == 0
}
