package oauth

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

func TestNewAuthRequestURL(t *testing.T) {
	base := Params{ClientID: "client id+1", RedirectURI: "http://localhost:4321/cb?x=1"}
	tests := []struct {
		name    string
		authURI string
		scopes  []string
		fields  []Field
		prefix  string // what comes before our parameters
		suffix  string // scope and fields, after state
	}{
		{name: "plain", authURI: "https://idp.example/auth", prefix: "https://idp.example/auth?"},
		{name: "existing query", authURI: "https://idp.example/auth?tenant=a%20b&x=y",
			prefix: "https://idp.example/auth?tenant=a%20b&x=y&"},
		{name: "trailing question mark", authURI: "https://idp.example/auth?", prefix: "https://idp.example/auth?"},
		{name: "trailing ampersand", authURI: "https://idp.example/auth?a=1&", prefix: "https://idp.example/auth?a=1&"},
		{name: "scopes", authURI: "https://idp.example/auth",
			scopes: []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"},
			prefix: "https://idp.example/auth?",
			suffix: "&scope=https%3A%2F%2Foutlook.office.com%2FIMAP.AccessAsUser.All+offline_access"},
		{name: "fields in order, repeated keys kept", authURI: "https://idp.example/auth",
			fields: []Field{{"login_hint", "me+x@example.com"}, {"prompt", "consent"}, {"a b", "c&d=e"}, {"prompt", "select_account"}},
			prefix: "https://idp.example/auth?",
			suffix: "&login_hint=me%2Bx%40example.com&prompt=consent&a+b=c%26d%3De&prompt=select_account"},
		{name: "scope before fields", authURI: "https://idp.example/auth", scopes: []string{"mail"},
			fields: []Field{{"login_hint", "me"}}, prefix: "https://idp.example/auth?",
			suffix: "&scope=mail&login_hint=me"},
		// As the original's URL library writes a form: only alphanumerics
		// and *-._ are left as they are, so ~ is escaped and * is not.
		{name: "form encoding", authURI: "https://idp.example/auth",
			scopes: []string{"a*b", "c~d"}, fields: []Field{{"k~*", "x~y*z/é"}},
			prefix: "https://idp.example/auth?",
			suffix: "&scope=a*b+c%7Ed&k%7E*=x%7Ey*z%2F%C3%A9"},
		// The original parses auth_uri and writes it back normalised:
		// scheme and host in lower case, no default port, an empty path
		// as "/", dot segments resolved; the query is kept.
		{name: "normalised", authURI: "HTTPS://IdP.Example:443", prefix: "https://idp.example/?"},
		{name: "normalised path and port", authURI: "http://IDP.example:8080/a/./b/../auth?Q=%41",
			prefix: "http://idp.example:8080/a/auth?Q=%41&"},
		{name: "default http port", authURI: "http://idp.example:80/auth", prefix: "http://idp.example/auth?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			p.AuthURI, p.Scopes, p.AuthURIFields = tt.authURI, tt.scopes, tt.fields
			ar, err := NewAuthRequest(p)
			if err != nil {
				t.Fatalf("NewAuthRequest: %v", err)
			}
			want := tt.prefix + "access_type=offline&code_challenge=" + challenge(ar.Verifier.Reveal()) +
				"&code_challenge_method=S256&client_id=client+id%2B1" +
				"&redirect_uri=http%3A%2F%2Flocalhost%3A4321%2Fcb%3Fx%3D1&response_type=code&state=" + ar.State + tt.suffix
			if ar.URL != want {
				t.Errorf("got URL\n%s\nwant\n%s", ar.URL, want)
			}
		})
	}
}

func TestNewAuthRequestKeepsFragmentLast(t *testing.T) {
	ar, err := NewAuthRequest(Params{AuthURI: "https://idp.example/auth?a=1#frag", ClientID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ar.URL, "https://idp.example/auth?a=1&access_type=offline&") || !strings.HasSuffix(ar.URL, "#frag") {
		t.Errorf("got %q; want our parameters after a=1 and the fragment last", ar.URL)
	}
}

// challenge computes the S256 challenge independently of x/oauth2.
func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestNewAuthRequestRandomness(t *testing.T) {
	p := Params{AuthURI: "https://idp.example/auth", ClientID: "c"}
	a, err := NewAuthRequest(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewAuthRequest(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, value string
		bytes       int
	}{{"state", a.State, 32}, {"verifier", a.Verifier.Reveal(), 64}} {
		raw, err := base64.RawURLEncoding.DecodeString(c.value)
		if err != nil {
			t.Errorf("%s %q: %v; want base64url without padding", c.name, c.value, err)
		}
		if len(raw) != c.bytes {
			t.Errorf("%s: got %d bytes; want %d", c.name, len(raw), c.bytes)
		}
	}
	if n := len(a.Verifier.Reveal()); n < 43 || n > 128 {
		t.Errorf("verifier length %d; want 43..128 (RFC 7636)", n)
	}
	if a.State == b.State || a.Verifier == b.Verifier {
		t.Errorf("two requests share a state or verifier")
	}
	if strings.Contains(a.URL, a.Verifier.Reveal()) {
		t.Errorf("URL %q contains the verifier", a.URL)
	}
}

func TestNewAuthRequestBadURI(t *testing.T) {
	if _, err := NewAuthRequest(Params{AuthURI: "http://[::1"}); err == nil {
		t.Errorf("got no error for an unparseable auth_uri")
	}
}
