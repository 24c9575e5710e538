package redirect

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// noTimeouts makes the server wait for ever on slow clients, so that only
// the connection limit's eviction can make room for a genuine request.
func noTimeouts(s *http.Server) {
	s.ReadHeaderTimeout = time.Hour
	s.ReadTimeout = time.Hour
	s.IdleTimeout = time.Hour
}

// dialIdle opens n connections to addr that send nothing.
func dialIdle(t *testing.T, addr string, n int) {
	t.Helper()
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { c.Close() })
	}
}

func TestIdleConnectionsDoNotBlockRedirect(t *testing.T) {
	for _, idle := range []int{64, maxConns - 1, maxConns, 300} {
		t.Run(fmt.Sprint(idle), func(t *testing.T) {
			rec := &recorder{}
			l, _ := start(t, rec.handle, noTimeouts)
			dialIdle(t, l.addr(), idle)
			if r := rawGet(t, l, "GET", request("GET", "/?state=s&code=c")); r.status != 200 {
				t.Errorf("got status %d; want 200", r.status)
			}
			if open, _ := counts(l.limit); open > maxConns {
				t.Errorf("got %d open connections; want at most %d", open, maxConns)
			}
		})
	}
}

func TestIdleConnectionsDoNotBlockHTTPS(t *testing.T) {
	l, pub := startTLS(t, (&recorder{}).handle, noTimeouts)
	dialIdle(t, l.addr(), 300)
	if r := tlsGet(t, l, pub, "/?state=s"); r.status != 200 {
		t.Errorf("got status %d; want 200", r.status)
	}
}

// accepted accepts one connection on l in the background.
func accepted(l *limitListener) <-chan net.Conn {
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			close(ch)
			return
		}
		ch <- c
	}()
	return ch
}

// dialAccept dials l and returns the client's and the server's ends.
func dialAccept(t *testing.T, l *limitListener) (client, server net.Conn) {
	t.Helper()
	ch := accepted(l)
	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	server, ok := <-ch
	if !ok {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close() })
	return client, server
}

// closedByServer reports whether the server closed c (reading gives EOF or
// a reset rather than blocking until the guard deadline).
func closedByServer(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(guard))
	_, err := c.Read(make([]byte, 1))
	return err != nil && !isTimeout(err)
}

func TestLimitListenerEvictsLongestIdle(t *testing.T) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	l := newConnLimit(2, false).wrap(ln)
	defer l.Close()

	a, _ := dialAccept(t, l)
	_, bs := dialAccept(t, l)
	c, cs := dialAccept(t, l) // evicts a, the longest idle
	if !closedByServer(a) {
		t.Errorf("a: want evicted for c")
	}
	l.connState(bs, http.StateActive)
	_, ds := dialAccept(t, l) // b is busy: evicts c
	if !closedByServer(c) {
		t.Errorf("c: want evicted for d")
	}
	l.connState(ds, http.StateActive)

	// Both open connections are busy: e is admitted all the same, evicting
	// b, the oldest; then f evicts e, idle, rather than d, busy and older.
	e, es := dialAccept(t, l)
	if open, idle := counts(l.connLimit); open != 2 || idle != 1 {
		t.Errorf("after e: got %d open, %d idle; want 2, 1", open, idle)
	}
	_, fs := dialAccept(t, l)
	if !closedByServer(e) {
		t.Errorf("e: want evicted for f")
	}
	if !counted(l, ds) || !counted(l, fs) {
		t.Errorf("d or f evicted; want both open")
	}
	cs.Close() // a second close of an evicted conn changes nothing
	es.Close()
	bs.Close()
	if open, _ := counts(l.connLimit); open != 2 {
		t.Errorf("got %d open; want 2", open)
	}
	fs.Close()
	ds.Close()
	if open, idle := counts(l.connLimit); open != 0 || idle != 0 {
		t.Errorf("after closing all: got %d open, %d idle; want 0, 0", open, idle)
	}
}

func TestLimitListenerEvictsOldestBusy(t *testing.T) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	l := newConnLimit(2, false).wrap(ln)
	defer l.Close()
	a, as := dialAccept(t, l)
	_, bs := dialAccept(t, l)
	l.connState(bs, http.StateActive)
	l.connState(as, http.StateActive)
	l.connState(as, http.StateIdle)
	l.connState(as, http.StateActive) // a busy again, still the oldest
	dialAccept(t, l)
	if !closedByServer(a) {
		t.Errorf("a: want evicted, the oldest while all are busy")
	}
	if !counted(l, bs) {
		t.Errorf("b: want open")
	}
}

