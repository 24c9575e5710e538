package testidp_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/testidp"
)

const ru = "http://127.0.0.1:8080/"

// exchange runs the code flow for "pub" and returns the answer.
func exchange(t *testing.T, p *testidp.Provider) tokenAnswer {
	t.Helper()
	a := post(t, p, testidp.PathToken, formFor(code(t, p, authQuery(ru)), ru), "", "")
	if a.status != 200 {
		t.Fatalf("exchange: got %d %s; want 200", a.status, a.Error)
	}
	return a
}

func TestRotation(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	p.SetRotate(true)
	old := *exchange(t, p).RefreshToken
	a := post(t, p, testidp.PathToken, refreshForm(old), "", "")
	if a.status != 200 || a.RefreshToken == nil || *a.RefreshToken == old {
		t.Fatalf("refresh: got %d %+v; want 200 with a new refresh token", a.status, a)
	}
	if b := post(t, p, testidp.PathToken, refreshForm(old), "", ""); b.Error != "invalid_grant" {
		t.Errorf("old refresh token: got %d %q; want invalid_grant", b.status, b.Error)
	}
	if b := post(t, p, testidp.PathToken, refreshForm(*a.RefreshToken), "", ""); b.status != 200 {
		t.Errorf("new refresh token: got %d %q; want 200", b.status, b.Error)
	}
}

func TestNoRotation(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	rt := *exchange(t, p).RefreshToken
	for i := range 2 {
		a := post(t, p, testidp.PathToken, refreshForm(rt), "", "")
		if a.status != 200 || a.RefreshToken != nil {
			t.Errorf("refresh %d: got %d %+v; want 200 without refresh_token", i, a.status, a)
		}
	}
}

func TestRefreshChecks(t *testing.T) {
	tests := []struct {
		name  string
		setup func(p *testidp.Provider)
		form  func(rt string) url.Values
		want  string
	}{
		{"revoked", func(p *testidp.Provider) { p.RevokeRefreshTokens() }, refreshForm, "invalid_grant"},
		{"unknown", nil, func(string) url.Values { return refreshForm("rt-9-nope") }, "invalid_grant"},
		{"missing", nil, func(string) url.Values { return refreshForm("") }, "invalid_request"},
		{"other client", func(p *testidp.Provider) { p.AddClient("pub2", "") }, func(rt string) url.Values {
			f := refreshForm(rt)
			f.Set("client_id", "pub2")
			return f
		}, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t)
			p.AddClient("pub", "")
			rt := *exchange(t, p).RefreshToken
			if tt.setup != nil {
				tt.setup(p)
			}
			if a := post(t, p, testidp.PathToken, tt.form(rt), "", ""); a.status != 400 || a.Error != tt.want {
				t.Errorf("got %d %q; want 400 %q", a.status, a.Error, tt.want)
			}
		})
	}
}

func TestRevokeEndpoint(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	rt := *exchange(t, p).RefreshToken
	for _, tok := range []string{"unknown", rt} {
		if a := post(t, p, testidp.PathRevoke, url.Values{"token": {tok}, "client_id": {"pub"}}, "", ""); a.status != 200 {
			t.Errorf("revoke %q: got %d; want 200", tok, a.status)
		}
	}
	if a := post(t, p, testidp.PathRevoke, url.Values{"token": {rt}, "client_id": {"nobody"}}, "", ""); a.status != 401 {
		t.Errorf("revoke by an unknown client: got %d; want 401", a.status)
	}
	if a := post(t, p, testidp.PathToken, refreshForm(rt), "", ""); a.Error != "invalid_grant" {
		t.Errorf("refresh after revocation: got %d %q; want invalid_grant", a.status, a.Error)
	}
}

func TestAnswerSettings(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	p.SetLifetime(90 * time.Second)
	p.SetTokenType("bearer")
	a := exchange(t, p)
	if a.ExpiresIn == nil || *a.ExpiresIn != 90 || a.TokenType == nil || *a.TokenType != "bearer" {
		t.Errorf("got %+v; want expires_in 90, token_type bearer", a)
	}
	p.SetLifetime(0)
	p.SetTokenType("")
	p.SetIssueRefresh(false)
	a = exchange(t, p)
	if a.ExpiresIn != nil || a.TokenType != nil || a.RefreshToken != nil {
		t.Errorf("got %+v; want no expires_in, token_type or refresh_token", a)
	}
	issued := p.Tokens()
	if len(issued) != 2 || issued[0].ExpiresIn != 90*time.Second || issued[1].ExpiresIn != 0 || issued[1].Refresh != "" {
		t.Errorf("Tokens() = %+v; want 90s then 0 without refresh", issued)
	}
}

func TestRequestsRecorded(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	exchange(t, p)
	reqs := p.Requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests; want 2", len(reqs))
	}
	if r := reqs[0]; r.Endpoint != testidp.PathAuthorize || r.Method != "GET" || r.Form.Get("state") != "st" {
		t.Errorf("first request %+v; want GET /authorize with state st", r)
	}
	r := reqs[1]
	if r.Endpoint != testidp.PathToken || r.Method != "POST" || r.Form.Get("code_verifier") != verifier ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.Body == "" || r.Time.IsZero() {
		t.Errorf("second request %+v; want POST /token with its form, headers and body", r)
	}
}
