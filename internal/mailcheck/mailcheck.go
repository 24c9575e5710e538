// Package mailcheck logs in to mail servers with an OAuth2 access token,
// over IMAP, POP3 or SMTP with XOAUTH2 or OAUTHBEARER, to tell whether the
// token works where it will be used: `pizauth test`. Its clients do only
// that (greeting, capabilities, STARTTLS, AUTHENTICATE, logout), always
// over TLS, within a deadline and with every response bounded in size, and
// never show the token, even where a server echoes it.
package mailcheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/pizauth-go/pizauth/internal/mailcheck/plan"
)

// Config is what every login of one `pizauth test` shares.
type Config struct {
	User  string
	Token string // never printed
	// TLS is the base TLS configuration (RootCAs); each login sets the
	// server name. nil: the system's roots.
	TLS *tls.Config
	// Dial opens connections; nil: a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Outcome is how a login ended.
type Outcome int

const (
	// Failed: the token could not be tried (network, TLS, no OAuth
	// mechanism, a broken server).
	Failed Outcome = iota
	// Refused: the server answered the login with a refusal.
	Refused
	// LoggedIn: the server accepted the token.
	LoggedIn
)

// Result is one login's outcome. Every string in it that comes from the
// server is free of the token and of terminal control characters.
type Result struct {
	Target    plan.Target
	Outcome   Outcome
	Mech      string // the mechanism tried, if one was
	Via       string // how TLS started: "TLS" or "STARTTLS"
	Challenge string // the server's error challenge, decoded; "" if none
	Reply     string // the server's answer to the login, for Refused
	Err       error  // why, for Failed
}

// String is the result's line in pizauth test's output.
func (r Result) String() string {
	head := string(r.Target.Protocol) + " " + r.Target.Addr() + ": "
	switch r.Outcome {
	case LoggedIn:
		return head + "ok: logged in with " + r.Mech + " (" + r.Via + ")"
	case Refused:
		s := head + "refused: " + r.Mech + " (" + r.Via + ")"
		if r.Challenge != "" {
			s += ": " + r.Challenge
		}
		return s + "; the server said " + r.Reply
	}
	return head + "failed: " + printable(r.Err.Error())
}

// Check logs in to t with cfg's user and token and returns the outcome;
// it gives up when ctx ends.
func Check(ctx context.Context, t plan.Target, cfg Config) Result {
	s := newSession(t, cfg)
	r, err := s.run(ctx)
	switch {
	case err != nil && errors.Is(ctx.Err(), context.Canceled):
		r = Result{Outcome: Failed, Err: ctx.Err()}
	case err != nil && (errors.Is(err, os.ErrDeadlineExceeded) || ctx.Err() != nil):
		r = Result{Outcome: Failed, Err: errTimeout}
	case err != nil:
		r = Result{Outcome: Failed, Err: err}
	}
	r.Target = t
	return r
}

// errTimeout is a login cut short by its deadline.
var errTimeout = errors.New("timed out waiting for the server")

// errPlainGreeting is a TLS handshake answered by a plain-text greeting.
var errPlainGreeting = errors.New("the server greeted in plain text where TLS was expected")

// run connects as t.Mode says and logs in.
func (s *session) run(ctx context.Context) (Result, error) {
	implicit := s.target.Mode != plan.StartTLS
	r, err := s.connectAndLogin(ctx, implicit)
	if errors.Is(err, errPlainGreeting) && s.target.Mode == plan.ImplicitOrStartTLS {
		return s.connectAndLogin(ctx, false)
	}
	return r, err
}

// connectAndLogin opens a connection, with TLS from the start when
// implicit is set, and logs in over it.
func (s *session) connectAndLogin(ctx context.Context, implicit bool) (Result, error) {
	c, err := s.dial(ctx)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	if implicit {
		if c, err = s.handshake(c); err != nil {
			return Result{}, err
		}
		s.via = "TLS"
	} else {
		s.via = "STARTTLS"
	}
	s.w = newTextConn(c, s.tlsCfg, implicit)
	return s.login()
}

// dial connects to the target with ctx's deadline on every read and
// write, and aborts them when ctx ends.
func (s *session) dial(ctx context.Context) (net.Conn, error) {
	c, err := s.dialer(ctx, "tcp", s.target.Addr())
	if err != nil {
		return nil, err
	}
	if d, ok := ctx.Deadline(); ok {
		c.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	return &stopConn{Conn: c, stop: stop}, nil
}

// stopConn stops its context watch when closed.
type stopConn struct {
	net.Conn
	stop func() bool
}

func (c *stopConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// handshake starts TLS on a new connection. A server that sends its
// plain-text greeting instead gets errPlainGreeting.
func (s *session) handshake(c net.Conn) (net.Conn, error) {
	tc := tls.Client(c, s.tlsCfg)
	err := tc.Handshake()
	var rh tls.RecordHeaderError
	switch {
	case errors.As(err, &rh) && looksLikeGreeting(s.target.Protocol, rh.RecordHeader[:]):
		return nil, fmt.Errorf("%w (%s)", errPlainGreeting, quote(string(rh.RecordHeader[:])))
	case err != nil:
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}

// looksLikeGreeting reports whether a connection's first bytes are the
// start of proto's plain-text greeting.
func looksLikeGreeting(proto plan.Protocol, b []byte) bool {
	s := string(b)
	switch proto {
	case plan.IMAP:
		return len(s) >= 2 && s[:2] == "* "
	case plan.POP:
		return len(s) >= 3 && s[:3] == "+OK"
	}
	return len(s) >= 3 && s[:3] == "220"
}
