package oauth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestClassifyStatuses(t *testing.T) {
	transient := map[int]bool{408: true, 429: true, 500: true, 502: true, 503: true, 504: true}
	statuses := []int{300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 408, 409, 410, 413, 418, 422, 429, 500, 501, 502, 503, 504, 505, 511}
	bodies := []struct {
		name, ctype, body string
		oauth             bool // an OAuth error answer
	}{
		{"empty", "", "", false},
		{"html", "text/html", "<html><body>oops</body></html>", false},
		{"oauth invalid_grant", "", `{"error":"invalid_grant"}`, true},
		{"oauth invalid_client", "", `{"error":"invalid_client","error_description":"bad"}`, true},
		{"oauth unauthorized_client, form", "application/x-www-form-urlencoded", `error=unauthorized_client`, true},
		{"oauth invalid_grant, json as text/plain", "text/plain", `{"error":"invalid_grant"}`, true},
		{"oauth invalid_grant, json as text/plain with charset", "text/plain; charset=utf-8", `{"error":"invalid_grant","error_description":"gone"}`, true},
		{"truncated json", "", `{"error":"inv`, false},
		{"empty json", "", `{}`, false},
		{"error code with a newline", "", `{"error":"invalid_grant\n"}`, false},
		{"a token", "", okAnswer, false},
	}
	for _, status := range statuses {
		for _, b := range bodies {
			t.Run(fmt.Sprintf("%d %s", status, b.name), func(t *testing.T) {
				e := newEndpoint(t, answer{status: status, ctype: b.ctype, body: b.body})
				_, err := new(Client).Refresh(t.Context(), e.params(), "rt")
				// Only an OAuth error in a 4xx answer is about the token.
				want := Transient
				if b.oauth && status/100 == 4 && !transient[status] {
					want = Permanent
				}
				if got, _ := Classify(err); got != want {
					t.Errorf("got %v (%v); want %v", got, err, want)
				}
			})
		}
	}
}

func TestClassifyAnswers(t *testing.T) {
	tests := []struct {
		name string
		a    answer
		want Class
	}{
		{"truncated json", answer{body: `{"access_token":"at1","expi`}, Transient},
		{"empty body", answer{body: ""}, Transient},
		{"not json", answer{body: "<html>captive portal</html>"}, Transient},
		{"html content type", answer{ctype: "text/html", body: "<html>captive portal</html>"}, Transient},
		{"json but not an object", answer{body: `[1,2]`}, Transient},
		{"expires_in not a number", answer{body: `{"access_token":"at1","expires_in":"soon"}`}, Transient},
		{"201 truncated", answer{status: 201, body: `{"acc`}, Transient},
		{"empty object", answer{body: `{}`}, Transient},
		{"empty access token", answer{body: `{"access_token":""}`}, Transient},
		{"null access token", answer{body: `{"access_token":null,"token_type":"bearer"}`}, Transient},
		{"error in a 200", answer{body: `{"error":"invalid_grant"}`}, Permanent},
		{"temporarily_unavailable in a 200", answer{body: `{"error":"temporarily_unavailable"}`}, Transient},
		{"server_error in a 400", answer{status: 400, body: `{"error":"server_error"}`}, Transient},
		{"unauthorized_client", answer{status: 400, body: `{"error":"unauthorized_client"}`}, Permanent},
		{"unsupported token type", answer{body: `{"access_token":"a","token_type":"MAC"}`}, Permanent},
		{"form without access token", answer{ctype: "text/plain", body: "hello"}, Transient},
		{"html page in a 200", answer{ctype: "text/html", body: "<html>maintenance</html>"}, Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpoint(t, tt.a)
			_, err := new(Client).Refresh(t.Context(), e.params(), "rt")
			if err == nil {
				t.Fatalf("got no error; want %v", tt.want)
			}
			if got, _ := Classify(err); got != tt.want {
				t.Errorf("got %v (%v); want %v", got, err, tt.want)
			}
		})
	}
}

func TestClassifyNetworkErrors(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler()) // certificate not trusted by our client
	t.Cleanup(tlsSrv.Close)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte(`{"access_token":"a`))
	}))
	t.Cleanup(cut.Close)

	expired, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		uri  string
		want Class
	}{
		{"connection refused", t.Context(), closed.URL, Transient},
		{"tls", t.Context(), tlsSrv.URL, Transient},
		{"cancelled", expired, hang.URL, Transient},
		{"body cut short", t.Context(), cut.URL, Transient},
		{"unparseable token uri", t.Context(), "http://[::1", Permanent},
		{"empty token uri", t.Context(), "", Permanent},
		{"ftp token uri", t.Context(), "ftp://idp.example/token", Permanent},
		{"relative token uri", t.Context(), "/token", Permanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Params{TokenURI: tt.uri, ClientID: "c"}
			_, err := new(Client).Refresh(tt.ctx, p, "rt")
			if got, _ := Classify(err); got != tt.want {
				t.Errorf("got %v (%v); want %v", got, err, tt.want)
			}
		})
	}
	t.Run("deadline", func(t *testing.T) {
		// The deadline is already past, so nothing waits on the clock.
		ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
		defer cancel()
		_, err := new(Client).Refresh(ctx, Params{TokenURI: hang.URL}, "rt")
		if got, _ := Classify(err); got != Transient {
			t.Errorf("got %v (%v); want %v", got, err, Transient)
		}
	})
}

func TestClassifyNil(t *testing.T) {
	if c, d := Classify(nil); c != 0 || d != 0 {
		t.Errorf("Classify(nil) = %v, %v; want 0, 0", c, d)
	}
}

func TestNoRedirectFollowed(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var hits atomic.Int32
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(okAnswer))
			}))
			t.Cleanup(target.Close)
			e := newEndpoint(t, answer{status: status, header: http.Header{"Location": {target.URL + "/token"}}})
			p := e.params()
			p.ClientSecret = "secret"
			_, err := new(Client).Refresh(t.Context(), p, "rt")
			if got, _ := Classify(err); got != Transient {
				t.Errorf("got %v (%v); want %v: a redirect is not an OAuth answer", got, err, Transient)
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("redirect target got %d requests; want 0", n)
			}
		})
	}
}

func TestBodyCap(t *testing.T) {
	huge := strings.Repeat("a", 5<<20)
	e := newEndpoint(t, answer{body: `{"access_token":"` + huge + `"}`})
	_, err := new(Client).Refresh(t.Context(), e.params(), "rt")
	if got, _ := Classify(err); got != Transient {
		t.Errorf("got %v (%v); want %v", got, err, Transient)
	}
	if len(err.Error()) > 300 {
		t.Errorf("got an error of %d bytes; want a short one", len(err.Error()))
	}
}

func TestHTTPClientCap(t *testing.T) {
	tests := []struct {
		size    int
		wantErr bool
	}{{0, false}, {maxBody, false}, {maxBody + 1, true}, {5 << 20, true}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.size), func(t *testing.T) {
			e := newEndpoint(t, answer{body: strings.Repeat("x", tt.size)})
			resp, err := NewHTTPClient().Get(e.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			n := len(b)
			if (err != nil) != tt.wantErr {
				t.Errorf("read %d bytes, error %v; want error: %v", n, err, tt.wantErr)
			}
			if n > maxBody {
				t.Errorf("read %d bytes; want at most %d", n, maxBody)
			}
		})
	}
}
