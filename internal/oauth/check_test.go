package oauth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestValidToken(t *testing.T) {
	tests := []struct {
		tok  string
		want bool
	}{
		{"ya29.a0AfB_byC-x~y+z/w==", true},
		{"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln", true},
		{"Atza|IwEBIJ!x", true}, // Amazon's, outside RFC 6750 but inside RFC 6749
		{"", false},
		{"tok\r\nX-Injected: 1", false},
		{"tok\n", false},
		{"two words", false},
		{"tab\there", false},
		{"nul\x00", false},
		{"del\x7f", false},
		{"csi\u009b31m", false},
		{"bidi\u202etxt", false},
		{"caf\u00e9", false},
	}
	for _, tt := range tests {
		if err := ValidToken(tt.tok); (err == nil) != tt.want {
			t.Errorf("ValidToken(%q) = %v; want valid: %v", tt.tok, err, tt.want)
		}
	}
}

// TestTokensWithControlCharactersAreRefused: a token that would inject a
// header through `curl -H "Authorization: Bearer $(pizauth show x)"` is a
// provider error (issue 13 item 7), and its text is in no message.
func TestTokensWithControlCharactersAreRefused(t *testing.T) {
	tests := []struct{ name, body string }{
		{"access token", `{"access_token":"SEKRIT\r\nX-Injected: 1","expires_in":3600}`},
		{"refresh token", `{"access_token":"at","refresh_token":"SEKRIT\u001b[2J","expires_in":3600}`},
		{"bidi override", `{"access_token":"SEKRIT\u202e","expires_in":3600}`},
		{"form", "access_token=SEKRIT%0D%0AX-Injected%3A+1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctype := "application/json"
			if tt.name == "form" {
				ctype = "application/x-www-form-urlencoded"
			}
			e := newEndpoint(t, answer{ctype: ctype, body: tt.body})
			for _, call := range []func() error{
				func() error { _, err := new(Client).Refresh(t.Context(), e.params(), "rt"); return err },
				func() error { _, err := new(Client).Exchange(t.Context(), e.params(), "c", "v"); return err },
			} {
				err := call()
				if class, _ := Classify(err); err == nil || class != Permanent {
					t.Fatalf("got %v (%v); want a permanent error", err, class)
				}
				if msg := err.Error(); strings.Contains(msg, "Injected") || strings.Contains(msg, "SEKRIT") {
					t.Errorf("error %q quotes the token", msg)
				}
			}
		})
	}
}

// TestDeviceAnswersWithUnsafeText: what reaches the terminal and
// PIZAUTH_URL must be printable as it is (issue 18 item 6).
func TestDeviceAnswersWithUnsafeText(t *testing.T) {
	good := map[string]any{"device_code": "d", "user_code": "WDJB-MJHT",
		"verification_uri": "https://idp.example/device", "verification_uri_complete": "https://idp.example/device?c=WDJB-MJHT"}
	tests := []struct {
		name, field, value string
		ok                 bool
	}{
		{"good", "", "", true},
		{"C1 in verification_uri", "verification_uri", "https://idp.example/\u009b31mdevice", false},
		{"bidi in verification_uri", "verification_uri", "https://idp.example/\u202eecived", false},
		{"space in verification_uri", "verification_uri", "https://idp.example/a b", false},
		{"non-ASCII host", "verification_uri", "https://idp.exаmple/device", false},
		{"C1 in verification_uri_complete", "verification_uri_complete", "https://idp.example/device?c=\u009b", false},
		{"space in verification_uri_complete", "verification_uri_complete", "https://idp.example/device ?c=1", false},
		{"javascript verification_uri_complete", "verification_uri_complete", "javascript:alert(1)", false},
		{"bidi in user_code", "user_code", "WDJB\u202eMJHT", false},
		{"space in user_code", "user_code", "WDJB MJHT", false},
		{"C1 in user_code", "user_code", "WDJB\u0085MJHT", false},
		{"zero-width in user_code", "user_code", "WDJB\u200bMJHT", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer := map[string]any{}
			for k, v := range good {
				answer[k] = v
			}
			if tt.field != "" {
				answer[tt.field] = tt.value
			}
			b, _ := json.Marshal(answer)
			c := &Client{HTTP: &http.Client{Transport: answerTransport{status: 200, ctype: "application/json", body: string(b)}}}
			p := Params{TokenURI: "https://idp.example/token", DeviceAuthURI: "https://idp.example/device", ClientID: "c"}
			_, err := c.DeviceAuth(t.Context(), p)
			if class, _ := Classify(err); tt.ok != (err == nil) || !tt.ok && class != Permanent {
				t.Fatalf("got %v (%v); want ok: %v, else permanent", err, class, tt.ok)
			}
			if err != nil && !displayable(strings.ReplaceAll(err.Error(), " ", "_")) {
				t.Errorf("error %q carries the unsafe text", err)
			}
		})
	}
}

// TestDiscoveryRefusesDowngrade: an https issuer's endpoints must be https
// (issue 18 item 7); only a loopback http issuer may use http.
func TestDiscoveryRefusesDowngrade(t *testing.T) {
	var doc map[string]string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name     string
		endpoint string // the token endpoint
		ok       bool
	}{
		{"https", "https://idp.example/token", true},
		{"http", "http://idp.example/token", false},
		{"http loopback", "http://127.0.0.1:1/token", false},
		{"upper-case scheme", "HTTPS://idp.example/token", true},
		{"bidi", "https://idp.example/\u202etoken", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc = map[string]string{"issuer": srv.URL, "authorization_endpoint": "https://idp.example/authorize", "token_endpoint": tt.endpoint}
			_, err := (&Client{HTTP: srv.Client()}).Discover(t.Context(), srv.URL)
			if class, _ := Classify(err); tt.ok != (err == nil) || !tt.ok && class != Permanent {
				t.Fatalf("got %v (%v); want ok: %v, else permanent", err, class, tt.ok)
			}
		})
	}
}

// TestDiscoveryOfPlainHTTPIssuer: an http issuer is accepted only on a
// loopback address.
func TestDiscoveryOfPlainHTTPIssuer(t *testing.T) {
	const issuer = "http://idp.example"
	b, _ := json.Marshal(map[string]string{"issuer": issuer, "token_endpoint": issuer + "/token"})
	c := &Client{HTTP: &http.Client{Transport: answerTransport{status: 200, ctype: "application/json", body: string(b)}}}
	_, err := c.Discover(t.Context(), issuer)
	if class, _ := Classify(err); err == nil || class != Permanent || !strings.Contains(err.Error(), "not an https URL") {
		t.Fatalf("got %v (%v); want a permanent error", err, class)
	}
}

// TestOversizedDiscoveryIsPermanent: a document larger than the cap will
// not shrink by itself (issue 18 item 9).
func TestOversizedDiscoveryIsPermanent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"issuer":"x","pad":"` + strings.Repeat("a", maxDiscovery) + `"}`))
	}))
	t.Cleanup(srv.Close)
	_, err := new(Client).Discover(t.Context(), srv.URL)
	if class, _ := Classify(err); err == nil || class != Permanent || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("got %v (%v); want a permanent error saying it is too large", err, class)
	}
}
