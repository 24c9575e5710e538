package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/secret"
)

// revokeTimeout bounds the whole revocation of one account's tokens.
const revokeTimeout = time.Minute

// ShutdownGrace is how long a stopping server still gives the revocations
// under way: `pizauth revoke; pizauth shutdown` must not cut the request
// off unseen.
const ShutdownGrace = 3 * time.Second

// Revocation is one token to revoke and its RFC 7009 token_type_hint.
type Revocation struct {
	Token secret.String
	Hint  string
}

// Revoke revokes the tokens of the account ac, in order, at uri, or at its
// issuer's revocation_endpoint when uri is empty. It takes revokeTimeout
// at most, and ShutdownGrace once ctx, the server's, is done. Failures
// reach report; revocations the server's shutdown cut off are logged.
func (c *Client) Revoke(ctx context.Context, ac *config.Account, p oauth.Params, uri string, tokens []Revocation, report func(msg string)) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), revokeTimeout)
	defer cancel()
	defer context.AfterFunc(ctx, func() {
		select {
		case <-rctx.Done():
		case <-time.After(ShutdownGrace):
			cancel()
		}
	})()
	failed := func(left []Revocation, msg string) (over bool) {
		if rctx.Err() != nil && ctx.Err() != nil {
			hints := make([]string, len(left))
			for i, t := range left {
				hints[i] = t.Hint
			}
			c.log.Warn("revocation at the provider abandoned: the server is stopping", "account", ac.Name, "not_revoked", strings.Join(hints, ","))
			return true
		}
		report(msg)
		return false
	}
	name := ac.Name
	if uri == "" { // the issuer's revocation_endpoint, if it has one
		md, err := c.Discover(rctx, ac)
		if err != nil {
			failed(tokens, fmt.Sprintf("revoking the tokens of %s at the provider failed: %v", name, err))
			return
		}
		if uri = md.RevocationEndpoint; uri == "" {
			return
		}
	}
	for i, t := range tokens {
		if err := c.p.Revoke(rctx, p, uri, t.Token, t.Hint); err != nil {
			if failed(tokens[i:], fmt.Sprintf("revoking the %s of %s at the provider failed: %v", t.Hint, name, err)) {
				return
			}
			continue
		}
		c.log.Info("token revoked at the provider", "account", name, "token_type_hint", t.Hint)
	}
}
