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
// AuthURIFields in order. The URL is written as the original's URL library
// writes it: AuthURI normalised (see normaliseBase) and the parameters
// form-encoded (see formEscape).
func NewAuthRequest(p Params) (AuthRequest, error) {
	base, err := normaliseBase(p.AuthURI)
	if err != nil {
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
		URL:      appendQuery(base, q),
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
		b.WriteString(formEscape(f.Key) + "=" + formEscape(f.Value))
	}
	if hasFrag {
		b.WriteString("#" + frag)
	}
	return b.String()
}

// normaliseBase returns uri as the original's URL library (WHATWG URL)
// writes it back: scheme and host in lower case, without the scheme's
// default port, an empty path as "/" and "." and ".." path segments
// resolved. The query and fragment are kept as they are.
func normaliseBase(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", err
	}
	if u.Opaque != "" || u.Host == "" {
		return uri, nil // not a URL the server accepts; leave it be
	}
	// Resolving the empty reference removes dot segments (RFC 3986,
	// section 5.2).
	n := u.ResolveReference(&url.URL{})
	if n.Path == "" {
		n.Path, n.RawPath = "/", ""
	}
	n.Host = strings.ToLower(u.Host)
	if port := u.Port(); (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		n.Host = strings.TrimSuffix(n.Host, ":"+port)
	}
	n.RawQuery, n.ForceQuery = "", false
	n.Fragment, n.RawFragment = "", ""
	base := n.String()
	if i := strings.IndexAny(uri, "?#"); i >= 0 {
		base += uri[i:]
	}
	return base, nil
}

// formEscape escapes s as the application/x-www-form-urlencoded serializer
// of the WHATWG URL standard does, as the original's URL library does:
// alphanumerics and *-._ stay, a space becomes +, every other byte is
// percent-encoded. (url.QueryEscape differs on ~ and *.)
func formEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := range len(s) {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '*', c == '-', c == '.', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
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
