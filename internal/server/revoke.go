package server

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"

	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/secret"
)

// revokeTimeout bounds the whole background revocation of one account.
const revokeTimeout = time.Minute

// revocationShutdownGrace is how long a stopping server still gives the
// revocations under way: `pizauth revoke; pizauth shutdown` must not cut
// the request off unseen.
const revocationShutdownGrace = 3 * time.Second

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

// revocationContext bounds one account's revocation: revokeTimeout in all,
// and revocationShutdownGrace once the server is stopping.
func (s *Server) revocationContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), revokeTimeout)
	stop := context.AfterFunc(s.ctx, func() {
		select {
		case <-ctx.Done():
		case <-time.After(revocationShutdownGrace):
			cancel()
		}
	})
	return ctx, func() { stop(); cancel() }
}

// revokeAtProviderLocked revokes a's tokens at the provider in the
// background, when a holds a token and has a revoke_uri. It must be called
// before a's state is dropped; it never blocks. Shutdown waits for it a
// little (revocationShutdownGrace), and a new authorisation of the account
// until it ends (revocationWait).
func (s *Server) revokeAtProviderLocked(a *account) {
	uri := a.cfg.RevokeURI
	if uri == "" && a.cfg.Issuer == "" || a.phase != phaseActive {
		return
	}
	ac := a.cfg
	name, p := a.cfg.Name, params(a.cfg, a.cfg.RedirectURI)
	// The refresh token first: revoking it usually revokes the access
	// tokens it gave, and it is the one that lasts.
	var toRevoke []revocation
	for _, t := range []revocation{{a.token.refresh, oauth.HintRefreshToken}, {a.token.access, oauth.HintAccessToken}} {
		if !t.tok.IsZero() {
			toRevoke = append(toRevoke, t)
		}
	}
	end := s.beginRevocationLocked(name)
	s.background(func(context.Context) {
		defer end()
		ctx, cancel := s.revocationContext()
		defer cancel()
		s.revokeAt(ctx, ac, p, uri, toRevoke)
	})
}

// revocation is one token to revoke and its RFC 7009 token_type_hint.
type revocation struct {
	tok  secret.String
	hint string
}

// revokeAt revokes the tokens of the account ac at uri, or at its issuer's
// revocation_endpoint when uri is empty. Failures reach the user;
// revocations the server's shutdown cut off are logged.
func (s *Server) revokeAt(ctx context.Context, ac *config.Account, p oauth.Params, uri string, toRevoke []revocation) {
	name := ac.Name
	if uri == "" { // the issuer's revocation_endpoint, if it has one
		md, err := s.discover(ctx, ac)
		if err != nil {
			s.revocationFailed(ctx, name, toRevoke, fmt.Sprintf("revoking the tokens of %s at the provider failed: %v", name, err))
			return
		}
		if uri = md.RevocationEndpoint; uri == "" {
			return
		}
	}
	for i, t := range toRevoke {
		if err := s.provider.Revoke(ctx, p, uri, t.tok, t.hint); err != nil {
			if s.revocationFailed(ctx, name, toRevoke[i:], fmt.Sprintf("revoking the %s of %s at the provider failed: %v", t.hint, name, err)) {
				return
			}
			continue
		}
		s.log.Info("token revoked at the provider", "account", name, "token_type_hint", t.hint)
	}
}

// revocationFailed reports a failed revocation of the first of left, and
// whether the revocation is over: when the server's shutdown cut it off,
// what was abandoned is logged instead.
func (s *Server) revocationFailed(ctx context.Context, name string, left []revocation, msg string) (over bool) {
	if ctx.Err() != nil && s.ctx.Err() != nil {
		hints := make([]string, len(left))
		for i, t := range left {
			hints[i] = t.hint
		}
		s.log.Warn("revocation at the provider abandoned: the server is stopping", "account", name, "not_revoked", strings.Join(hints, ","))
		return true
	}
	s.mu.Lock()
	s.notifyErrorLocked(name, msg)
	s.mu.Unlock()
	return false
}
