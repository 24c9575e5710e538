// Package redirect runs the loopback HTTP and HTTPS listeners that receive
// the browser's OAuth redirect (RFC 8252, section 7.3).
//
// A Listener knows nothing about accounts: it checks that a request looks
// like an authorisation callback (a GET carrying exactly one state; a HEAD
// is answered without the handler, so that a prefetcher cannot use up the
// state), hands the parsed Callback to a Handler and writes the Page the
// handler returns as a small HTML page, the text escaped. The listener is
// hardened against the local clients it may meet besides the browser:
// request line and headers are capped at 16 KiB, every phase of a
// connection has a deadline, a connection carries one request, and at most
// 256 connections are kept open, the longest idle one (or, when none is
// idle, the oldest) being dropped to make room, silent ones first, so that
// idle, slow or flooding clients cannot keep a genuine redirect waiting. ListenLoopback
// holds one port on both loopback addresses, so that no other user can take
// the one a browser resolves "localhost" to.
//
// The request URL carries the authorisation code, so it is never logged:
// only the method, path and status of each request are.
package redirect

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// Limits of the listener. maxHeaderBytes is chosen so that net/http's read
// limit for the request line and headers (MaxHeaderBytes plus 4096 bytes of
// bufio slop) is exactly maxRequestHead.
const (
	maxRequestHead    = 16 << 10
	maxHeaderBytes    = maxRequestHead - 4096
	maxConns          = 256
	readHeaderTimeout = 5 * time.Second // also the TLS handshake deadline
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 30 * time.Second
)

// Callback is an authorisation response received on a redirect listener.
type Callback struct {
	TLS              bool   // received by the HTTPS listener
	Path             string // the request's path, decoded
	State            string // never empty
	Code             secret.String
	Error            string // the provider's error=, e.g. access_denied
	ErrorDescription string
	ErrorURI         string // the provider's error_uri, a page about the error
}

// Page is the answer shown to the browser.
type Page struct {
	Status int    // HTTP status; 0 means 200
	Body   string // plain text, shown escaped as the page's heading (see pageHTML)
}

// Handler decides what a callback means and what the browser sees. It is
// called on the request's goroutine and must not block.
type Handler func(Callback) Page

// Listener is a bound redirect listener. Serve it once, then Close it.
type Listener struct {
	// Logger receives one debug record per request (method, path and status)
	// and the server's own errors. Nil means nothing is logged. Set it before
	// Serve.
	Logger *slog.Logger

	socks  []*net.TCPListener // one port; the first is the one Port reports
	limit  *connLimit         // shared by every socket
	lns    []net.Listener     // one per socket: limited, wrapped by TLS for HTTPS
	tls    bool
	srv    *http.Server
	h      Handler // set by Serve before the server starts
	active gate
}

// Listen binds addr ("127.0.0.1:0", "[::1]:8080", ...). With a nil cert the
// listener speaks HTTP; otherwise HTTPS (TLS 1.2 or later) with cert.
func Listen(addr string, cert *tls.Certificate) (*Listener, error) {
	if err := checkCert(cert); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("redirect listener: %w", err)
	}
	return newListener([]*net.TCPListener{ln.(*net.TCPListener)}, cert), nil
}

func checkCert(cert *tls.Certificate) error {
	if cert != nil && len(cert.Certificate) == 0 {
		return errors.New("https listener needs a certificate")
	}
	return nil
}

// newListener serves socks, which share a port, as one listener.
func newListener(socks []*net.TCPListener, cert *tls.Certificate) *Listener {
	l := &Listener{socks: socks, limit: newConnLimit(maxConns, cert != nil), tls: cert != nil}
	for _, sock := range socks {
		var ln net.Listener = l.limit.wrap(sock)
		if cert != nil {
			ln = tls.NewListener(ln, &tls.Config{
				Certificates:       []tls.Certificate{*cert},
				MinVersion:         tls.VersionTLS12,
				NextProtos:         []string{"http/1.1"},
				GetConfigForClient: l.limit.helloReceived,
			})
		}
		l.lns = append(l.lns, ln)
	}
	l.srv = &http.Server{
		Handler:   http.HandlerFunc(l.serveHTTP),
		ConnState: l.limit.connState,
		// OPTIONS * too gets our 405 rather than net/http's 200.
		DisableGeneralOptionsHandler: true,
		MaxHeaderBytes:               maxHeaderBytes,
		ReadHeaderTimeout:            readHeaderTimeout,
		ReadTimeout:                  readTimeout,
		WriteTimeout:                 writeTimeout,
		IdleTimeout:                  idleTimeout,
	}
	// One request per connection, as the original: a client pipelining
	// requests it never reads the answers to cannot keep a connection busy.
	l.srv.SetKeepAlivesEnabled(false)
	return l
}

// Port returns the port the listener is bound to.
func (l *Listener) Port() int {
	return l.socks[0].Addr().(*net.TCPAddr).Port
}

// Serve answers requests until ctx is done or Close is called, then returns
// nil; any other failure of the server is returned. When Serve returns, no
// call of h is in progress and none will start.
//
// The TLS handshake of each HTTPS connection gets a deadline: net/http sets
// one per connection, the smallest of the server's read-header, read and
// write timeouts (readHeaderTimeout).
func (l *Listener) Serve(ctx context.Context, h Handler) error {
	l.h = h
	l.srv.ErrorLog = l.errorLog()
	stop := context.AfterFunc(ctx, func() { l.srv.Close() })
	defer stop()
	errs := make(chan error, len(l.lns))
	for _, ln := range l.lns {
		go func() { errs <- l.srv.Serve(ln) }()
	}
	var failure error
	for range l.lns {
		if err := <-errs; !errors.Is(err, http.ErrServerClosed) && failure == nil {
			failure = fmt.Errorf("redirect listener: %w", err)
			l.srv.Close() // stops the other sockets too
		}
	}
	l.active.close()
	return failure
}

// Close stops the listener and closes every connection.
func (l *Listener) Close() error {
	err := l.srv.Close()
	for _, ln := range l.lns {
		if cerr := ln.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) && err == nil {
			err = cerr
		}
	}
	return err
}

// errorLog routes net/http's own messages (TLS handshake failures, accept
// errors) to the debug level. None of them carries a request URL.
func (l *Listener) errorLog() *log.Logger {
	if l.Logger == nil {
		return log.New(io.Discard, "", 0)
	}
	return slog.NewLogLogger(l.Logger.Handler(), slog.LevelDebug)
}

// gate lets Serve wait for running handlers and refuse later ones.
type gate struct {
	mu     sync.RWMutex // read-held by each running handler
	closed bool         // guarded by mu
}

// enter reports whether a handler may run; if so, the caller must call leave.
func (g *gate) enter() bool {
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return false
	}
	return true
}

func (g *gate) leave() { g.mu.RUnlock() }

// close waits for running handlers to leave and refuses later ones.
func (g *gate) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}
