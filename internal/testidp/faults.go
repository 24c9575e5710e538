package testidp

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// Fault is an answer given instead of the endpoint's own.
type Fault struct {
	Status      int         // 0: 400 with an OAuthError, else 503
	RetryAfter  string      // Retry-After header, when non-empty
	Header      http.Header // further headers; Content-Type defaults to application/json
	Body        string      // raw body; "" with an OAuthError: the error as JSON
	OAuthError  string      // e.g. "invalid_grant"
	Description string      // error_description with OAuthError
	// EchoSecrets, with an OAuthError, makes error_description (and
	// error_uri) repeat every secret the request carried, as sent and
	// re-encoded, as a careless provider's debugging output would: see
	// EchoSecrets.
	EchoSecrets bool
	Hang        bool // answer nothing until the client gives up or Close
	// Delay holds the answer back this long (less when the client gives up
	// or Close, and then nothing is answered). A Fault with only a Delay
	// lets the endpoint answer as usual afterwards: a slow provider.
	Delay time.Duration
}

// onlyDelay reports whether f is a slow answer rather than a wrong one.
func (f Fault) onlyDelay() bool {
	return f.Status == 0 && f.RetryAfter == "" && f.Header == nil && f.Body == "" && f.OAuthError == "" && !f.Hang
}

// FailNext makes the next n requests to endpoint (a path such as PathToken,
// or "token") get f. Calls queue up in order.
func (p *Provider) FailNext(endpoint string, n int, f Fault) {
	endpoint = endpointKey(endpoint)
	p.mu.Lock()
	defer p.mu.Unlock()
	for range n {
		p.faults[endpoint] = append(p.faults[endpoint], f)
	}
}

// StartOutage makes every request to every endpoint get f until EndOutage.
// Queued faults wait until then.
func (p *Provider) StartOutage(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outage = &f
}

// EndOutage ends an outage.
func (p *Provider) EndOutage() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outage = nil
}

// intercept records every request and answers with a fault when one is due.
func (p *Provider) intercept(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.record(w, r) {
			return
		}
		if f, ok := p.nextFault(r.URL.Path); ok {
			if !p.delay(r, f.Delay) {
				p.gaveUp(r.URL.Path)
				panic(http.ErrAbortHandler) // the client gave up: answer nothing
			}
			if !f.onlyDelay() {
				p.serveFault(w, r, f)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (p *Provider) nextFault(endpoint string) (Fault, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.outage != nil {
		return *p.outage, true
	}
	q := p.faults[endpoint]
	if len(q) == 0 {
		return Fault{}, false
	}
	p.faults[endpoint] = q[1:]
	return q[0], true
}

// delay waits d; false when the client gave up first. It does not watch
// Close, which ends the requests of real connections anyway: a channel
// made outside a synctest bubble would keep the bubble's clock from
// moving.
func (p *Provider) delay(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	defer p.hold(r.URL.Path)()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func (p *Provider) serveFault(w http.ResponseWriter, r *http.Request, f Fault) {
	if f.Hang {
		release := p.hold(r.URL.Path)
		select {
		case <-r.Context().Done():
			release()
			p.gaveUp(r.URL.Path)
		case <-p.closed:
			release()
		}
		panic(http.ErrAbortHandler) // drop the connection without an answer
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	for k, vs := range f.Header {
		h[http.CanonicalHeaderKey(k)] = vs
	}
	if f.RetryAfter != "" {
		h.Set("Retry-After", f.RetryAfter)
	}
	status, body := f.Status, f.Body
	if status == 0 {
		status = http.StatusServiceUnavailable
		if f.OAuthError != "" {
			status = http.StatusBadRequest
		}
	}
	if body == "" && f.OAuthError != "" {
		e := errorBody{Error: f.OAuthError, Description: f.Description}
		if f.EchoSecrets {
			e.Description, e.URI = EchoSecrets(r.Form), "https://idp.invalid/error?"+r.Form.Encode()
		}
		b, _ := json.Marshal(e)
		body = string(b)
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}
