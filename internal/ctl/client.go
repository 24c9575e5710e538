package ctl

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"time"
)

const (
	defaultTimeout = 10 * time.Second
	// queueWait bounds how long a connect waits while the server's accept
	// queue is full.
	queueWait = 2 * time.Second
	maxAnswer = MaxRestore + MaxRequest
)

// ErrNotRunning is wrapped by Client when no server answers.
var ErrNotRunning = errors.New("pizauth authenticator not running or not responding")

var (
	errAnswerTooLarge = errors.New("answer too large")
	errTimeout        = errors.New("timed out waiting for the server")
)

// Client sends requests to a server's control socket. The zero Timeout means
// 10 s. A Client is safe for concurrent use.
//
// Client is on the path of every `pizauth show`, so it uses blocking system
// calls with kernel timeouts (SO_SNDTIMEO, SO_RCVTIMEO) rather than package
// net: linking net costs every run its initialisation, its poller and, with
// cgo, the dynamic loader, for one connect, one write and one read.
type Client struct {
	Socket  string
	Timeout time.Duration // for the whole round trip
}

// Do connects, sends req, and reads the answer, within the timeout extended
// by req.Wait (the time a showwait lets the server wait before it answers).
// Before it sends anything it checks that the server is the user's own (see
// checkServer), and refuses with an error saying why if it is not.
// When the socket does not exist, nothing listens on it, the server's accept
// queue stays full for 2 s, or the server closes or times out without
// answering, the error wraps ErrNotRunning and the cause. An `error:` answer
// is a Response, not an error.
func (c *Client) Do(req Request) (Response, error) {
	t := c.Timeout
	if t <= 0 {
		t = defaultTimeout
	}
	deadline := time.Now().Add(t + req.Wait)
	fd, err := c.dial(deadline)
	if err != nil {
		return Response{}, err
	}
	defer syscall.Close(fd)
	if err := c.checkServer(fd); err != nil {
		return Response{}, err
	}
	werr := writeAll(fd, req.Encode(), deadline)
	if werr == nil {
		werr = syscall.Shutdown(fd, syscall.SHUT_WR)
	}
	// Read even when the write failed: a server that refuses a request early
	// (too large) answers and closes before reading all of it.
	b, rerr := readAnswer(fd, deadline)
	if len(b) > 0 && rerr == nil {
		resp, err := DecodeResponse(b)
		if err != nil {
			return Response{}, fmt.Errorf("control socket %q: %w", c.Socket, err)
		}
		return resp, nil
	}
	if errors.Is(rerr, errAnswerTooLarge) {
		return Response{}, fmt.Errorf("control socket %q: %w", c.Socket, rerr)
	}
	if rerr == nil {
		rerr = werr
	}
	return Response{}, noAnswer(rerr)
}

// dial connects a blocking socket to c.Socket. While the server's accept
// queue is full the kernel makes connect wait (bounded by SO_SNDTIMEO) and
// lets it through as soon as the server accepts.
func (c *Client) dial(deadline time.Time) (int, error) {
	fd, err := unixSocket()
	if err != nil {
		return -1, fmt.Errorf("control socket: %w", err)
	}
	err = setTimeout(fd, syscall.SO_SNDTIMEO, min(time.Until(deadline), queueWait))
	for err == nil {
		if err = syscall.Connect(fd, &syscall.SockaddrUnix{Name: c.Socket}); err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		syscall.Close(fd)
		return -1, dialError(c.Socket, err)
	}
	return fd, nil
}

// setTimeout sets a socket's send or receive timeout to d, which must be
// positive (a zero timeout would mean none).
func setTimeout(fd, opt int, d time.Duration) error {
	if d <= 0 {
		return errTimeout
	}
	tv := syscall.NsecToTimeval(max(d, time.Microsecond).Nanoseconds())
	return syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, opt, &tv)
}

// writeAll writes b before the deadline. The first write runs under the
// send timeout dial set; only a request too large for the socket buffer
// (restore) needs more writes, each under the time left. A server that has
// gone makes it fail with EPIPE: Go ignores SIGPIPE for descriptors other
// than 1 and 2.
func writeAll(fd int, b []byte, deadline time.Time) error {
	for first := true; len(b) > 0; first = false {
		if !first {
			if err := setTimeout(fd, syscall.SO_SNDTIMEO, time.Until(deadline)); err != nil {
				return err
			}
		}
		n, err := syscall.Write(fd, b)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return errTimeout
		case err != nil:
			return err
		}
		b = b[n:]
	}
	return nil
}

// readAnswer reads fd to EOF before the deadline, up to maxAnswer bytes.
// The server writes its answer at once and closes, so after the first read
// the rest is usually there already: later reads try without waiting first
// and set the receive timeout again (a system call) only when they must wait.
func readAnswer(fd int, deadline time.Time) ([]byte, error) {
	b := make([]byte, 0, 512)
	for first := true; ; first = false {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		var n int
		var err error = syscall.EAGAIN
		if !first {
			n, _, err = syscall.Recvfrom(fd, b[len(b):cap(b)], syscall.MSG_DONTWAIT)
		}
		if err == syscall.EAGAIN {
			if err := setTimeout(fd, syscall.SO_RCVTIMEO, time.Until(deadline)); err != nil {
				return b, err
			}
			n, err = syscall.Read(fd, b[len(b):cap(b)])
		}
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return b, errTimeout
		case err == syscall.ECONNRESET && len(b) > 0:
			// A server that refused a request before reading all of it has
			// closed with unread data, so after its answer (already entirely
			// queued on our side) Linux reports ECONNRESET instead of EOF.
			return b, nil
		case err != nil:
			return b, err
		case n == 0:
			return b, nil
		}
		b = b[:len(b)+n]
		if len(b) > maxAnswer {
			return nil, errAnswerTooLarge
		}
	}
}

// dialError classifies a failed connect.
func dialError(socket string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%w: %w", ErrNotRunning, err)
	case errors.Is(err, syscall.EAGAIN):
		return fmt.Errorf("%w: accept queue full for %v: %w", ErrNotRunning, queueWait, err)
	case errors.Is(err, syscall.EINVAL):
		if perr := CheckSocketPath(socket); perr != nil {
			return perr
		}
	}
	return fmt.Errorf("connect to control socket %q: %w", socket, err)
}

// CheckSocketPath refuses a path too long for a Unix socket address, which
// the kernel would otherwise reject with a bare "invalid argument".
func CheckSocketPath(path string) error {
	if limit := len(syscall.RawSockaddrUnix{}.Path); len(path) >= limit {
		return fmt.Errorf("socket path %q is %d bytes long; the limit is %d (use a shorter $XDG_RUNTIME_DIR or $TMPDIR)",
			path, len(path), limit-1)
	}
	return nil
}

// noAnswer is the error for a connection that ended without an answer.
func noAnswer(cause error) error {
	if cause == nil {
		return fmt.Errorf("%w: connection closed without an answer", ErrNotRunning)
	}
	return fmt.Errorf("%w: %w", ErrNotRunning, cause)
}
