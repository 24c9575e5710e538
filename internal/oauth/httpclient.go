package oauth

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// userAgent is sent with every request of a client made by NewHTTPClient
// that does not set its own.
const userAgent = "pizauth-go (+https://github.com/pizauth-go/pizauth)"

// maxBody caps every response body read through NewHTTPClient's clients.
const maxBody = 1 << 20

// errBodyTooLarge is returned by a response body read past maxBody.
var errBodyTooLarge = errors.New("response body exceeds 1 MiB")

// NewHTTPClient returns the client for talking to providers: a 30 s overall
// timeout, dial, TLS handshake and response header timeouts, proxies from
// the environment, and the User-Agent above.
//
// It follows no redirect: the 3xx answer itself is returned (the default
// client would re-POST a refresh token on 307 and 308, possibly to another
// host). Reading a response body past 1 MiB fails.
//
// Connections are reused only while requests overlap: when the last
// response under way has been read or closed, the idle connections are
// closed. A server's requests are rare (a refresh per account and hour);
// a connection kept for IdleConnTimeout after each of them costs a
// wake-up of the idle process to close it, for a reuse that seldom comes.
// A burst (logins, or refreshes at start) still shares its connections.
func NewHTTPClient() *http.Client {
	t := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  20 * time.Second,
		ExpectContinueTimeout:  time.Second,
		IdleConnTimeout:        90 * time.Second,
		MaxIdleConns:           16,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: &transport{base: t},
		Timeout:   30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// idleCloser is the part of *http.Transport that transport needs.
type idleCloser interface {
	http.RoundTripper
	CloseIdleConnections()
}

// transport sets the User-Agent, caps response bodies and closes the idle
// connections when no request is under way.
type transport struct {
	base idleCloser

	mu       sync.Mutex // guards inFlight
	inFlight int        // requests sent whose response is not yet read or closed
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context()) // a RoundTripper must not change req
		req.Header.Set("User-Agent", userAgent)
	}
	t.mu.Lock()
	t.inFlight++
	t.mu.Unlock()
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		t.done()
		return nil, err
	}
	resp.Body = &cappedBody{rc: resp.Body, left: maxBody, done: sync.OnceFunc(t.done)}
	return resp, nil
}

// done counts a request finished and, when it was the last one under way,
// closes the idle connections. A response read to its end has given its
// HTTP/1 connection back to the pool by then (net/http makes the reader at
// EOF wait for that), so the connection is closed here and not by a timer
// of the idle process later.
func (t *transport) done() {
	t.mu.Lock()
	t.inFlight--
	last := t.inFlight == 0
	t.mu.Unlock()
	if last {
		t.base.CloseIdleConnections()
	}
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach base.
func (t *transport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// cappedBody reads at most left more bytes; reading beyond them fails with
// errBodyTooLarge when there is more, and gives io.EOF when there is not.
// done is called at the end of the body or at Close, whichever comes first.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
	done func()
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.read(p)
	if err == io.EOF {
		b.done()
	}
	return n, err
}

func (b *cappedBody) read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errBodyTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error {
	err := b.rc.Close()
	b.done()
	return err
}
