package endpoint

import (
	"context"
	"errors"
	"net"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// Answers of a server too busy to take a request. They are error answers,
// which the client prints; never silence, which it would report as a server
// that is not running.
const (
	msgBusy        = "pizauth server busy: too many requests at once; try again shortly"
	msgBusyWaits   = "pizauth server busy: too many requests waiting at once (show --wait, restore, reload); try again shortly"
	msgBusyRestore = "pizauth server busy: another restore is under way; try again shortly"
	// msgStopping answers a request that was still coming when the server
	// began to stop.
	msgStopping = "pizauth server stopping: try again in a moment"
)

// errRestoreBusy is readRequest's error for a restore that came while
// another held the restore slot.
var errRestoreBusy = errors.New("another restore is under way")

// ErrClientGone is the cause (context.Cause) of a waiting request's
// context when its client hung up.
var ErrClientGone = errors.New("the client hung up")

// slots are the limits a connection counts against: it holds one of the
// ordinary slots while it is read and handled, and a request that waits
// trades it for one of the waits. A large restore also holds the one
// restore slot, from its reading to its answer.
type slots struct {
	ordinary, waits, restore chan struct{}
	held                     bool // an ordinary slot
	heldRestore              bool
}

// takeRestore takes the restore slot if it is free, and reports whether it
// did.
func (s *slots) takeRestore() bool {
	select {
	case s.restore <- struct{}{}:
		s.heldRestore = true
		return true
	default:
		return false
	}
}

// release gives back the slots still held.
func (s *slots) release() {
	if s.heldRestore {
		s.heldRestore = false
		<-s.restore
	}
	s.releaseOrdinary()
}

// releaseOrdinary gives back the ordinary slot, if still held.
func (s *slots) releaseOrdinary() {
	if s.held {
		s.held = false
		<-s.ordinary
	}
}

// wait serves a request that may wait long (show --wait, for minutes or
// hours; a restore or reload waiting for its turn) outside the ordinary
// slots, so that waits never keep other requests out: it trades its
// ordinary slot for a wait slot, or answers busy when those are all taken.
// The wait ends early when the client hangs up (Ctrl-C, a mail client that
// timed out its password command), so that the waits of clients long gone
// do not pile up.
func (s *Server) wait(ctx context.Context, c *net.UnixConn, req ctl.Request, sl *slots) ctl.Response {
	select {
	case sl.waits <- struct{}{}:
	default:
		s.Logger.Warn("control socket: every wait slot taken; answered busy", "slots", cap(sl.waits))
		return ctl.Response{Kind: ctl.KindError, Payload: msgBusyWaits}
	}
	defer func() { <-sl.waits }()
	// A large restore keeps the restore slot: its data stays in memory
	// until it is answered.
	sl.releaseOrdinary()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop, err := watchHangUp(c, func() { cancel(ErrClientGone) })
	if err != nil {
		s.Logger.Debug("control socket: cannot watch the client of a waiting request", "err", err)
	} else {
		defer stop()
	}
	return s.handle(ctx, req)
}

// refuseBusy answers c with msgBusy without reading its request, and closes
// it. The short answer fits in the new socket's buffer, so the write does
// not wait (the deadline is a guard): the accept loop calls this itself.
func (s *Server) refuseBusy(c *net.UnixConn, uid int) {
	defer c.Close()
	if s.peerIsUs(c, uid) {
		c.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
		c.Write([]byte(ctl.KindError + ":" + msgBusy))
	}
}

// watchHangUp calls gone once the peer closes its end of c, until the
// returned stop is called. The client shut its write side after its
// request, so a read would only ever report that EOF: what shows the client
// gone is the hang-up that closing its socket raises on ours. The watch
// waits in the runtime's poller, costing no thread, for the write
// readiness event that a hang-up raises too (epoll's EPOLLHUP, kqueue's
// EV_EOF). stop leaves c's write deadline in the past.
func watchHangUp(c *net.UnixConn, gone func()) (stop func(), err error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if raw.Write(func(fd uintptr) bool { return hungUp(int(fd)) }) == nil {
			gone()
		}
	}()
	return func() {
		c.SetWriteDeadline(time.Unix(1, 0)) // ends raw.Write
		<-done
	}, nil
}

// hungUp reports whether the peer of the connected socket fd has closed it
// (poll(2) reports POLLHUP, which it never does for a peer that only shut
// its write side).
func hungUp(fd int) bool {
	fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	n, err := unix.Poll(fds[:], 0)
	return err == nil && n > 0 && fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0
}
