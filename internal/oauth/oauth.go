// Package oauth is pizauth's thin layer over golang.org/x/oauth2: it builds
// the authorisation URL (authorization code grant with PKCE, RFC 6749, RFC 7636,
// RFC 8252), exchanges codes and refreshes tokens at the token endpoint, and
// classifies failures as transient (keep the token, retry later) or permanent
// (drop it).
//
// The token request itself is x/oauth2's. This package adds what pizauth needs
// around it: a hardened HTTP client ([NewHTTPClient]), lenient reading of token
// answers (token_type in any case or absent, a missing expires_in, a null
// refresh_token), errors that are safe to show to the user and to log (never a
// request body, never a secret), and [Classify].
//
// It knows nothing about configuration files or accounts: callers fill in
// [Params].
package oauth

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// Field is one extra query parameter of the authorisation URL.
type Field struct{ Key, Value string }

// Params are the settings of one account that the protocol needs.
type Params struct {
	AuthURI, TokenURI string
	DeviceAuthURI     string // device flow only (RFC 8628)
	ClientID          string
	ClientSecret      secret.String // zero: public client, no client_secret sent
	RedirectURI       string        // already carrying the listener's real port
	Scopes            []string
	AuthURIFields     []Field
}

// Token is a successful answer of the token endpoint.
type Token struct {
	Access    secret.String
	Refresh   secret.String // zero when the answer carried none (or null)
	ExpiresIn time.Duration // zero when the answer carried none
	// RefreshExpiresIn is the refresh token's lifetime, from the answer's
	// refresh_token_expires_in (Google's for apps in testing, Microsoft's
	// for single-page apps); zero when the answer carried none.
	RefreshExpiresIn time.Duration
}

// Client talks to token endpoints. The zero value is ready to use.
type Client struct {
	HTTP *http.Client // nil: a shared client made by NewHTTPClient
}

var defaultHTTP = sync.OnceValue(NewHTTPClient)

// Exchange trades an authorisation code for a token. It posts
// grant_type=authorization_code, code, client_id, code_verifier, redirect_uri
// and, when configured, client_secret, all in the form body.
//
// Errors are safe to show and log; pass them to [Classify]. A 2xx answer
// that is not a usable token is permanent: the code is spent.
func (c *Client) Exchange(ctx context.Context, p Params, code, verifier secret.String) (*Token, error) {
	sent := []secret.String{p.ClientSecret, code, verifier}
	cfg, err := p.config()
	if err != nil {
		return nil, err
	}
	cfg.RedirectURL = p.RedirectURI
	tok, err := cfg.Exchange(c.context(ctx), code.Reveal(), oauth2.VerifierOption(verifier.Reveal()))
	if err != nil {
		return nil, codeSpent(wrapError(err, sent))
	}
	return newToken(tok, sent)
}

// Refresh asks for a new access token. It posts grant_type=refresh_token,
// refresh_token, client_id and, when configured, client_secret.
//
// The answer's Refresh is zero unless the provider sent a refresh token; the
// caller then keeps the one it has.
func (c *Client) Refresh(ctx context.Context, p Params, refresh secret.String) (*Token, error) {
	if refresh.IsZero() {
		return nil, &tokenError{msg: "no refresh token", class: Permanent}
	}
	sent := []secret.String{p.ClientSecret, refresh}
	cfg, err := p.config()
	if err != nil {
		return nil, err
	}
	// A token with only a refresh token is never valid to x/oauth2, so the
	// source refreshes at once. A new source per call: no cached state.
	src := cfg.TokenSource(c.context(ctx), &oauth2.Token{RefreshToken: refresh.Reveal()})
	tok, err := src.Token()
	if err != nil {
		return nil, wrapError(err, sent)
	}
	return newToken(tok, sent)
}

// config is the x/oauth2 view of p. A token URI that can never work is a
// permanent error.
func (p Params) config() (*oauth2.Config, error) {
	u, err := url.Parse(p.TokenURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &tokenError{msg: fmt.Sprintf("token_uri %q is not an http or https URL", p.TokenURI), class: Permanent}
	}
	return &oauth2.Config{
		ClientID:     p.ClientID,
		ClientSecret: p.ClientSecret.Reveal(),
		Endpoint:     oauth2.Endpoint{TokenURL: p.TokenURI, AuthStyle: oauth2.AuthStyleInParams},
	}, nil
}

// context hands our HTTP client to x/oauth2, reading numbers leniently.
func (c *Client) context(ctx context.Context) context.Context {
	hc := *c.httpClient()
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = lenientNumbers{base: base}
	return context.WithValue(ctx, oauth2.HTTPClient, &hc)
}

// newToken checks and converts x/oauth2's answer. x/oauth2 already refused
// answers without an access token.
func newToken(t *oauth2.Token, sent []secret.String) (*Token, error) {
	if t.TokenType != "" && !strings.EqualFold(t.TokenType, "bearer") {
		return nil, &tokenError{
			msg:   fmt.Sprintf("token endpoint answered with unsupported token_type %q", safe(t.TokenType, sent, maxProviderText)),
			class: Permanent,
		}
	}
	tok := &Token{Access: secret.String(t.AccessToken), ExpiresIn: expiresIn(t),
		RefreshExpiresIn: extraSeconds(t, "refresh_token_expires_in")}
	// x/oauth2 copies the refresh token it sent into an answer that has none.
	if v := t.Extra("refresh_token"); v != nil && v != "" {
		tok.Refresh = secret.String(t.RefreshToken)
	}
	if ValidToken(t.AccessToken) != nil || !tok.Refresh.IsZero() && ValidToken(t.RefreshToken) != nil {
		return nil, &tokenError{
			msg:   "token endpoint answered with a token holding characters outside RFC 6749's visible ASCII: refusing it",
			class: Permanent,
		}
	}
	return tok, nil
}

// extraSeconds reads a field of whole seconds that x/oauth2 does not know:
// a number in JSON answers (made an integer by lenientNumbers), a string in
// form-encoded ones. Zero when absent or not a positive number.
func extraSeconds(t *oauth2.Token, key string) time.Duration {
	var secs float64
	switch v := t.Extra(key).(type) {
	case float64:
		secs = v
	case int64:
		secs = float64(v)
	case string:
		secs, _ = strconv.ParseFloat(v, 64)
	}
	if !(secs > 0) { // also NaN
		return 0
	}
	return time.Duration(min(secs, maxSeconds)) * time.Second
}

// expiresIn reads expires_in from the raw answer. x/oauth2 fills ExpiresIn for
// JSON answers (numbers and numeric strings); form-encoded answers only reach
// Extra.
func expiresIn(t *oauth2.Token) time.Duration {
	secs := float64(t.ExpiresIn)
	if secs == 0 {
		switch v := t.Extra("expires_in").(type) {
		case int64:
			secs = float64(v)
		case float64:
			secs = v
		}
	}
	if secs <= 0 || math.IsNaN(secs) {
		return 0
	}
	return time.Duration(min(secs, math.MaxInt32)) * time.Second
}
