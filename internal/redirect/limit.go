package redirect

import (
	"container/list"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
)

// limitListener keeps at most max connections open. Unlike a listener that
// stops accepting at the limit (netutil.LimitListener), it makes room for a
// new connection by closing the one that has been idle longest: idle means
// not yet having sent a complete request head (still connecting, in the TLS
// handshake or trickling headers) or waiting between keep-alive requests.
// Idle and slow clients therefore cannot keep the browser's redirect
// waiting. Only when every connection is busy with a request is the new one
// refused.
type limitListener struct {
	*net.TCPListener
	max int

	mu   sync.Mutex // guards open, idle and the idle fields of their conns
	open int        // connections accepted and not yet closed
	idle list.List  // of *trackedConn, longest idle first
}

func newLimitListener(l *net.TCPListener, limit int) *limitListener {
	return &limitListener{TCPListener: l, max: limit}
}

// Accept waits for the next connection that can be admitted.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.AcceptTCP()
		if err != nil {
			return nil, err
		}
		tc := &trackedConn{TCPConn: c, l: l}
		if l.admit(tc) {
			return tc, nil
		}
		c.Close()
	}
}

// admit counts c as open and idle, first evicting the longest-idle
// connection when the limit is reached. It reports false when every open
// connection is busy.
func (l *limitListener) admit(c *trackedConn) bool {
	l.mu.Lock()
	var victim *trackedConn
	if l.open >= l.max {
		front := l.idle.Front()
		if front == nil {
			l.mu.Unlock()
			return false
		}
		victim = front.Value.(*trackedConn)
		l.forgetLocked(victim)
	}
	l.open++
	c.elem = l.idle.PushBack(c)
	l.mu.Unlock()
	if victim != nil {
		victim.TCPConn.Close()
	}
	return true
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
	case c.gone:
	case idle && c.elem == nil:
		c.elem = l.idle.PushBack(c)
	case !idle && c.elem != nil:
		l.idle.Remove(c.elem)
		c.elem = nil
	}
}

// forgetLocked stops counting c. l.mu must be held.
func (l *limitListener) forgetLocked(c *trackedConn) {
	if c.gone {
		return
	}
	c.gone = true
	l.open--
	if c.elem != nil {
		l.idle.Remove(c.elem)
		c.elem = nil
	}
}

// trackedConn is a connection counted by a limitListener.
type trackedConn struct {
	*net.TCPConn
	l *limitListener

	// Guarded by l.mu.
	elem *list.Element // position in l.idle; nil while busy or gone
	gone bool          // closed or evicted
}

// Close closes the connection and releases its place.
func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	c.l.forgetLocked(c)
	c.l.mu.Unlock()
	return c.TCPConn.Close()
}
