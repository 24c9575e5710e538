package testidp

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// authorize is GET /authorize. Problems with client_id or redirect_uri get
// an error page (RFC 6749 section 4.1.2.1: never redirect to an unchecked
// URI); other problems are redirected back as error=... with the state.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	_, known := p.clients[q.Get("client_id")]
	login := p.login
	p.mu.Unlock()
	if !known {
		page(w, http.StatusBadRequest, fmt.Sprintf("unknown client_id %q", q.Get("client_id")))
		return
	}
	redirectURI := q.Get("redirect_uri")
	if err := checkLoopback(redirectURI); err != nil {
		page(w, http.StatusBadRequest, "invalid redirect_uri: "+err.Error())
		return
	}
	state := q.Get("state")
	back := func(v url.Values) {
		if state != "" {
			v.Set("state", state)
		}
		http.Redirect(w, r, withQuery(redirectURI, v), http.StatusFound)
	}
	if code, desc := checkAuthorize(q); code != "" {
		back(url.Values{"error": {code}, "error_description": {desc}})
		return
	}
	switch login {
	case LoginDeny:
		back(url.Values{"error": {"access_denied"}, "error_description": {"the user declined"}})
	case LoginPage:
		page(w, http.StatusOK, "testidp login page: sign in to continue")
	default:
		back(url.Values{"code": {p.newCode(q)}})
	}
}

// checkAuthorize returns an OAuth error code and description for a request
// whose client and redirect URI are fine, or "" when all is well.
func checkAuthorize(q url.Values) (code, desc string) {
	for _, k := range []string{"client_id", "redirect_uri", "response_type", "state", "code_challenge", "code_challenge_method", "scope"} {
		if len(q[k]) > 1 {
			return "invalid_request", k + " given more than once"
		}
	}
	switch {
	case q.Get("response_type") != "code":
		return "unsupported_response_type", "response_type must be code"
	case q.Get("state") == "":
		return "invalid_request", "state missing"
	case q.Get("code_challenge") == "":
		return "invalid_request", "code_challenge missing: PKCE is required"
	case q.Get("code_challenge_method") != "S256":
		return "invalid_request", "code_challenge_method must be S256"
	case !isS256Challenge(q.Get("code_challenge")):
		return "invalid_request", "code_challenge is not a base64url SHA-256"
	}
	return "", ""
}

func (p *Provider) newCode(q url.Values) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	code := p.nextTokenLocked("code")
	p.codes[code] = grant{
		clientID:    q.Get("client_id"),
		redirectURI: q.Get("redirect_uri"),
		challenge:   q.Get("code_challenge"),
		scope:       q.Get("scope"),
	}
	return code
}

// checkLoopback accepts only loopback redirect URIs (RFC 8252 sections 7.3
// and 8.3): http or https to localhost or a loopback IP, any port, no
// fragment, no user information.
func checkLoopback(uri string) error {
	if uri == "" {
		return errors.New("missing")
	}
	u, err := url.Parse(uri)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme %q is not http or https", u.Scheme)
	}
	if u.Fragment != "" || u.User != nil {
		return errors.New("fragments and user information are not allowed")
	}
	if !isLoopback(u.Hostname()) {
		return fmt.Errorf("host %q is not loopback", u.Hostname())
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// isS256Challenge: 43 base64url characters, what S256 always gives.
func isS256Challenge(s string) bool {
	return len(s) == 43 && strings.Trim(s, base64URLChars) == ""
}

const base64URLChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// withQuery adds v to uri's query, keeping what it has.
func withQuery(uri string, v url.Values) string {
	u, _ := url.Parse(uri) // checked by checkLoopback
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func page(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}
