package testidp_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/testidp"
)

func newProvider(t *testing.T) *testidp.Provider {
	t.Helper()
	p := testidp.New()
	t.Cleanup(p.Close)
	return p
}

// listener stands in for pizauth's redirect listener: it hands every query
// it gets to the channel and answers "done".
func listener(t *testing.T) (redirectURI string, got <-chan url.Values) {
	t.Helper()
	ch := make(chan url.Values, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ch <- r.URL.Query()
		io.WriteString(w, "done")
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/cb", ch
}

// noFollow does not follow redirects, to look at /authorize's answers.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

const verifier = "a-verifier-of-at-least-forty-three-characters.~_0123456789"

func challengeOf(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authQuery is a valid authorisation request for client "pub".
func authQuery(redirectURI string) url.Values {
	return url.Values{
		"client_id":             {"pub"},
		"redirect_uri":          {redirectURI},
		"response_type":         {"code"},
		"state":                 {"st"},
		"code_challenge":        {challengeOf(verifier)},
		"code_challenge_method": {"S256"},
		"scope":                 {"mail offline_access"},
	}
}

// authorize sends q to /authorize without following the redirect and
// returns the status and the redirect's query (nil when none).
func authorize(t *testing.T, p *testidp.Provider, q url.Values) (int, url.Values) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", p.AuthURI()+"?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if loc == "" {
		return resp.StatusCode, nil
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("Location %q: %v", loc, err)
	}
	return resp.StatusCode, u.Query()
}

// code gets a fresh code for q.
func code(t *testing.T, p *testidp.Provider, q url.Values) string {
	t.Helper()
	status, back := authorize(t, p, q)
	if status != http.StatusFound || back.Get("code") == "" {
		t.Fatalf("authorize: got %d %v; want 302 with a code", status, back)
	}
	return back.Get("code")
}

// tokenAnswer is the token endpoint's answer, success or error.
type tokenAnswer struct {
	status       int
	AccessToken  string  `json:"access_token"`
	TokenType    *string `json:"token_type"`
	ExpiresIn    *int64  `json:"expires_in"`
	RefreshToken *string `json:"refresh_token"`
	Error        string  `json:"error"`
}

// post sends form to /token, with Basic credentials when user != "".
func post(t *testing.T, p *testidp.Provider, path string, form url.Values, user, pass string) tokenAnswer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", p.URL()+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := tokenAnswer{status: resp.StatusCode}
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("answer %q: %v", b, err)
		}
	}
	return a
}
