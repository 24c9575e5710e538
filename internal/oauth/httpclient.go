package oauth

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
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

// transport sets the User-Agent and caps response bodies.
type transport struct{ base http.RoundTripper }

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context()) // a RoundTripper must not change req
		req.Header.Set("User-Agent", userAgent)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &cappedBody{rc: resp.Body, left: maxBody}
	return resp, nil
}

// cappedBody reads at most left more bytes; reading beyond them fails with
// errBodyTooLarge when there is more, and gives io.EOF when there is not.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
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

func (b *cappedBody) Close() error { return b.rc.Close() }
