package redirect

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
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
	l := newLimitListener(ln, 2)
	defer l.Close()

	a, _ := dialAccept(t, l)
	_, bs := dialAccept(t, l)
	c, cs := dialAccept(t, l) // evicts a, the longest idle
	if !closedByServer(a) {
		t.Errorf("a: want evicted for c")
	}
	l.connState(bs, http.StateActive)
	d, ds := dialAccept(t, l) // b is busy: evicts c
	if !closedByServer(c) {
		t.Errorf("c: want evicted for d")
	}
	l.connState(ds, http.StateActive)

	// Both open connections are busy: e is refused, and f is admitted once
	// d is idle again, evicting d.
	ch := accepted(l)
	e, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer e.Close()
	if !closedByServer(e) {
		t.Errorf("e: want refused while every connection is busy")
	}
	l.connState(ds, http.StateIdle)
	f, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer f.Close()
	fs := <-ch
	defer fs.Close()
	if !closedByServer(d) {
		t.Errorf("d: want evicted for f")
	}
	cs.Close() // a second close of an evicted conn changes nothing
	if open, _ := counts(l); open != 2 {
		t.Errorf("got %d open; want 2", open)
	}
	fs.Close()
	bs.Close()
	if open, idle := counts(l); open != 0 || idle != 0 {
		t.Errorf("after closing all: got %d open, %d idle; want 0, 0", open, idle)
	}
}

func counts(l *limitListener) (open, idle int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open, l.idle.Len()
}

func TestConnStateSeesThroughTLS(t *testing.T) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	l := newLimitListener(ln, 2)
	defer l.Close()
	_, s := dialAccept(t, l)
	l.connState(tls.Server(s, &tls.Config{}), http.StateActive)
	if _, idle := counts(l); idle != 0 {
		t.Errorf("got %d idle after StateActive on the TLS conn; want 0", idle)
	}
}
