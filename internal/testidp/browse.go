package testidp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"
)

// maxPage caps what Browse and Transport read of an answer.
const maxPage = 1 << 20

// browser follows up to 10 redirects, loopback only, and trusts any
// certificate: pizauth's HTTPS listener has a fresh self-signed one.
var browser = &http.Client{
	Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // loopback only, see CheckRedirect
		DisableKeepAlives: true,
	},
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return loopbackOnly(req.URL)
	},
	Timeout: 30 * time.Second,
}

// Browse is a fake browser: it GETs rawURL, follows redirects (from the
// provider to pizauth's redirect listener), and returns the final page.
// Every URL on the way must be http or https to a loopback host.
func Browse(ctx context.Context, rawURL string) (status int, body string, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, "", fmt.Errorf("browse: %w", err)
	}
	if err := loopbackOnly(u); err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return 0, "", fmt.Errorf("browse: %w", err)
	}
	resp, err := browser.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("browse: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	if err != nil {
		return resp.StatusCode, "", fmt.Errorf("browse: reading %q: %w", resp.Request.URL.Redacted(), err)
	}
	return resp.StatusCode, string(b), nil
}

func loopbackOnly(u *url.URL) error {
	if (u.Scheme != "http" && u.Scheme != "https") || !isLoopback(u.Hostname()) {
		return fmt.Errorf("browse: refusing %q: only http(s) to loopback hosts", u.Redacted())
	}
	return nil
}

// Transport returns a RoundTripper that serves requests with p's handler in
// memory, whatever their host: no sockets, so it works inside a
// testing/synctest bubble. A Hang fault ends with an error when the
// request's context is done or p is closed.
func (p *Provider) Transport() http.RoundTripper { return memTransport{p.handler} }

type memTransport struct{ h http.Handler }

func (t memTransport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	sreq := req.Clone(req.Context())
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = "127.0.0.1:1"
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			resp, err = nil, errors.New("testidp: connection closed without an answer")
			if cerr := req.Context().Err(); cerr != nil {
				resp, err = nil, cerr // as net/http's transport says it
			}
		}
	}()
	t.h.ServeHTTP(rec, sreq)
	res := rec.Result()
	res.Request = req
	return res, nil
}