// counted reports whether the server's end c still has its place in l.
func counted(l *limitListener, c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return c.(*trackedConn).elem != nil
}

func counts(l *connLimit) (open, idle int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.Len(), l.idle.Len()
}

func TestConnStateSeesThroughTLS(t *testing.T) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	l := newConnLimit(2, false).wrap(ln)
	defer l.Close()
	_, s := dialAccept(t, l)
	l.connState(tls.Server(s, &tls.Config{}), http.StateActive)
	if _, idle := counts(l.connLimit); idle != 0 {
		t.Errorf("got %d idle after StateActive on the TLS conn; want 0", idle)
	}
}

// dialTinyWindow connects to addr with the smallest receive buffer the
// kernel allows, so that the server's answers soon fill it and the server's
// writes block.
func dialTinyWindow(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 1)
		})
		return errors.Join(err, serr)
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestPipelinedRequestsDoNotBlockRedirect is the attack of issue 13, item
// 2: connections that pipeline many requests for /favicon.ico and never
// read the answers. With keep-alive, each would stay busy writing answers
// nobody reads, out of reach of the eviction of idle connections, until
// every place was taken and the browser's redirect was refused. Writes here
// may block for an hour: only the listener's own rules can make room.
// (How soon the answers fill the buffers depends on the kernel, so the rules
// are also checked one by one: TestOneRequestPerConnection and
// TestLimitListenerEvictsOldestBusy.)
func TestPipelinedRequestsDoNotBlockRedirect(t *testing.T) {
	rec := &recorder{}
	l, _ := start(t, rec.handle, noTimeouts, func(s *http.Server) { s.WriteTimeout = time.Hour })
	attack(t, l.addr())
	r := rawGet(t, l, "GET", request("GET", "/?state=s&code=c"))
	if r.status != 200 {
		t.Errorf("got status %d; want 200", r.status)
	}
	checkCalls(t, rec.calls(), &Callback{Path: "/", State: "s", Code: "c"})
}

// attack opens 300 connections to addr with a tiny receive window, each pipelining 2000 requests for /favicon.ico without reading
// the answers, and returns once each has been answered at least once (or
// closed by the server).
func attack(t *testing.T, addr string) {
	t.Helper()
	pipeline := strings.Repeat("GET /favicon.ico HTTP/1.1\r\nHost: localhost\r\n\r\n", 2000)
	attackers := make([]net.Conn, 300)
	for i := range attackers {
		c := dialTinyWindow(t, addr)
		c.SetDeadline(time.Now().Add(guard))
		go io.WriteString(c, pipeline) // ends when the test closes c
		attackers[i] = c
	}
	for _, c := range attackers {
		if _, err := c.Read(make([]byte, 1)); isTimeout(err) {
			t.Fatalf("an attacking connection got no answer")
		}
	}
}

// TestOneRequestPerConnection checks that a client pipelining requests gets
// one answer and a closed connection, as from the original, so that it
// cannot keep a connection busy with answers it does not read.
func TestOneRequestPerConnection(t *testing.T) {
	for _, https := range []bool{false, true} {
		t.Run(fmt.Sprint("https=", https), func(t *testing.T) {
			rec := &recorder{}
			var c net.Conn
			if https {
				l, pub := startTLS(t, rec.handle)
				d := tls.Dialer{Config: pinned(pub)}
				c = dialWith(t, func() (net.Conn, error) { return d.DialContext(t.Context(), "tcp", l.addr()) })
			} else {
				l, _ := start(t, rec.handle)
				c = dialWith(t, func() (net.Conn, error) { return net.Dial("tcp", l.addr()) })
			}
			r, err := exchange(t, c, "GET", request("GET", "/?state=one")+request("GET", "/?state=two"))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if r.status != 200 || !r.close {
				t.Errorf("got %d, close %t; want 200, true", r.status, r.close)
			}
			if rest, err := io.ReadAll(c); len(rest) != 0 || isTimeout(err) {
				t.Errorf("after the first answer: read %q, %v; want the connection closed", rest, err)
			}
			checkCalls(t, rec.calls(), &Callback{TLS: https, Path: "/", State: "one"})
		})
	}
}

func dialWith(t *testing.T, dial func() (net.Conn, error)) net.Conn {
	t.Helper()
	c, err := dial()
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
