package oauth

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// answerTransport answers every request with a fixed response, in memory.
type answerTransport struct {
	status      int
	ctype, body string
}

func (a answerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	return &http.Response{
		StatusCode: a.status,
		Status:     http.StatusText(a.status),
		Header:     http.Header{"Content-Type": {a.ctype}, "Retry-After": {a.body}},
		Body:       io.NopCloser(strings.NewReader(a.body)),
		Request:    req,
	}, nil
}

// FuzzTokenAnswer: whatever a provider answers, Refresh neither panics nor
// puts a secret or unprintable text into an error, and Classify decides.
func FuzzTokenAnswer(f *testing.F) {
	f.Add(200, "application/json", okAnswer)
	f.Add(200, "application/json", `{"access_token":"a","expires_in":"12","refresh_token":null}`)
	f.Add(400, "application/json", `{"error":"invalid_grant","error_description":"CANARY"}`)
	f.Add(200, "text/plain", "access_token=a&expires_in=-1&refresh_token=CANARY")
	f.Add(503, "text/html", "<html>\x00\xff</html>")
	f.Add(307, "", "")
	f.Fuzz(func(t *testing.T, status int, ctype, body string) {
		if status < 100 || status > 999 {
			return
		}
		c := &Client{HTTP: &http.Client{Transport: answerTransport{status, ctype, body}}}
		p := Params{TokenURI: "http://idp.invalid/token", ClientID: "c", ClientSecret: "CANARY"}
		tok, err := c.Refresh(t.Context(), p, "CANARY")
		if (tok == nil) == (err == nil) {
			t.Fatalf("got token %v and error %v; want exactly one", tok, err)
		}
		if err == nil {
			if tok.Access.IsZero() || tok.ExpiresIn < 0 {
				t.Errorf("got token %+v; want an access token and ExpiresIn >= 0", tok)
			}
			return
		}
		msg := err.Error()
		if strings.Contains(msg, "CANARY") || !utf8.ValidString(msg) || len(msg) > 500 {
			t.Errorf("got error %q; want short, valid UTF-8, no secret", msg)
		}
		if class, after := Classify(err); (class != Transient && class != Permanent) || after < 0 || after > maxRetryAfter {
			t.Errorf("Classify = %v, %v", class, after)
		}
	})
}
