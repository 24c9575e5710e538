package oauth

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/pizauth-go/pizauth/internal/secret"
)

const okAnswer = `{"access_token":"at1","token_type":"Bearer","expires_in":3600,"refresh_token":"rt2"}`

func TestExchangeForm(t *testing.T) {
	tests := []struct {
		name   string
		secret secret.String
		want   string
	}{
		{"confidential", "s3cr+t",
			"client_id=cid&client_secret=s3cr%2Bt&code=c%2F1&code_verifier=ver&grant_type=authorization_code&redirect_uri=http%3A%2F%2Flocalhost%3A1234%2F"},
		{"public", "",
			"client_id=cid&code=c%2F1&code_verifier=ver&grant_type=authorization_code&redirect_uri=http%3A%2F%2Flocalhost%3A1234%2F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpoint(t, answer{body: okAnswer})
			p := e.params()
			p.ClientSecret = tt.secret
			p.Scopes = []string{"not", "sent"}
			if _, err := new(Client).Exchange(t.Context(), p, "c/1", "ver"); err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			checkRequest(t, e.requests(), tt.want)
		})
	}
}

func TestRefreshForm(t *testing.T) {
	tests := []struct {
		name   string
		secret secret.String
		want   string
	}{
		{"confidential", "sec", "client_id=cid&client_secret=sec&grant_type=refresh_token&refresh_token=r%26t"},
		{"public", "", "client_id=cid&grant_type=refresh_token&refresh_token=r%26t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpoint(t, answer{body: okAnswer})
			p := e.params()
			p.ClientSecret = tt.secret
			if _, err := new(Client).Refresh(t.Context(), p, "r&t"); err != nil {
				t.Fatalf("Refresh: %v", err)
			}
			checkRequest(t, e.requests(), tt.want)
		})
	}
}

func checkRequest(t *testing.T, reqs []seen, wantBody string) {
	t.Helper()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests; want 1", len(reqs))
	}
	r := reqs[0]
	if r.body != wantBody {
		t.Errorf("got body\n%s\nwant\n%s", r.body, wantBody)
	}
	if got := r.header.Get("Authorization"); got != "" {
		t.Errorf("got Authorization %q; want none (credentials go in the body)", got)
	}
	if got, want := r.header.Get("Content-Type"), "application/x-www-form-urlencoded"; got != want {
		t.Errorf("got Content-Type %q; want %q", got, want)
	}
	if got := r.header.Get("User-Agent"); got != userAgent {
		t.Errorf("got User-Agent %q; want %q", got, userAgent)
	}
}

func TestLenientAnswers(t *testing.T) {
	tests := []struct {
		name        string
		a           answer
		wantRefresh secret.String // for Refresh, which sent "old"
		wantExpires time.Duration
	}{
		{"standard", answer{body: okAnswer}, "rt2", time.Hour},
		{"lower-case bearer", answer{body: `{"access_token":"at1","token_type":"bearer","expires_in":60}`}, "", time.Minute},
		{"upper-case BEARER", answer{body: `{"access_token":"at1","token_type":"BEARER","expires_in":60}`}, "", time.Minute},
		{"no token_type", answer{body: `{"access_token":"at1","expires_in":60}`}, "", time.Minute},
		{"no expires_in", answer{body: `{"access_token":"at1","token_type":"Bearer"}`}, "", 0},
		{"null expires_in", answer{body: `{"access_token":"at1","expires_in":null}`}, "", 0},
		{"string expires_in", answer{body: `{"access_token":"at1","expires_in":"3599"}`}, "", 3599 * time.Second},
		{"negative expires_in", answer{body: `{"access_token":"at1","expires_in":-5}`}, "", 0},
		{"huge expires_in", answer{body: `{"access_token":"at1","expires_in":99999999999}`}, "", (1<<31 - 1) * time.Second},
		{"float expires_in", answer{body: `{"access_token":"at1","expires_in":3599.0}`}, "", 3599 * time.Second},
		{"exponent expires_in", answer{body: `{"access_token":"at1","expires_in":1e3}`}, "", 1000 * time.Second},
		{"fractional expires_in", answer{body: `{"access_token":"at1","expires_in":59.9}`}, "", 59 * time.Second},
		{"string float expires_in", answer{body: `{"access_token":"at1","expires_in":"3599.0"}`}, "", 3599 * time.Second},
		{"huge float expires_in", answer{body: `{"access_token":"at1","expires_in":1e300}`}, "", (1<<31 - 1) * time.Second},
		{"null refresh_token", answer{body: `{"access_token":"at1","refresh_token":null,"expires_in":60}`}, "", time.Minute},
		{"empty refresh_token", answer{body: `{"access_token":"at1","refresh_token":""}`}, "", 0},
		{"rotated refresh token", answer{body: `{"access_token":"at1","refresh_token":"new"}`}, "new", 0},
		{"same refresh token again", answer{body: `{"access_token":"at1","refresh_token":"old"}`}, "old", 0},
		{"form-encoded", answer{ctype: "application/x-www-form-urlencoded",
			body: "access_token=at1&token_type=bearer&expires_in=120&refresh_token=12345"}, "12345", 2 * time.Minute},
		{"form-encoded, no refresh", answer{ctype: "text/plain", body: "access_token=at1&expires_in=120"}, "", 2 * time.Minute},
		{"extra fields", answer{body: `{"access_token":"at1","scope":"a b","id_token":"x","ext_expires_in":7200}`}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpoint(t, tt.a)
			tok, err := new(Client).Refresh(t.Context(), e.params(), "old")
			if err != nil {
				t.Fatalf("Refresh: %v", err)
			}
			if tok.Access != "at1" {
				t.Errorf("got access token %q; want at1", tok.Access.Reveal())
			}
			if tok.Refresh != tt.wantRefresh {
				t.Errorf("got refresh token %q; want %q", tok.Refresh.Reveal(), tt.wantRefresh.Reveal())
			}
			if tok.ExpiresIn != tt.wantExpires {
				t.Errorf("got ExpiresIn %v; want %v", tok.ExpiresIn, tt.wantExpires)
			}
		})
	}
}

