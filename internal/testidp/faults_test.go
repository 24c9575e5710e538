package testidp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/pizauth-go/pizauth/internal/testidp"
)

func TestFailNext(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	rt := *exchange(t, p).RefreshToken
	p.FailNext("token", 2, testidp.Fault{Status: 503, RetryAfter: "7", Body: "<html>busy</html>"})
	p.FailNext(testidp.PathToken, 1, testidp.Fault{OAuthError: "invalid_grant", Description: "no"})
	p.FailNext(testidp.PathToken, 1, testidp.Fault{Status: 200, Body: `{"access_token":"trunc`})
	want := []struct {
		status int
		body   string
	}{
		{503, "<html>busy</html>"},
		{503, "<html>busy</html>"},
		{400, `{"error":"invalid_grant","error_description":"no"}`},
		{200, `{"access_token":"trunc`},
	}
	for i, w := range want {
		status, header, body := rawPost(t, p, refreshForm(rt))
		if status != w.status || body != w.body {
			t.Errorf("request %d: got %d %q; want %d %q", i, status, body, w.status, w.body)
		}
		if got := header.Get("Retry-After"); (got == "7") != (i < 2) {
			t.Errorf("request %d: got Retry-After %q", i, got)
		}
	}
	if a := post(t, p, testidp.PathToken, refreshForm(rt), "", ""); a.status != 200 {
		t.Errorf("after the faults: got %d %q; want 200", a.status, a.Error)
	}
	if n := p.Count(testidp.PathToken); n != 6 {
		t.Errorf("Count = %d; want 6 (faulted requests count too)", n)
	}
}

func rawPost(t *testing.T, p *testidp.Provider, form map[string][]string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.PostForm(p.TokenURI(), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestOutage(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	p.FailNext(testidp.PathToken, 1, testidp.Fault{OAuthError: "invalid_grant"})
	p.StartOutage(testidp.Fault{Status: 502})
	if status, _ := authorize(t, p, authQuery(ru)); status != 502 {
		t.Errorf("authorize during the outage: got %d; want 502", status)
	}
	if status, _, _ := rawPost(t, p, refreshForm("x")); status != 502 {
		t.Errorf("token during the outage: got %d; want 502", status)
	}
	p.EndOutage()
	if status, _, _ := rawPost(t, p, refreshForm("x")); status != 400 {
		t.Errorf("token after the outage: got %d; want 400 from the queued fault", status)
	}
	exchange(t, p)
}

func TestHangUntilClientGivesUp(t *testing.T) {
	p := newProvider(t)
	p.FailNext(testidp.PathToken, 1, testidp.Fault{Hang: true})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := refresh(ctx, p, http.DefaultClient)
		done <- err
	}()
	if err := p.WaitCount(t.Context(), testidp.PathToken, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err == nil {
		t.Errorf("got no error from a hung request")
	}
}

func TestCloseUnblocksHang(t *testing.T) {
	p := testidp.New()
	defer p.Close()
	p.FailNext(testidp.PathToken, 1, testidp.Fault{Hang: true})
	done := make(chan error, 1)
	go func() {
		_, err := refresh(t.Context(), p, http.DefaultClient)
		done <- err
	}()
	if err := p.WaitCount(t.Context(), testidp.PathToken, 1); err != nil {
		t.Fatal(err)
	}
	p.Close() // returns only once the hung handler has
	if err := <-done; err == nil {
		t.Errorf("got no error from a request cut by Close")
	}
}

func TestTransportInMemory(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	rt := *exchange(t, p).RefreshToken
	mem := &http.Client{Transport: p.Transport()}
	tok, err := refresh(t.Context(), p, mem, rt)
	if err != nil || tok.AccessToken != p.LastAccessToken() {
		t.Fatalf("refresh in memory: got %v, %v; want the last access token", tok, err)
	}
	p.FailNext(testidp.PathToken, 1, testidp.Fault{Hang: true})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := refresh(ctx, p, mem, rt)
		done <- err
	}()
	if err := p.WaitCount(t.Context(), testidp.PathToken, 3); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err == nil {
		t.Errorf("got no error from a hung in-memory request")
	}
}

func TestWaitCountGivesUp(t *testing.T) {
	p := newProvider(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := p.WaitCount(ctx, testidp.PathToken, 1); err == nil {
		t.Errorf("got no error; want the context's")
	}
}

// refresh refreshes for "pub" with x/oauth2 through hc.
func refresh(ctx context.Context, p *testidp.Provider, hc *http.Client, rt ...string) (*oauth2.Token, error) {
	cfg := oauth2.Config{ClientID: "pub", Endpoint: oauth2.Endpoint{TokenURL: p.TokenURI(), AuthStyle: oauth2.AuthStyleInParams}}
	tok := &oauth2.Token{RefreshToken: "rt-x"}
	if len(rt) > 0 {
		tok.RefreshToken = rt[0]
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	return cfg.TokenSource(ctx, tok).Token()
}

func TestEchoSecrets(t *testing.T) {
	p := newProvider(t)
	p.AddClient("pub", "")
	rt := *exchange(t, p).RefreshToken
	p.FailNext(testidp.PathToken, 1, testidp.Fault{OAuthError: "invalid_grant", EchoSecrets: true})
	status, _, body := rawPost(t, p, refreshForm(rt))
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		URI         string `json:"error_uri"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || status != 400 || e.Error != "invalid_grant" {
		t.Fatalf("got %d %q; want 400 invalid_grant", status, body)
	}
	if !strings.Contains(e.Description, "refresh_token: "+rt) || !strings.Contains(e.Description, base64.StdEncoding.EncodeToString([]byte(rt))) ||
		!strings.Contains(e.URI, url.QueryEscape(rt)) {
		t.Errorf("error_description %q and error_uri %q do not echo the refresh token", e.Description, e.URI)
	}
}
