package mailcheck

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/mailcheck/plan"
	"github.com/pizauth-go/pizauth/internal/testtool"
)

// smtpFake is a TLS-capable SMTP server on 127.0.0.1 that accepts
// testToken by XOAUTH2: with implicit TLS, or plain with STARTTLS.
type smtpFake struct {
	ln       net.Listener
	tls      *tls.Config
	implicit bool
	// afterSTARTTLS is sent right after "220" in the same write (an
	// injection attempt); "" normally.
	afterSTARTTLS string
	wg            sync.WaitGroup
}

func startSMTPFake(t *testing.T, ca *testtool.TestCA, implicit bool) *smtpFake {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &smtpFake{ln: ln, tls: ca.ServerConfig(), implicit: implicit}
	f.wg.Go(f.serve)
	t.Cleanup(func() {
		ln.Close()
		f.wg.Wait()
	})
	return f
}

func (f *smtpFake) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *smtpFake) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.wg.Go(func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			if f.implicit {
				c = tls.Server(c, f.tls)
			}
			f.session(c, f.implicit)
		})
	}
}

func (f *smtpFake) session(c net.Conn, secure bool) {
	r := bufio.NewReader(c)
	write := func(s string) { c.Write([]byte(s)) }
	write("220 fake ESMTP\r\n")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		switch {
		case verb == "EHLO" && secure:
			write("250-fake\r\n250 AUTH XOAUTH2\r\n")
		case verb == "EHLO":
			write("250-fake\r\n250 STARTTLS\r\n")
		case verb == "STARTTLS" && !secure:
			write("220 go ahead\r\n" + f.afterSTARTTLS)
			tc := tls.Server(c, f.tls)
			if tc.Handshake() != nil {
				return
			}
			c, r, secure = tc, bufio.NewReader(tc), true
		case verb == "AUTH" && secure && arg == "XOAUTH2 "+irOf(mechXOAUTH2, testToken):
			write("235 ok\r\n")
		case verb == "AUTH":
			write("535 no\r\n")
		default:
			return
		}
	}
}

func newTestCA(t *testing.T) *testtool.TestCA {
	t.Helper()
	ca, err := testtool.NewTestCA("127.0.0.1", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func TestCheckTLSModes(t *testing.T) {
	ca := newTestCA(t)
	implicit, plain := startSMTPFake(t, ca, true), startSMTPFake(t, ca, false)
	tests := []struct {
		server *smtpFake
		mode   plan.TLSMode
		want   string
	}{
		{implicit, plan.ImplicitTLS, "ok: logged in with XOAUTH2 (TLS)"},
		{plain, plan.StartTLS, "ok: logged in with XOAUTH2 (STARTTLS)"},
		{implicit, plan.ImplicitOrStartTLS, "ok: logged in with XOAUTH2 (TLS)"},
		{plain, plan.ImplicitOrStartTLS, "ok: logged in with XOAUTH2 (STARTTLS)"},
		{plain, plan.ImplicitTLS, `failed: the server greeted in plain text where TLS was expected ("220 f")`},
	}
	for _, tt := range tests {
		target := plan.Target{Protocol: plan.SMTP, Host: "127.0.0.1", Port: tt.server.port(), Mode: tt.mode}
		r := Check(t.Context(), target, Config{User: testUser, Token: testToken, TLS: &tls.Config{RootCAs: ca.Pool()}})
		if _, got, _ := strings.Cut(r.String(), ": "); got != tt.want {
			t.Errorf("mode %d, implicit server %t: got %q; want %q", tt.mode, tt.server.implicit, got, tt.want)
		}
	}
}

func TestCheckUntrustedCertificate(t *testing.T) {
	server := startSMTPFake(t, newTestCA(t), true)
	other := newTestCA(t)
	target := plan.Target{Protocol: plan.SMTP, Host: "127.0.0.1", Port: server.port(), Mode: plan.ImplicitTLS}
	r := Check(t.Context(), target, Config{User: testUser, Token: testToken, TLS: &tls.Config{RootCAs: other.Pool()}})
	if r.Outcome != Failed || !strings.Contains(r.String(), "certificate signed by unknown authority") {
		t.Errorf("got %s; want an unknown authority", r)
	}
}

// A server that sends a reply along with its STARTTLS answer, before the
// handshake, must not have it read as if it came over TLS.
func TestCheckSTARTTLSInjection(t *testing.T) {
	ca := newTestCA(t)
	server := startSMTPFake(t, ca, false)
	server.afterSTARTTLS = "250-fake\r\n250 AUTH XOAUTH2\r\n"
	target := plan.Target{Protocol: plan.SMTP, Host: "127.0.0.1", Port: server.port(), Mode: plan.StartTLS}
	r := Check(t.Context(), target, Config{User: testUser, Token: testToken, TLS: &tls.Config{RootCAs: ca.Pool()}})
	if !strings.HasSuffix(r.String(), "failed: the server sent data after accepting STARTTLS, before the TLS handshake") {
		t.Errorf("got %s", r)
	}
}

// A server that never answers costs the deadline, no more.
func TestCheckHungServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var server net.Conn
		dial := func(context.Context, string, string) (net.Conn, error) {
			c, s := net.Pipe()
			server = s
			return c, nil
		}
		ctx, cancel := context.WithTimeout(t.Context(), Timeout)
		defer cancel()
		start := time.Now()
		target := plan.Target{Protocol: plan.IMAP, Host: "127.0.0.1", Port: 143, Mode: plan.StartTLS}
		r := Check(ctx, target, Config{User: testUser, Token: testToken, Dial: dial})
		if r.Outcome != Failed || !strings.HasSuffix(r.String(), "failed: timed out waiting for the server") || time.Since(start) != Timeout {
			t.Errorf("got %s after %v; want a failure after %v", r, time.Since(start), Timeout)
		}
		server.Close()
	})
}

// Cancelling the context (pizauth test interrupted) stops a login that
// waits for the server.
func TestCheckCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var server net.Conn
		dial := func(context.Context, string, string) (net.Conn, error) {
			c, s := net.Pipe()
			server = s
			return c, nil
		}
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(time.Second, cancel)
		target := plan.Target{Protocol: plan.POP, Host: "127.0.0.1", Port: 110, Mode: plan.StartTLS}
		r := Check(ctx, target, Config{User: testUser, Token: testToken, Dial: dial})
		if !strings.HasSuffix(r.String(), "failed: context canceled") {
			t.Errorf("got %s; want it cancelled", r)
		}
		server.Close()
	})
}