func TestExchangeRefreshToken(t *testing.T) {
	e := newEndpoint(t, answer{body: `{"access_token":"at1","token_type":"bearer","refresh_token":"rt1"}`})
	tok, err := new(Client).Exchange(t.Context(), e.params(), "code", "verifier")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Access != "at1" || tok.Refresh != "rt1" || tok.ExpiresIn != 0 {
		t.Errorf("got %q %q %v; want at1 rt1 0", tok.Access.Reveal(), tok.Refresh.Reveal(), tok.ExpiresIn)
	}
}

func TestRefreshWithoutTokenSendsNothing(t *testing.T) {
	e := newEndpoint(t, answer{body: okAnswer})
	_, err := new(Client).Refresh(t.Context(), e.params(), "")
	if class, _ := Classify(err); class != Permanent {
		t.Errorf("got %v (%v); want a permanent error", err, class)
	}
	if n := len(e.requests()); n != 0 {
		t.Errorf("got %d requests; want 0", n)
	}
}

func TestErrorMessages(t *testing.T) {
	long := make([]byte, 500)
	for i := range long {
		long[i] = 'x'
	}
	tests := []struct {
		name string
		a    answer
		want string
	}{
		{"oauth error", answer{status: 400, body: `{"error":"invalid_grant","error_description":"AADSTS70000: expired"}`},
			"token endpoint answered 400: invalid_grant: AADSTS70000: expired; hint: AADSTS70000: the grant is invalid, revoked or for other scopes: log in again"},
		{"oauth error in a 200", answer{body: `{"error":"invalid_grant"}`}, "token endpoint answered 200: invalid_grant"},
		{"html error page", answer{status: 502, ctype: "text/html", body: "<html>bad gateway</html>"}, "token endpoint answered 502"},
		{"control characters", answer{status: 400, body: `{"error":"invalid_grant","error_description":"a\u0000b\nc\u001b[31md\td"}`},
			"token endpoint answered 400: invalid_grant: a b c [31md d"},
		{"truncated description", answer{status: 400, body: `{"error":"e","error_description":"` + string(long) + `"}`},
			"token endpoint answered 400: e: " + string(long[:297]) + "..."},
		{"redirect", answer{status: 302, header: http.Header{"Location": {"http://elsewhere.invalid/"}}},
			"token endpoint answered 302 (a redirect, not followed)"},
		{"no access token", answer{body: `{"token_type":"bearer"}`}, "token endpoint answered without an access_token"},
		{"mac token", answer{body: `{"access_token":"a","token_type":"mac"}`}, `token endpoint answered with unsupported token_type "mac"`},
		{"not json", answer{body: `<html>`}, "token endpoint gave an unusable answer: cannot parse json: invalid character '<' looking for beginning of value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpoint(t, tt.a)
			_, err := new(Client).Refresh(t.Context(), e.params(), "rt")
			if err == nil {
				t.Fatalf("got no error; want %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

func TestRetrieveErrorReachable(t *testing.T) {
	e := newEndpoint(t, answer{status: 400, body: `{"error":"invalid_client"}`})
	_, err := new(Client).Exchange(t.Context(), e.params(), "c", "v")
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("got %T %v; want an error wrapping *oauth2.RetrieveError", err, err)
	}
	if re.ErrorCode != "invalid_client" {
		t.Errorf("got ErrorCode %q; want invalid_client", re.ErrorCode)
	}
}

// TestExchangeSpentCode: once the provider answered 2xx, the code is
// spent, so an answer that is no usable token is permanent for an
// exchange (issue 18 item 11), while the same answer to a refresh is
// transient and answers that are not the provider's stay transient.
func TestExchangeSpentCode(t *testing.T) {
	tests := []struct {
		name              string
		a                 answer
		exchange, refresh Class
	}{
		{"not json", answer{body: `<html>`}, Permanent, Transient},
		{"truncated", answer{body: `{"access_token":"a`}, Permanent, Transient},
		{"empty object", answer{body: `{}`}, Permanent, Transient},
		{"expires_in a word", answer{body: `{"access_token":"a","expires_in":"soon"}`}, Permanent, Transient},
		{"cut off", answer{header: http.Header{"Content-Length": {"1000"}}, body: `{"access_token":"a`}, Permanent, Transient},
		{"over 1 MiB", answer{body: `{"access_token":"` + strings.Repeat("a", maxBody) + `"}`}, Permanent, Transient},
		{"html 404", answer{status: 404, ctype: "text/html", body: `<html>not found</html>`}, Transient, Transient},
		{"503", answer{status: 503}, Transient, Transient},
		{"invalid_grant", answer{status: 400, body: `{"error":"invalid_grant"}`}, Permanent, Permanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpoint(t, tt.a)
			_, err := new(Client).Exchange(t.Context(), e.params(), "code", "verifier")
			if got, _ := Classify(err); got != tt.exchange {
				t.Errorf("Exchange: got %v (%v); want %v", got, err, tt.exchange)
			}
			_, err = new(Client).Refresh(t.Context(), e.params(), "rt")
			if got, _ := Classify(err); got != tt.refresh {
				t.Errorf("Refresh: got %v (%v); want %v", got, err, tt.refresh)
			}
		})
	}
}

// TestExchangeFloatExpiresIn: a float expires_in is a token, not a
// failure that spends the code (issue 18 item 11).
// TestJSONAsTextPlain: a token answer in JSON labelled text/plain is read
// as JSON; x/oauth2 reads text/plain as a form, found no access_token and
// the code was spent.
func TestJSONAsTextPlain(t *testing.T) {
	e := newEndpoint(t, answer{ctype: "text/plain;charset=UTF-8", body: okAnswer})
	tok, err := new(Client).Exchange(t.Context(), e.params(), "code", "verifier")
	if err != nil || tok.Access != "at1" || tok.Refresh != "rt2" || tok.ExpiresIn != time.Hour {
		t.Fatalf("Exchange = %+v, %v; want at1, rt2, 1h", tok, err)
	}
	form := newEndpoint(t, answer{ctype: "text/plain", body: "access_token=at3&token_type=bearer&expires_in=60"})
	if tok, err := new(Client).Refresh(t.Context(), form.params(), "rt"); err != nil || tok.Access != "at3" {
		t.Fatalf("Refresh with a form as text/plain = %+v, %v; want at3", tok, err)
	}
}

func TestExchangeFloatExpiresIn(t *testing.T) {
	e := newEndpoint(t, answer{body: `{"access_token":"at1","token_type":"Bearer","expires_in":3599.0,"refresh_token":"rt1"}`})
	tok, err := new(Client).Exchange(t.Context(), e.params(), "code", "verifier")
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.ExpiresIn != 3599*time.Second || tok.Refresh != "rt1" {
		t.Errorf("got %v, %q; want 3599s, rt1", tok.ExpiresIn, tok.Refresh.Reveal())
	}
}

// TestRefreshTokenExpiresIn: Google's refresh_token_expires_in reaches
// Token (issue 16 item 3).
func TestRefreshTokenExpiresIn(t *testing.T) {
	tests := []struct {
		name string
		a    answer
		want time.Duration
	}{
		{"json", answer{body: `{"access_token":"a","refresh_token":"r","refresh_token_expires_in":604799}`}, 604799 * time.Second},
		{"float", answer{body: `{"access_token":"a","refresh_token_expires_in":6.048e5}`}, 604800 * time.Second},
		{"form", answer{ctype: "application/x-www-form-urlencoded", body: "access_token=a&refresh_token_expires_in=60"}, time.Minute},
		{"absent", answer{body: `{"access_token":"a"}`}, 0},
		{"garbage", answer{body: `{"access_token":"a","refresh_token_expires_in":"soon"}`}, 0},
		{"negative", answer{body: `{"access_token":"a","refresh_token_expires_in":-1}`}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpoint(t, tt.a)
			tok, err := new(Client).Refresh(t.Context(), e.params(), "rt")
			if err != nil || tok.RefreshExpiresIn != tt.want {
				t.Errorf("got %v, %v; want %v", tok, err, tt.want)
			}
		})
	}
}
