package testidp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// maxRequestBody caps what the provider reads of a request body.
const maxRequestBody = 64 << 10

// Request is one request the provider received, faulted ones included.
type Request struct {
	Endpoint string // the URL path, e.g. PathToken
	Method   string
	URL      string // the request URI, with its query
	Time     time.Time
	Header   http.Header
	Form     url.Values // query and POST form together; secrets included
	Body     string     // the raw body of a POST
}

// Issued is one successful token answer.
type Issued struct {
	Grant     string // "authorization_code" or "refresh_token"
	ClientID  string
	Access    string
	Refresh   string        // "" when the answer carried none
	ExpiresIn time.Duration // 0 when the answer carried none
	Time      time.Time
}

// Requests returns every request so far, in order of arrival.
func (p *Provider) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.requests...)
}

// Count returns how many requests reached endpoint (a path such as
// PathToken, or "token").
func (p *Provider) Count(endpoint string) int {
	endpoint = endpointKey(endpoint)
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, r := range p.requests {
		if r.Endpoint == endpoint {
			n++
		}
	}
	return n
}

// WaitCount blocks until endpoint has had at least n requests, or ctx is
// done. Tests use it to know a request arrived (e.g. one that hangs) without
// sleeping.
func (p *Provider) WaitCount(ctx context.Context, endpoint string, n int) error {
	for {
		p.mu.Lock()
		arrived := p.arrived
		p.mu.Unlock()
		if p.Count(endpoint) >= n {
			return nil
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d requests to %q: %w", n, endpointKey(endpoint), ctx.Err())
		}
	}
}

// Tokens returns every successful token answer so far, in order.
func (p *Provider) Tokens() []Issued {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Issued(nil), p.issued...)
}

// LastAccessToken returns the access token issued last, or "".
func (p *Provider) LastAccessToken() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.issued) == 0 {
		return ""
	}
	return p.issued[len(p.issued)-1].Access
}

// record reads and remembers r, leaving its body readable and its form
// parsed. A body over maxRequestBody is answered 413.
func (p *Provider) record(w http.ResponseWriter, r *http.Request) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ParseForm() // a malformed form is left empty; the endpoint refuses it
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, Request{
		Endpoint: r.URL.Path,
		Method:   r.Method,
		URL:      r.RequestURI,
		Time:     time.Now(),
		Header:   r.Header.Clone(),
		Form:     cloneValues(r.Form),
		Body:     string(body),
	})
	p.wakeLocked()
	return true
}

// wakeLocked wakes the Wait methods to check again.
func (p *Provider) wakeLocked() {
	close(p.arrived)
	p.arrived = make(chan struct{})
}

// waitFor blocks until done holds (checked under p.mu), or ctx is done.
func (p *Provider) waitFor(ctx context.Context, done func() bool) error {
	for {
		p.mu.Lock()
		arrived, ok := p.arrived, done()
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func cloneValues(v url.Values) url.Values {
	c := make(url.Values, len(v))
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}
