package oauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/secret"
	"github.com/pizauth-go/pizauth/internal/testidp"
)

// TestAgainstTestIDP runs the package against the fake provider: the auth
// URL passes its checks, the exchange its PKCE and redirect_uri checks, and
// its faults classify as they should.
func TestAgainstTestIDP(t *testing.T) {
	idp := testidp.New()
	t.Cleanup(idp.Close)
	idp.AddClient("app", "sec")
	idp.SetRotate(true)
	idp.SetTokenType("bearer")
	got := make(chan url.Values, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.URL.Query() }))
	t.Cleanup(cb.Close)

	p := oauth.Params{
		AuthURI: idp.AuthURI(), TokenURI: idp.TokenURI(), ClientID: "app", ClientSecret: "sec",
		RedirectURI: cb.URL + "/", Scopes: []string{"mail", "offline_access"},
		AuthURIFields: []oauth.Field{{Key: "login_hint", Value: "me@example.com"}},
	}
	ar, err := oauth.NewAuthRequest(p)
	if err != nil {
		t.Fatal(err)
	}
	if status, _, err := testidp.Browse(t.Context(), ar.URL); err != nil || status != 200 {
		t.Fatalf("Browse: %d %v", status, err)
	}
	q := <-got
	if q.Get("state") != ar.State {
		t.Fatalf("got state %q; want %q", q.Get("state"), ar.State)
	}
	var c oauth.Client
	tok, err := c.Exchange(t.Context(), p, secret.String(q.Get("code")), ar.Verifier)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.Access.Reveal() != idp.LastAccessToken() || tok.Refresh.IsZero() || tok.ExpiresIn != time.Hour {
		t.Errorf("got %q %v %v; want the issued token, a refresh token, 1h", tok.Access.Reveal(), tok.Refresh.IsZero(), tok.ExpiresIn)
	}

	next, err := c.Refresh(t.Context(), p, tok.Refresh)
	if err != nil || next.Refresh.IsZero() || next.Refresh == tok.Refresh {
		t.Fatalf("Refresh: %v; want a rotated refresh token", err)
	}
	_, err = c.Refresh(t.Context(), p, tok.Refresh)
	if class, _ := oauth.Classify(err); class != oauth.Permanent {
		t.Errorf("old refresh token: got %v (%v); want permanent", class, err)
	}

	idp.FailNext(testidp.PathToken, 1, testidp.Fault{Status: 429, RetryAfter: "30"})
	_, err = c.Refresh(t.Context(), p, next.Refresh)
	if class, after := oauth.Classify(err); class != oauth.Transient || after != 30*time.Second {
		t.Errorf("429: got %v %v (%v); want transient 30s", class, after, err)
	}

	idp.FailNext(testidp.PathToken, 1, testidp.Fault{Hang: true})
	ctx, cancel := context.WithCancel(t.Context())
	n := idp.Count(testidp.PathToken) + 1
	go func() {
		idp.WaitCount(ctx, testidp.PathToken, n) // the request hangs: give up
		cancel()
	}()
	_, err = c.Refresh(ctx, p, next.Refresh)
	if class, _ := oauth.Classify(err); class != oauth.Transient {
		t.Errorf("hang: got %v (%v); want transient", class, err)
	}
	if _, err := c.Refresh(t.Context(), p, next.Refresh); err != nil {
		t.Errorf("after the faults: %v", err)
	}
}
