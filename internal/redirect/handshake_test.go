package redirect

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
)

// pausedConn is a browser's connection that stops in the middle of the TLS
// handshake: its first read waits for the server's first flight (so the
// server has read the ClientHello), reports it on arrived, then returns it
// only once resume is closed.
type pausedConn struct {
	net.Conn
	arrived chan struct{}
	resume  chan struct{}
	first   bool
}

func (c *pausedConn) Read(p []byte) (int, error) {
	if c.first {
		return c.Conn.Read(p)
	}
	c.first = true
	n, err := c.Conn.Read(p)
	close(c.arrived)
	<-c.resume
	return n, err
}

// admitIdle makes n connections that send nothing count against l's limit,
// synchronously, as the flood's connections do once the listener has
// accepted them.
func admitIdle(t *testing.T, l *Listener, n int) {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	for range n {
		client, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { client.Close() })
		server, err := ln.AcceptTCP()
		if err != nil {
			t.Fatalf("accept: %v", err)
		}
		tc := &trackedConn{TCPConn: server, lim: l.limit}
		l.limit.admit(tc)
		t.Cleanup(func() { tc.Close() })
	}
}

// TestFloodDuringTLSHandshake: connections that send nothing, opened
// while the browser's TLS handshake is under way, are dropped before it.
// With the longest idle connection dropped first, the browser's, the
// oldest, went once 256 more had come (some 50 ms of a local flood, less
// than a handshake takes on a busy machine).
func TestFloodDuringTLSHandshake(t *testing.T) {
	rec := &recorder{}
	l, pub := startTLS(t, rec.handle, noTimeouts)
	raw, err := net.Dial("tcp", l.addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer raw.Close()
	paused := &pausedConn{Conn: raw, arrived: make(chan struct{}), resume: make(chan struct{})}
	browser := tls.Client(paused, pinned(pub))
	handshake := make(chan error, 1)
	go func() { handshake <- browser.Handshake() }()
	<-paused.arrived
	admitIdle(t, l, maxConns+44)
	close(paused.resume)
	if err := <-handshake; err != nil {
		t.Fatalf("the browser's handshake failed after the flood: %v", err)
	}
	r, err := exchange(t, browser, "GET", request("GET", "/?state=s&code=c"))
	if err != nil || r.status != http.StatusOK {
		t.Fatalf("redirect after the flood: %d, %v; want 200", r.status, err)
	}
	checkCalls(t, rec.calls(), &Callback{TLS: true, Path: "/", State: "s", Code: "c"})
}

func TestLimitListenerEvictsBeforeHandshakes(t *testing.T) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	l := newConnLimit(2, false).wrap(ln)
	defer l.Close()
	a, as := dialAccept(t, l)
	b, _ := dialAccept(t, l)
	l.helloReceived(&tls.ClientHelloInfo{Conn: as})
	c, _ := dialAccept(t, l) // evicts b, younger than a but silent
	if !closedByServer(b) {
		t.Errorf("b: want evicted for c, as it has sent nothing")
	}
	if !counted(l, as) {
		t.Errorf("a: evicted in the middle of its handshake")
	}
	_, ds := dialAccept(t, l) // evicts c, still silent
	if !closedByServer(c) {
		t.Errorf("c: want evicted for d")
	}
	l.helloReceived(&tls.ClientHelloInfo{Conn: ds})
	dialAccept(t, l) // a and d are both handshaking: a, the longest idle, goes
	if !closedByServer(a) {
		t.Errorf("a: want evicted, the longest idle once all are handshaking")
	}
	if !counted(l, ds) {
		t.Errorf("d: evicted; want open")
	}
}

// TestLimitListenerSparesStartedClients: a client that has sent its
// ClientHello (HTTPS) or anything (HTTP), before it was accepted or just
// after, is spared while silent ones are there to drop instead, so that a
// flood of silent connections cannot drop the browser's before it is
// served. On a TLS listener a client sending anything else is no better
// than a silent one.
func TestLimitListenerSparesStartedClients(t *testing.T) {
	for _, tt := range []struct {
		tls        bool
		sent       string
		wantSpared bool
	}{
		{true, "\x16\x03\x01", true},
		{true, "GET / HTTP/1.1\r\n", false},
		{false, "GET / HTTP/1.1\r\n", true},
		{false, "", false},
	} {
		for _, after := range []bool{false, true} {
			t.Run(fmt.Sprintf("tls=%t %q after=%t", tt.tls, tt.sent, after), func(t *testing.T) {
				ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
				if err != nil {
					t.Fatalf("listen: %v", err)
				}
				l := newConnLimit(2, tt.tls).wrap(ln)
				defer l.Close()
				a, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				defer a.Close()
				send := func() {
					if tt.sent != "" {
						if _, err := io.WriteString(a, tt.sent); err != nil {
							t.Fatalf("write: %v", err)
						}
					}
				}
				if !after {
					send() // there before Accept: loopback writes are synchronous
				}
				as, err := l.Accept()
				if err != nil {
					t.Fatalf("accept: %v", err)
				}
				defer as.Close()
				if after {
					send()
				}
				b, _ := dialAccept(t, l)
				dialAccept(t, l) // makes room by dropping a or b
				if spared := counted(l, as); spared != tt.wantSpared {
					t.Errorf("a spared = %t; want %t", spared, tt.wantSpared)
				}
				if tt.wantSpared && !closedByServer(b) {
					t.Errorf("b, silent, not dropped")
				}
			})
		}
	}
}

// TestLimitListenerGraceForSilentClients: when the flood's connections do
// send something, a browser slow to send its first bytes (starved of CPU
// by the flood) is not dropped sooner than by age: silence counts only
// once most of the limit's worth of connections came after it.
func TestLimitListenerGraceForSilentClients(t *testing.T) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	l := newConnLimit(8, false).wrap(ln) // grace: 7 admissions
	defer l.Close()
	talking := func() net.Conn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		io.WriteString(c, "GET / HTTP/1.1\r\n") // there before Accept
		s, err := l.Accept()
		if err != nil {
			t.Fatalf("accept: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return c
	}
	oldest := talking()
	talking()
	_, browser := dialAccept(t, l) // silent so far
	for range 5 {
		talking()
	}
	talking() // the ninth: one must go, 6 admissions after the browser's
	if !closedByServer(oldest) {
		t.Errorf("the oldest connection was not dropped")
	}
	if !counted(l, browser) {
		t.Errorf("the browser's connection, silent for only 6 admissions, was dropped before older ones")
	}
}
