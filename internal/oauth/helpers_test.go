package oauth

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// answer is what a fake token endpoint says.
type answer struct {
	status int    // 0: 200
	ctype  string // "": application/json
	header http.Header
	body   string
}

// seen is one request a fake endpoint received.
type seen struct {
	header http.Header
	body   string
}

// fakeEndpoint is a token endpoint that gives a fixed answer and records
// what it got.
type fakeEndpoint struct {
	*httptest.Server
	mu   sync.Mutex // guards reqs
	reqs []seen
}

func newEndpoint(t *testing.T, a answer) *fakeEndpoint {
	t.Helper()
	e := &fakeEndpoint{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.reqs = append(e.reqs, seen{r.Header.Clone(), string(b)})
		e.mu.Unlock()
		for k, v := range a.header {
			w.Header()[k] = v
		}
		ctype := a.ctype
		if ctype == "" {
			ctype = "application/json"
		}
		w.Header().Set("Content-Type", ctype)
		if a.status != 0 {
			w.WriteHeader(a.status)
		}
		io.WriteString(w, a.body)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *fakeEndpoint) requests() []seen {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]seen(nil), e.reqs...)
}

func (e *fakeEndpoint) params() Params {
	return Params{TokenURI: e.URL + "/token", ClientID: "cid", RedirectURI: "http://localhost:1234/"}
}
