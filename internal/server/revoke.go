package server

import (
	"context"
	"fmt"
	"time"

	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/secret"
)

// RevocationEndpoint is a provider's RFC 7009 revocation endpoint;
// *oauth.Client implements it. When the server's TokenEndpoint does not
// implement it too, tokens are only forgotten locally.
type RevocationEndpoint interface {
	Revoke(ctx context.Context, p oauth.Params, revokeURI string, token secret.String, hint string) error
}

// revokeTimeout bounds the whole background revocation of one account.
const revokeTimeout = time.Minute

// revokeAtProviderLocked revokes a's tokens at the provider in the
// background, when a holds a token and has a revoke_uri. It must be called
// before a's state is dropped; it never blocks.
func (s *Server) revokeAtProviderLocked(a *account) {
	rev, ok := s.tokens.(RevocationEndpoint)
	uri := a.cfg.RevokeURI
	if !ok || uri == "" && a.cfg.Issuer == "" || a.phase != phaseActive {
		return
	}
	ac := a.cfg
	name, p := a.cfg.Name, params(a.cfg, a.cfg.RedirectURI)
	// The refresh token first: revoking it usually revokes the access
	// tokens it gave, and it is the one that lasts.
	toRevoke := []struct {
		tok  secret.String
		hint string
	}{{a.token.refresh, oauth.HintRefreshToken}, {a.token.access, oauth.HintAccessToken}}
	s.background(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, revokeTimeout)
		defer cancel()
		if uri == "" { // the issuer's revocation_endpoint, if it has one
			md, err := s.discover(ctx, ac)
			if err != nil {
				s.mu.Lock()
				s.notifyErrorLocked(name, fmt.Sprintf("revoking the tokens of %s at the provider failed: %v", name, err))
				s.mu.Unlock()
				return
			}
			if uri = md.RevocationEndpoint; uri == "" {
				return
			}
		}
		for _, t := range toRevoke {
			if t.tok.IsZero() {
				continue
			}
			err := rev.Revoke(ctx, p, uri, t.tok, t.hint)
			switch {
			case err == nil:
				s.log.Info("token revoked at the provider", "account", name, "token_type_hint", t.hint)
			case s.ctx.Err() != nil:
				return // shutting down
			default:
				s.mu.Lock()
				s.notifyErrorLocked(name, fmt.Sprintf("revoking the %s of %s at the provider failed: %v", t.hint, name, err))
				s.mu.Unlock()
			}
		}
	})
}
