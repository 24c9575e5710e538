package testidp

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// oauthError is an error answer of the token or revocation endpoint.
type oauthError struct {
	status int
	code   string
	desc   string
}

type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
	URI         string `json:"error_uri,omitempty"`
}

type tokenBody struct {
	AccessToken  string      `json:"access_token"`
	TokenType    string      `json:"token_type,omitempty"`
	ExpiresIn    json.Number `json:"expires_in,omitempty"` // "" omits it
	RefreshToken string      `json:"refresh_token,omitempty"`
	// RefreshExpiresIn is Google's refresh_token_expires_in, "" omits it.
	RefreshExpiresIn json.Number `json:"refresh_token_expires_in,omitempty"`
	Scope            string      `json:"scope,omitempty"`
}

func badRequest(code, desc string) *oauthError {
	return &oauthError{http.StatusBadRequest, code, desc}
}

// token is POST /token.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	client, oerr := p.authenticate(r)
	if oerr == nil {
		var body *tokenBody
		switch gt := r.PostForm.Get("grant_type"); gt {
		case "authorization_code":
			body, oerr = p.codeGrant(r.PostForm, client)
		case "refresh_token":
			body, oerr = p.refreshGrant(r.PostForm, client)
		case grantDeviceCode:
			body, oerr = p.devicePoll(r.PostForm, client)
		case "":
			oerr = badRequest("invalid_request", "grant_type missing")
		default:
			oerr = badRequest("unsupported_grant_type", fmt.Sprintf("grant_type %q", gt))
		}
		if oerr == nil {
			writeJSON(w, http.StatusOK, body)
			return
		}
	}
	if oerr.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="testidp"`)
	}
	writeJSON(w, oerr.status, errorBody{Error: oerr.code, Description: oerr.desc})
}

// revoke is POST /revoke (RFC 7009): the client's refresh token named by
// token stops working. Unknown tokens are not an error.
func (p *Provider) revoke(w http.ResponseWriter, r *http.Request) {
	client, oerr := p.authenticate(r)
	if oerr != nil {
		writeJSON(w, oerr.status, errorBody{Error: oerr.code, Description: oerr.desc})
		return
	}
	tok := r.PostForm.Get("token")
	p.mu.Lock()
	if g, ok := p.refresh[tok]; ok && g.clientID == client {
		delete(p.refresh, tok)
	}
	p.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// authenticate finds the client (RFC 6749 section 2.3.1): a secret in HTTP
// Basic or in the body, not both; public clients send none.
func (p *Provider) authenticate(r *http.Request) (string, *oauthError) {
	id, given := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if user, pass, ok := r.BasicAuth(); ok {
		if r.PostForm.Has("client_secret") {
			return "", badRequest("invalid_request", "client authenticated more than one way")
		}
		user, _ = url.QueryUnescape(user)
		pass, _ = url.QueryUnescape(pass)
		if id != "" && id != user {
			return "", badRequest("invalid_request", "client_id differs from the Basic user")
		}
		id, given = user, pass
	}
	p.mu.Lock()
	want, known := p.clients[id]
	p.mu.Unlock()
	unauthorized := func(desc string) (string, *oauthError) {
		return "", &oauthError{http.StatusUnauthorized, "invalid_client", desc}
	}
	switch {
	case !known:
		return unauthorized(fmt.Sprintf("unknown client_id %q", id))
	case want == "" && given != "":
		return unauthorized("public client must not send a client_secret")
	case subtle.ConstantTimeCompare([]byte(want), []byte(given)) != 1:
		return unauthorized("wrong or missing client_secret")
	}
	return id, nil
}

// codeGrant checks an authorization_code request. A code is gone once
// presented by its client, whatever happens next.
func (p *Provider) codeGrant(f url.Values, client string) (*tokenBody, *oauthError) {
	code := f.Get("code")
	if code == "" {
		return nil, badRequest("invalid_request", "code missing")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.codes[code]
	if !ok || g.clientID != client {
		return nil, badRequest("invalid_grant", "unknown, used or foreign code")
	}
	delete(p.codes, code)
	switch v := f.Get("code_verifier"); {
	case f.Get("redirect_uri") != g.redirectURI:
		return nil, badRequest("invalid_grant", "redirect_uri differs from the authorisation request")
	case v == "":
		return nil, badRequest("invalid_grant", "code_verifier missing")
	case !validVerifier(v) || s256(v) != g.challenge:
		return nil, badRequest("invalid_grant", "PKCE verification failed")
	}
	return p.issueLocked("authorization_code", g, !p.noRefresh), nil
}

// refreshGrant checks a refresh_token request.
func (p *Provider) refreshGrant(f url.Values, client string) (*tokenBody, *oauthError) {
	rt := f.Get("refresh_token")
	if rt == "" {
		return nil, badRequest("invalid_request", "refresh_token missing")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.refresh[rt]
	if !ok || g.clientID != client {
		return nil, badRequest("invalid_grant", "unknown, revoked or rotated refresh token")
	}
	if !g.expiry.IsZero() && !time.Now().Before(g.expiry) {
		return nil, badRequest("invalid_grant", "Token has been expired or revoked.")
	}
	if !p.rotate {
		// Google style: the old refresh token stays, the answer has none
		// but says how long the old one has left.
		b := p.issueLocked("refresh_token", g, false)
		if !g.expiry.IsZero() {
			b.RefreshExpiresIn = p.numberLocked(int64(time.Until(g.expiry) / time.Second))
		}
		return b, nil
	}
	delete(p.refresh, rt)
	return p.issueLocked("refresh_token", g, true), nil
}

// issueLocked makes a token answer for g, with a new refresh token when
// withRefresh, and remembers it.
func (p *Provider) issueLocked(grantType string, g grant, withRefresh bool) *tokenBody {
	g.redirectURI, g.challenge = "", ""
	b := &tokenBody{
		AccessToken: p.nextTokenLocked("at"),
		TokenType:   p.tokenType,
		Scope:       g.scope,
	}
	lifetime := p.lifetime
	if len(p.lifetimes) > 0 {
		lifetime, p.lifetimes = p.lifetimes[0], p.lifetimes[1:]
	}
	if secs := int64(lifetime / time.Second); secs > 0 {
		b.ExpiresIn = p.numberLocked(secs)
	}
	if withRefresh {
		b.RefreshToken = p.nextTokenLocked("rt")
		g.expiry = time.Time{}
		if p.refreshLifetime > 0 {
			g.expiry = time.Now().Add(p.refreshLifetime)
			b.RefreshExpiresIn = p.numberLocked(int64(p.refreshLifetime / time.Second))
		}
		p.refresh[b.RefreshToken] = g
	}
	p.issued = append(p.issued, Issued{
		Grant:     grantType,
		ClientID:  g.clientID,
		Access:    b.AccessToken,
		Refresh:   b.RefreshToken,
		ExpiresIn: lifetime.Truncate(time.Second),
		Time:      time.Now(),
	})
	return b
}

// numberLocked writes n as JSON, as a float when SetFloatNumbers is on.
func (p *Provider) numberLocked(n int64) json.Number {
	s := strconv.FormatInt(n, 10)
	if p.floats {
		s += ".0"
	}
	return json.Number(s)
}

// nextTokenLocked returns "<prefix>-<n>-<random>".
func (p *Provider) nextTokenLocked(prefix string) string {
	p.seq++
	b := make([]byte, 12)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", prefix, p.seq, base64.RawURLEncoding.EncodeToString(b))
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// validVerifier: 43 to 128 unreserved characters (RFC 7636 section 4.1).
func validVerifier(v string) bool {
	return len(v) >= 43 && len(v) <= 128 && strings.Trim(v, base64URLChars+".~") == ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
