package server

import (
	"context"
	"time"

	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/provider"
)

// revocationWait bounds how long a new authorisation of an account waits
// for the account's revocations under way.
const revocationWait = 5 * time.Second

// revocations are one account's revocations under way at the provider.
// Both fields are guarded by Server.mu.
type revocations struct {
	n    int
	done chan struct{} // closed when the last one ends
}

// beginRevocationLocked records a revocation of the account called name
// and returns the function that ends it.
func (s *Server) beginRevocationLocked(name string) (end func()) {
	r := s.revoking[name]
	if r == nil {
		r = &revocations{done: make(chan struct{})}
		s.revoking[name] = r
	}
	r.n++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if r.n--; r.n == 0 {
			close(r.done)
			if s.revoking[name] == r {
				delete(s.revoking, name)
			}
		}
	}
}

// afterRevocationsLocked starts a's authorisation once the revocations r
// of its old tokens have ended, or after revocationWait: at providers that
// revoke the whole grant, a revocation landing after the new login kills
// the new tokens too. The account is pending, without a URL, meanwhile.
func (s *Server) afterRevocationsLocked(a *account, r *revocations) error {
	name := a.cfg.Name
	return s.prepareThenAuthoriseLocked(a, func(ctx context.Context) (func(), error) {
		select {
		case <-r.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(revocationWait):
			s.log.Warn("the revocation of the old tokens at the provider is taking long; authorising anyway", "account", name)
		}
		return func() { // with the lock held: wait no more
			if s.revoking[name] == r {
				delete(s.revoking, name)
			}
		}, nil
	})
}

// revokeAtProviderLocked revokes a's tokens at the provider in the
// background, when a holds a token and has a revoke_uri. It must be called
// before a's state is dropped; it never blocks. Shutdown waits for it a
// little (provider.ShutdownGrace), and a new authorisation of the account
// until it ends (revocationWait).
func (s *Server) revokeAtProviderLocked(a *account) {
	uri := a.cfg.RevokeURI
	if uri == "" && a.cfg.Issuer == "" || a.phase != phaseActive {
		return
	}
	ac, name, p := a.cfg, a.cfg.Name, provider.Params(a.cfg, a.cfg.RedirectURI)
	// The refresh token first: revoking it usually revokes the access
	// tokens it gave, and it is the one that lasts.
	var toRevoke []provider.Revocation
	for _, t := range []provider.Revocation{{Token: a.token.refresh, Hint: oauth.HintRefreshToken}, {Token: a.token.access, Hint: oauth.HintAccessToken}} {
		if !t.Token.IsZero() {
			toRevoke = append(toRevoke, t)
		}
	}
	end := s.beginRevocationLocked(name)
	s.background(func(ctx context.Context) {
		defer end()
		s.provider.Revoke(ctx, ac, p, uri, toRevoke, func(msg string) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.notifyErrorLocked(name, msg)
		})
	})
}
