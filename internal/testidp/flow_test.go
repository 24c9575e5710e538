package testidp_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/pizauth-go/pizauth/internal/testidp"
)

// TestHappyPath runs the whole flow with x/oauth2, a fake browser and a
// stand-in redirect listener, for a public and a confidential client (the
// latter in both client authentication styles).
func TestHappyPath(t *testing.T) {
	tests := []struct {
		name, id, secret string
		style            oauth2.AuthStyle
	}{
		{"public", "pub", "", oauth2.AuthStyleInParams},
		{"secret in body", "conf", "s3cr3t+/", oauth2.AuthStyleInParams},
		{"secret in basic", "conf", "s3cr3t+/", oauth2.AuthStyleInHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t)
			p.AddClient(tt.id, tt.secret)
			redirectURI, got := listener(t)
			cfg := oauth2.Config{
				ClientID: tt.id, ClientSecret: tt.secret, RedirectURL: redirectURI, Scopes: []string{"mail"},
				Endpoint: oauth2.Endpoint{AuthURL: p.AuthURI(), TokenURL: p.TokenURI(), AuthStyle: tt.style},
			}
			v := oauth2.GenerateVerifier()
			status, body, err := testidp.Browse(t.Context(), cfg.AuthCodeURL("the-state", oauth2.S256ChallengeOption(v)))
			if err != nil || status != http.StatusOK || body != "done" {
				t.Fatalf("Browse = %d, %q, %v; want 200, done", status, body, err)
			}
			q := <-got
			if q.Get("state") != "the-state" || !strings.HasPrefix(q.Get("code"), "code-") {
				t.Fatalf("redirect got %v; want the state and a code", q)
			}
			tok, err := cfg.Exchange(t.Context(), q.Get("code"), oauth2.VerifierOption(v))
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if !strings.HasPrefix(tok.AccessToken, "at-") || !strings.HasPrefix(tok.RefreshToken, "rt-") ||
				tok.ExpiresIn != 3600 || tok.TokenType != "Bearer" {
				t.Errorf("got token %+v; want at-..., rt-..., 3600 s, Bearer", tok)
			}
			if got := p.LastAccessToken(); got != tok.AccessToken {
				t.Errorf("LastAccessToken() = %q; want %q", got, tok.AccessToken)
			}
			if _, err := cfg.Exchange(t.Context(), q.Get("code"), oauth2.VerifierOption(v)); !isOAuthError(err, "invalid_grant") {
				t.Errorf("second use of the code: got %v; want invalid_grant", err)
			}
			fresh, err := cfg.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			issued := p.Tokens()
			if len(issued) != 2 || issued[1].Grant != "refresh_token" || issued[1].Access != fresh.AccessToken || issued[1].Refresh != "" {
				t.Errorf("Tokens() = %+v; want an exchange then a refresh with no new refresh token", issued)
			}
			if a, tk := p.Count(testidp.PathAuthorize), p.Count("token"); a != 1 || tk != 3 {
				t.Errorf("Count: got %d authorize, %d token; want 1, 3", a, tk)
			}
		})
	}
}

func isOAuthError(err error, code string) bool {
	re, ok := err.(*oauth2.RetrieveError)
	return ok && re.ErrorCode == code
}

// TestConcurrentFlows exercises the provider from many goroutines (-race).
func TestConcurrentFlows(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	p.SetRotate(true)
	redirectURI, _ := listener(t)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			c := code(t, p, authQuery(redirectURI))
			a := post(t, p, "/token", formFor(c, redirectURI), "", "")
			if a.status != 200 {
				t.Errorf("exchange: got %d %s; want 200", a.status, a.Error)
				return
			}
			r := post(t, p, "/token", refreshForm(*a.RefreshToken), "", "")
			if r.status != 200 {
				t.Errorf("refresh: got %d %s; want 200", r.status, r.Error)
			}
			p.Requests()
			p.Tokens()
		})
	}
	wg.Wait()
	if n := len(p.Tokens()); n != 32 {
		t.Errorf("got %d tokens; want 32", n)
	}
}
