package testidp_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/pizauth-go/pizauth/internal/testidp"
)

func TestAuthorizeChecks(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(q url.Values)
		wantStatus int
		wantError  string // the redirect's error=, "" for a code
		wantState  bool
	}{
		{"valid", func(url.Values) {}, 302, "", true},
		{"localhost any port", func(q url.Values) { q.Set("redirect_uri", "http://localhost:1/x") }, 302, "", true},
		{"ipv6 loopback https", func(q url.Values) { q.Set("redirect_uri", "https://[::1]/") }, 302, "", true},
		{"no scope", func(q url.Values) { q.Del("scope") }, 302, "", true},
		{"unknown client", func(q url.Values) { q.Set("client_id", "nobody") }, 400, "", false},
		{"no client", func(q url.Values) { q.Del("client_id") }, 400, "", false},
		{"no redirect_uri", func(q url.Values) { q.Del("redirect_uri") }, 400, "", false},
		{"remote redirect_uri", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }, 400, "", false},
		{"custom scheme", func(q url.Values) { q.Set("redirect_uri", "com.example.app:/cb") }, 400, "", false},
		{"fragment", func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1/#x") }, 400, "", false},
		{"user info", func(q url.Values) { q.Set("redirect_uri", "http://u@127.0.0.1/") }, 400, "", false},
		{"response_type token", func(q url.Values) { q.Set("response_type", "token") }, 302, "unsupported_response_type", true},
		{"no state", func(q url.Values) { q.Del("state") }, 302, "invalid_request", false},
		{"two states", func(q url.Values) { q.Add("state", "other") }, 302, "invalid_request", true},
		{"no challenge", func(q url.Values) { q.Del("code_challenge") }, 302, "invalid_request", true},
		{"plain method", func(q url.Values) { q.Set("code_challenge_method", "plain") }, 302, "invalid_request", true},
		{"no method", func(q url.Values) { q.Del("code_challenge_method") }, 302, "invalid_request", true},
		{"malformed challenge", func(q url.Values) { q.Set("code_challenge", "short") }, 302, "invalid_request", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t)
			p.AddClient("pub", "")
			q := authQuery("http://127.0.0.1:9/cb?keep=1")
			tt.edit(q)
			status, back := authorize(t, p, q)
			if status != tt.wantStatus {
				t.Fatalf("got status %d; want %d", status, tt.wantStatus)
			}
			if status != 302 {
				return
			}
			if got := back.Get("error"); got != tt.wantError {
				t.Errorf("got error %q; want %q", got, tt.wantError)
			}
			if (back.Get("code") != "") != (tt.wantError == "") {
				t.Errorf("got code %q with error %q", back.Get("code"), back.Get("error"))
			}
			if got := back.Get("state") == "st"; got != tt.wantState {
				t.Errorf("got state %q; want it echoed: %v", back.Get("state"), tt.wantState)
			}
		})
	}
}

func TestLoginModes(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	q := authQuery("http://127.0.0.1:9/cb?keep=1")
	p.SetLogin(testidp.LoginDeny)
	status, back := authorize(t, p, q)
	if status != 302 || back.Get("error") != "access_denied" || back.Get("state") != "st" || back.Get("keep") != "1" {
		t.Errorf("deny: got %d %v; want 302 with error=access_denied, the state and keep=1", status, back)
	}
	p.SetLogin(testidp.LoginPage)
	if status, back := authorize(t, p, q); status != 200 || back != nil {
		t.Errorf("page: got %d %v; want 200 and no redirect", status, back)
	}
	p.SetLogin(testidp.LoginApprove)
	if status, back := authorize(t, p, q); status != 302 || back.Get("code") == "" || back.Get("keep") != "1" {
		t.Errorf("approve: got %d %v; want 302 with a code and keep=1", status, back)
	}
}

func formFor(code, redirectURI string) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirectURI},
		"code_verifier": {verifier},
		"client_id":     {"pub"},
	}
}

func refreshForm(rt string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"pub"}}
}

func TestTokenChecks(t *testing.T) {
	const ru = "http://localhost:8080/"
	tests := []struct {
		name       string
		client     string // whose code; "" = pub
		edit       func(f url.Values)
		user, pass string // Basic
		wantStatus int
		wantError  string
	}{
		{"valid", "", func(url.Values) {}, "", "", 200, ""},
		{"wrong verifier", "", func(f url.Values) { f.Set("code_verifier", verifier+"x") }, "", "", 400, "invalid_grant"},
		{"short verifier", "", func(f url.Values) { f.Set("code_verifier", "abc") }, "", "", 400, "invalid_grant"},
		{"no verifier", "", func(f url.Values) { f.Del("code_verifier") }, "", "", 400, "invalid_grant"},
		{"other redirect_uri", "", func(f url.Values) { f.Set("redirect_uri", "http://localhost:8081/") }, "", "", 400, "invalid_grant"},
		{"no redirect_uri", "", func(f url.Values) { f.Del("redirect_uri") }, "", "", 400, "invalid_grant"},
		{"unknown code", "", func(f url.Values) { f.Set("code", "code-0-x") }, "", "", 400, "invalid_grant"},
		{"no code", "", func(f url.Values) { f.Del("code") }, "", "", 400, "invalid_request"},
		{"no grant_type", "", func(f url.Values) { f.Del("grant_type") }, "", "", 400, "invalid_request"},
		{"password grant", "", func(f url.Values) { f.Set("grant_type", "password") }, "", "", 400, "unsupported_grant_type"},
		{"unknown client", "", func(f url.Values) { f.Set("client_id", "nobody") }, "", "", 401, "invalid_client"},
		{"public client with a secret", "", func(f url.Values) { f.Set("client_secret", "x") }, "", "", 401, "invalid_client"},
		{"someone else's code", "conf", func(f url.Values) {}, "", "", 400, "invalid_grant"},
		{"confidential, body", "conf", func(f url.Values) { f.Set("client_id", "conf"); f.Set("client_secret", "pa ss") }, "", "", 200, ""},
		{"confidential, basic", "conf", func(f url.Values) { f.Del("client_id") }, "conf", "pa ss", 200, ""},
		{"confidential, no secret", "conf", func(f url.Values) { f.Set("client_id", "conf") }, "", "", 401, "invalid_client"},
		{"confidential, wrong secret", "conf", func(f url.Values) { f.Set("client_id", "conf"); f.Set("client_secret", "no") }, "", "", 401, "invalid_client"},
		{"confidential, wrong basic", "conf", func(f url.Values) { f.Del("client_id") }, "conf", "no", 401, "invalid_client"},
		{"basic and body secret", "conf", func(f url.Values) { f.Set("client_secret", "pa ss") }, "conf", "pa ss", 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t)
			p.AddClient("pub", "")
			p.AddClient("conf", "pa ss")
			q := authQuery(ru)
			if tt.client != "" {
				q.Set("client_id", tt.client)
			}
			f := formFor(code(t, p, q), ru)
			tt.edit(f)
			a := post(t, p, testidp.PathToken, f, tt.user, tt.pass)
			if a.status != tt.wantStatus || a.Error != tt.wantError {
				t.Errorf("got %d %q; want %d %q", a.status, a.Error, tt.wantStatus, tt.wantError)
			}
			if (a.AccessToken != "") != (tt.wantStatus == 200) {
				t.Errorf("got access token %q with status %d", a.AccessToken, a.status)
			}
		})
	}
}

func TestTokenEndpointMethod(t *testing.T) {
	p := newProvider(t)
	resp, err := http.Get(p.TokenURI())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /token: got %d; want 405", resp.StatusCode)
	}
}
