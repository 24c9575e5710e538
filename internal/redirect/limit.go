package redirect

import (
	"container/list"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
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
type connLimit struct {
	max int

	mu   sync.Mutex // guards all, idle and the list fields of their conns
	all  list.List  // of *trackedConn, oldest first
	idle list.List  // of *trackedConn, longest idle first
}

func newConnLimit(max int) *connLimit {
	return &connLimit{max: max}
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

// Accept waits for the next connection.
func (l *limitListener) Accept() (net.Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{TCPConn: c, lim: l.connLimit}
	l.admit(tc)
	return tc, nil
}

// admit counts c as open and idle, first evicting the longest-idle
// connection, or the oldest when none is idle, if the limit is reached.
func (lim *connLimit) admit(c *trackedConn) {
	lim.mu.Lock()
	var victim *trackedConn
	if lim.all.Len() >= lim.max {
		oldest := lim.idle.Front()
		if oldest == nil {
			oldest = lim.all.Front()
		}
		victim = oldest.Value.(*trackedConn)
		lim.forgetLocked(victim)
	}
	c.elem = lim.all.PushBack(c)
	c.idleElem = lim.idle.PushBack(c)
	lim.mu.Unlock()
	if victim != nil {
		victim.TCPConn.Close()
	}
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
}

// Close closes the connection and releases its place.
func (c *trackedConn) Close() error {
	c.lim.mu.Lock()
	c.lim.forgetLocked(c)
	c.lim.mu.Unlock()
	return c.TCPConn.Close()
}
