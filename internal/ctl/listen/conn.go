package listen

import (
	"bytes"
	"os"
	"slices"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// A conn is an accepted connection held as a bare non-blocking descriptor,
// outside package net: a request costs no poller registration, no deadline
// timer and no allocation there. Reads and writes are tried at once; only a
// peer that is not ready makes the connection wait, in poll(2) with the
// time left, which holds a thread for at most the read or write bound (and
// Serve runs at most maxConns connections).
type conn struct {
	fd int
	// file holds fd once a waiting request watches it in the runtime's
	// poller (watchHangUp); it must then be closed through file.
	file *os.File
	// timeout bounds the current phase (reading the request, writing the
	// answer); its clock starts when the phase first has to wait, until
	// then nothing was waited for.
	timeout  time.Duration
	deadline time.Time // zero until the phase first waits
}

// phase starts a new phase bounded by timeout.
func (c *conn) phase(timeout time.Duration) {
	c.timeout, c.deadline = timeout, time.Time{}
}

// wait blocks until the descriptor is ready for events (unix.POLLIN or
// unix.POLLOUT), or fails with os.ErrDeadlineExceeded once the phase's time
// is up.
func (c *conn) wait(events int16) error {
	if c.deadline.IsZero() {
		c.deadline = time.Now().Add(c.timeout)
	}
	for {
		left := time.Until(c.deadline)
		if left <= 0 {
			return os.ErrDeadlineExceeded
		}
		fds := [1]unix.PollFd{{Fd: int32(c.fd), Events: events}}
		ms := int((left + time.Millisecond - 1) / time.Millisecond) // rounded up: a timeout of 0 would not wait
		n, err := unix.Poll(fds[:], ms)
		if err != nil && err != unix.EINTR {
			return err
		}
		if n > 0 {
			return nil // ready, or an error or hang-up that the next call reports
		}
	}
}

// read reads into b, waiting for data if none is there; 0 bytes means EOF.
func (c *conn) read(b []byte) (int, error) {
	for {
		n, err := unix.Read(c.fd, b)
		switch err {
		case nil:
			return n, nil
		case unix.EINTR:
		case unix.EAGAIN:
			if err := c.wait(unix.POLLIN); err != nil {
				return 0, err
			}
		default:
			return 0, err
		}
	}
}

// readAll appends what the peer sends until EOF to b, but stops as soon as
// b holds more than limit bytes.
func (c *conn) readAll(b []byte, limit int) ([]byte, error) {
	for len(b) <= limit {
		if len(b) == cap(b) {
			b = slices.Grow(b, min(len(b), limit+1-len(b)))
		}
		n, err := c.read(b[len(b):min(cap(b), limit+1)])
		if err != nil || n == 0 {
			return b, err
		}
		b = b[:len(b)+n]
	}
	return b, nil
}

// write writes all of b, waiting for room when the socket buffer is full.
func (c *conn) write(b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(c.fd, b)
		switch err {
		case nil:
			b = b[n:]
		case unix.EINTR:
		case unix.EAGAIN:
			if err := c.wait(unix.POLLOUT); err != nil {
				return err
			}
		default:
			return err
		}
	}
	return nil
}

func (c *conn) close() {
	if c.file != nil {
		c.file.Close()
		return
	}
	unix.Close(c.fd)
}

// A buffer holds a request up to ctl.MaxRequest bytes plus the one that
// shows it too large, and then the answer if it fits. Every request but
// restore is read into a pooled one: DecodeRequest copies what it keeps.
type buffer = [ctl.MaxRequest + 1]byte

var buffers = sync.Pool{New: func() any { return new(buffer) }}

var (
	restorePrefix  = []byte(ctl.CmdRestore + ":")
	completePrefix = []byte(ctl.CmdComplete + ":")
)

// readRequest reads c to EOF into buf, but never more than ctl.MaxRequest
// bytes, or ctl.MaxRestore bytes for a request that starts with "restore:"
// (ctl.MaxComplete for "complete:"). Those two are returned in memory of
// their own, since their Data aliases it; any other request in buf.
func readRequest(c *conn, buf *buffer) ([]byte, error) {
	b, err := c.readAll(buf[:0], ctl.MaxRequest)
	if err != nil {
		return nil, err
	}
	limit := ctl.MaxRequest
	switch {
	case bytes.HasPrefix(b, restorePrefix):
		limit = ctl.MaxRestore
	case bytes.HasPrefix(b, completePrefix):
		limit = ctl.MaxComplete
	}
	if limit == ctl.MaxRequest {
		if len(b) > ctl.MaxRequest {
			return nil, errTooLarge
		}
		return b, nil
	}
	b = slices.Clone(b)
	if len(b) <= ctl.MaxRequest {
		return b, nil
	}
	if b, err = c.readAll(b, limit); err != nil {
		return nil, err
	}
	if len(b) > limit {
		return nil, errTooLarge
	}
	return b, nil
}

// encode appends the wire form of r to b: ctl.Response.Encode, into a
// buffer that is reused.
func encode(b []byte, r ctl.Response) []byte {
	b = append(b, r.Kind...)
	b = append(b, ':')
	return append(b, r.Payload...)
}
