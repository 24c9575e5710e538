package redirect

import (
	"container/list"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"syscall"
)

// connLimit keeps at most max connections open across the listeners it
// wraps. Unlike a listener that stops accepting at the limit
// (netutil.LimitListener), it always admits a new connection, making room by
// closing the one that has been idle longest, or when none is idle the
// oldest one. Idle means not yet having sent a complete request head (still
// connecting, in the TLS handshake or trickling headers). A connection
// carries one request (keep-alive is off) and a genuine one, the browser's
// redirect, is answered at once with a page that fits in the socket's
// buffer, so it is busy for moments only: idle, slow or stalled clients
// cannot keep it waiting, and neither can clients whose answers they never
// read.
//
// Silent connections go first: those whose client has sent nothing (for
// HTTPS, no TLS ClientHello) although most of the limit's worth of
// connections came after them. A browser sends at once; a flood of
// connections that send nothing otherwise dropped the browser's, the
// oldest once 256 more had come (some 50 ms of a local flood), before its
// turn to be served came or while its TLS handshake was under way. The
// grace keeps a browser that is slow to send (starved of CPU by the flood)
// from being dropped sooner than by age when the flood's connections do
// send something.
type connLimit struct {
	max   int
	tls   bool   // its connections speak TLS
	grace uint64 // admissions after its own before a silent connection goes first

	mu   sync.Mutex // guards all, idle, seq and the list fields of their conns
	all  list.List  // of *trackedConn, oldest first
	idle list.List  // of *trackedConn, longest idle first
	seq  uint64     // connections admitted so far
}

// newConnLimit returns a limit of max connections, which speak TLS when
// speaksTLS is set.
func newConnLimit(max int, speaksTLS bool) *connLimit {
	return &connLimit{max: max, tls: speaksTLS, grace: uint64(max) * 7 / 8}
}

// wrap returns l, its connections counted against the limit.
func (lim *connLimit) wrap(l *net.TCPListener) *limitListener {
	return &limitListener{TCPListener: l, connLimit: lim}
}

// limitListener is a TCP listener whose connections a connLimit counts.
type limitListener struct {
	*net.TCPListener
	*connLimit
}

// tlsHandshakeRecord is the first byte of a TLS ClientHello (a record of
// content type handshake).
const tlsHandshakeRecord = 0x16

// Accept waits for the next connection.
func (l *limitListener) Accept() (net.Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{TCPConn: c, lim: l.connLimit}
	tc.started = l.hasStarted(c)
	l.admit(tc)
	return tc, nil
}

// hasStarted reports whether the client of c has started: sent a TLS
// ClientHello, or anything at all without TLS. It never waits.
func (lim *connLimit) hasStarted(c *net.TCPConn) bool {
	b, sent := firstByte(c)
	return sent && (!lim.tls || b == tlsHandshakeRecord)
}

// firstByte returns the first byte the client sent on c, leaving it to be
// read, or false when nothing has arrived yet. It never waits.
func firstByte(c *net.TCPConn) (byte, bool) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, false
	}
	var b [1]byte
	n := 0
	// Control, not Read: Read would wait for a read of c under way in the
	// connection's goroutine.
	rc.Control(func(fd uintptr) {
		n, _, _ = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	})
	return b[0], n == 1
}

// admit counts c as open and idle, first evicting the longest-idle
// connection, or the oldest when none is idle, if the limit is reached.
func (lim *connLimit) admit(c *trackedConn) {
	lim.mu.Lock()
	lim.seq++
	c.seq = lim.seq
	var victim *trackedConn
	if lim.all.Len() >= lim.max {
		victim = lim.victimLocked()
		lim.forgetLocked(victim)
	}
	c.elem = lim.all.PushBack(c)
	c.idleElem = lim.idle.PushBack(c)
	lim.mu.Unlock()
	if victim != nil {
		victim.TCPConn.Close()
	}
}

// maxRechecks bounds how many silent connections victimLocked looks at
// again: a few suffice for the browser's, whose first bytes came after it
// was accepted, and each costs a system call, at every connection a flood
// opens.
const maxRechecks = 4

// victimLocked is the connection to close to make room: the longest idle
// silent one past its grace, else the longest idle one, else the oldest.
// lim.mu must be held, and a connection open. The first few candidates
// that were silent are looked at again (without waiting: no I/O happens
// with lim.mu held).
func (lim *connLimit) victimLocked() *trackedConn {
	rechecks := 0
	for e := lim.idle.Front(); e != nil; e = e.Next() {
		c := e.Value.(*trackedConn)
		if c.started || lim.seq-c.seq < lim.grace {
			continue
		}
		if rechecks++; rechecks > maxRechecks || !lim.hasStarted(c.TCPConn) {
			return c
		}
		c.started = true
	}
	if e := lim.idle.Front(); e != nil {
		return e.Value.(*trackedConn)
	}
	return lim.all.Front().Value.(*trackedConn)
}

// helloReceived is the tls.Config.GetConfigForClient hook that tells the
// limit when a connection's ClientHello has arrived, if it came after the
// connection was accepted. It changes nothing in the TLS configuration.
func (lim *connLimit) helloReceived(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	if t, ok := hello.Conn.(*trackedConn); ok {
		lim.mu.Lock()
		t.started = true
		lim.mu.Unlock()
	}
	return nil, nil
}

// connState is the http.Server.ConnState hook that tells the limit when a
// connection starts and stops being busy.
func (lim *connLimit) connState(c net.Conn, state http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	t, ok := c.(*trackedConn)
	if !ok {
		return
	}
	switch state {
	case http.StateActive:
		lim.setIdle(t, false)
	case http.StateIdle:
		lim.setIdle(t, true)
	}
}

func (lim *connLimit) setIdle(c *trackedConn, idle bool) {
	lim.mu.Lock()
	defer lim.mu.Unlock()
	switch {
	case c.elem == nil: // closed or evicted
	case idle && c.idleElem == nil:
		c.idleElem = lim.idle.PushBack(c)
	case !idle && c.idleElem != nil:
		lim.idle.Remove(c.idleElem)
		c.idleElem = nil
	}
}

// forgetLocked stops counting c. lim.mu must be held.
func (lim *connLimit) forgetLocked(c *trackedConn) {
	if c.elem == nil {
		return
	}
	lim.all.Remove(c.elem)
	c.elem = nil
	if c.idleElem != nil {
		lim.idle.Remove(c.idleElem)
		c.idleElem = nil
	}
}

// trackedConn is a connection counted by a connLimit.
type trackedConn struct {
	*net.TCPConn
	lim *connLimit

	// Guarded by lim.mu.
	elem     *list.Element // position in lim.all; nil once closed or evicted
	idleElem *list.Element // position in lim.idle; nil while busy or gone
	started  bool          // its ClientHello (HTTPS) or first byte (HTTP) has arrived
	seq      uint64        // its place in the order of admissions
}

// Close closes the connection and releases its place.
func (c *trackedConn) Close() error {
	c.lim.mu.Lock()
	c.lim.forgetLocked(c)
	c.lim.mu.Unlock()
	return c.TCPConn.Close()
}
