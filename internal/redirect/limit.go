package redirect

import (
	"container/list"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
)

// limitListener keeps at most max connections open. Unlike a listener that
// stops accepting at the limit (netutil.LimitListener), it always admits a
// new connection, making room by closing the one that has been idle
// longest, or when none is idle the oldest one. Idle means not yet having
// sent a complete request head (still connecting, in the TLS handshake or
// trickling headers). A connection carries one request (keep-alive is off)
// and a genuine one, the browser's redirect, is answered at once with a
// page that fits in the socket's buffer, so it is busy for moments only:
// idle, slow or stalled clients cannot keep it waiting, and neither can
// clients whose answers they never read.
type limitListener struct {
	*net.TCPListener
	max int

	mu   sync.Mutex // guards all, idle and the list fields of their conns
	all  list.List  // of *trackedConn, oldest first
	idle list.List  // of *trackedConn, longest idle first
}

func newLimitListener(l *net.TCPListener, limit int) *limitListener {
	return &limitListener{TCPListener: l, max: limit}
}

// Accept waits for the next connection.
func (l *limitListener) Accept() (net.Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{TCPConn: c, l: l}
	l.admit(tc)
	return tc, nil
}

// admit counts c as open and idle, first evicting the longest-idle
// connection, or the oldest when none is idle, if the limit is reached.
func (l *limitListener) admit(c *trackedConn) {
	l.mu.Lock()
	var victim *trackedConn
	if l.all.Len() >= l.max {
		oldest := l.idle.Front()
		if oldest == nil {
			oldest = l.all.Front()
		}
		victim = oldest.Value.(*trackedConn)
		l.forgetLocked(victim)
	}
	c.elem = l.all.PushBack(c)
	c.idleElem = l.idle.PushBack(c)
	l.mu.Unlock()
	if victim != nil {
		victim.TCPConn.Close()
	}
}

// connState is the http.Server.ConnState hook that tells the listener when
// a connection starts and stops being busy.
func (l *limitListener) connState(c net.Conn, state http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	t, ok := c.(*trackedConn)
	if !ok {
		return
	}
	switch state {
	case http.StateActive:
		l.setIdle(t, false)
	case http.StateIdle:
		l.setIdle(t, true)
	}
}

func (l *limitListener) setIdle(c *trackedConn, idle bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case c.elem == nil: // closed or evicted
	case idle && c.idleElem == nil:
		c.idleElem = l.idle.PushBack(c)
	case !idle && c.idleElem != nil:
		l.idle.Remove(c.idleElem)
		c.idleElem = nil
	}
}

// forgetLocked stops counting c. l.mu must be held.
func (l *limitListener) forgetLocked(c *trackedConn) {
	if c.elem == nil {
		return
	}
	l.all.Remove(c.elem)
	c.elem = nil
	if c.idleElem != nil {
		l.idle.Remove(c.idleElem)
		c.idleElem = nil
	}
}

// trackedConn is a connection counted by a limitListener.
type trackedConn struct {
	*net.TCPConn
	l *limitListener

	// Guarded by l.mu.
	elem     *list.Element // position in l.all; nil once closed or evicted
	idleElem *list.Element // position in l.idle; nil while busy or gone
}

// Close closes the connection and releases its place.
func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	c.l.forgetLocked(c)
	c.l.mu.Unlock()
	return c.TCPConn.Close()
}
