// Package provider makes the server's calls to OAuth providers with the
// policies they need: the parameters an account's configuration gives,
// the endpoints its issuer's discovery document adds (fetched once, when
// first needed, and kept), retries of transient failures, device
// authorisations polled until they end, and revocations bounded in time.
// Which account a call serves, and what its outcome changes, is the
// server's business.
package provider

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/secret"
)

// Provider is everything the server asks of OAuth providers;
// *oauth.Client implements it.
type Provider interface {
	// Exchange swaps an authorisation code for a token.
	Exchange(ctx context.Context, p oauth.Params, code, verifier secret.String) (*oauth.Token, error)
	// Refresh gets a new token with a refresh token.
	Refresh(ctx context.Context, p oauth.Params, refresh secret.String) (*oauth.Token, error)
	// DeviceAuth and DevicePoll are the device authorization grant
	// (RFC 8628), for accounts with auth_flow = "device".
	DeviceAuth(ctx context.Context, p oauth.Params) (*oauth.DeviceCode, error)
	DevicePoll(ctx context.Context, p oauth.Params, dc *oauth.DeviceCode) (*oauth.Token, error)
	// Discover fetches an issuer's discovery document, for accounts with
	// an issuer.
	Discover(ctx context.Context, issuer string) (*oauth.Metadata, error)
	// Revoke revokes a token at revokeURI (RFC 7009), for accounts with a
	// revoke_uri or a discovered revocation_endpoint.
	Revoke(ctx context.Context, p oauth.Params, revokeURI string, token secret.String, hint string) error
}

var _ Provider = (*oauth.Client)(nil)

// minRetry floors refresh_retry as the delay between retries: the
// original accepts 0s, which would retry in a busy loop.
const minRetry = time.Second

// Client makes the server's calls to providers.
type Client struct {
	p   Provider
	log *slog.Logger

	mu   sync.Mutex                 // guards docs
	docs map[string]*oauth.Metadata // discovery documents by issuer
}

// New returns a Client calling p; nil p is an oauth.Client with the
// default HTTP client.
func New(p Provider, log *slog.Logger) *Client {
	if p == nil {
		p = &oauth.Client{HTTP: oauth.NewHTTPClient()}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{p: p, log: log, docs: make(map[string]*oauth.Metadata)}
}

// Params are the OAuth parameters of an account.
func Params(ac *config.Account, redirectURI string) oauth.Params {
	fields := make([]oauth.Field, len(ac.AuthURIFields))
	for i, f := range ac.AuthURIFields {
		fields[i] = oauth.Field{Key: f.Key, Value: f.Value}
	}
	return oauth.Params{
		AuthURI:       ac.AuthURI,
		TokenURI:      ac.TokenURI,
		ClientID:      ac.ClientID,
		ClientSecret:  ac.ClientSecret,
		RedirectURI:   redirectURI,
		Scopes:        ac.Scopes,
		AuthURIFields: fields,
	}
}

// DeviceParams are the OAuth parameters of an account with auth_flow =
// "device".
func DeviceParams(ac *config.Account) oauth.Params {
	p := Params(ac, "")
	p.DeviceAuthURI = ac.DeviceAuthURI
	return p
}

// Refresh gets a new token with a refresh token.
func (c *Client) Refresh(ctx context.Context, p oauth.Params, refresh secret.String) (*oauth.Token, error) {
	return c.p.Refresh(ctx, p, refresh)
}
