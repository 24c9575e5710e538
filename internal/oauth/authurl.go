package oauth

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// AuthRequest is one authorisation attempt: the URL the user opens, and what
// the redirect and the code exchange must match.
type AuthRequest struct {
	URL      string
	State    string        // 32 random bytes, base64url no padding
	Verifier secret.String // 64 random bytes, base64url no padding
}

// NewAuthRequest makes a fresh state and PKCE verifier and the URL to open:
// AuthURI (its query kept) followed by access_type=offline, code_challenge,
// code_challenge_method=S256, client_id, redirect_uri, response_type=code,
// state, scope (space-joined, only when there are scopes), then
// AuthURIFields in order. Keys and values are escaped with url.QueryEscape.
func NewAuthRequest(p Params) (AuthRequest, error) {
	if _, err := url.Parse(p.AuthURI); err != nil {
		return AuthRequest{}, fmt.Errorf("auth_uri: %w", err)
	}
	state, verifier := random(32), random(64)
	q := []Field{
		{"access_type", "offline"},
		{"code_challenge", oauth2.S256ChallengeFromVerifier(verifier)},
		{"code_challenge_method", "S256"},
		{"client_id", p.ClientID},
		{"redirect_uri", p.RedirectURI},
		{"response_type", "code"},
		{"state", state},
	}
	if len(p.Scopes) > 0 {
		q = append(q, Field{"scope", strings.Join(p.Scopes, " ")})
	}
	q = append(q, p.AuthURIFields...)
	return AuthRequest{
		URL:      appendQuery(p.AuthURI, q),
		State:    state,
		Verifier: secret.String(verifier),
	}, nil
}

// appendQuery adds q to uri's query in order, keeping the query and the
// fragment uri already has byte for byte (url.Values.Encode would sort).
func appendQuery(uri string, q []Field) string {
	base, frag, hasFrag := strings.Cut(uri, "#")
	var b strings.Builder
	b.WriteString(base)
	switch {
	case !strings.Contains(base, "?"):
		b.WriteByte('?')
	case !strings.HasSuffix(base, "?") && !strings.HasSuffix(base, "&"):
		b.WriteByte('&')
	}
	for i, f := range q {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(f.Key) + "=" + url.QueryEscape(f.Value))
	}
	if hasFrag {
		b.WriteString("#" + frag)
	}
	return b.String()
}

// random returns n bytes from crypto/rand (which never fails) as base64url
// without padding.
func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
