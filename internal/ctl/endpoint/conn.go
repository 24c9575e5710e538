package endpoint

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime/debug"
	"slices"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// serveConn handles one connection; the caller closes it.
func (s *Server) serveConn(ctx context.Context, c *net.UnixConn, uid int, sl *slots) {
	if !s.peerIsUs(c, uid) {
		return
	}
	req, resp, ok := s.request(ctx, c, sl)
	switch {
	case ok && req.Waits():
		resp = s.wait(ctx, c, req, sl)
	case ok:
		resp = s.handle(ctx, req)
	}
	c.SetWriteDeadline(time.Now().Add(s.Limits.WriteTimeout))
	// A stopping server gives an answer its client does not take (a large
	// dump to a client suspended with Ctrl-Z) a moment only, not the whole
	// WriteTimeout, which would hold the stop past the daemon's limit. A
	// short answer, such as shutdown's own, fits in the socket's buffer.
	stop := context.AfterFunc(ctx, func() { c.SetWriteDeadline(time.Now().Add(stoppingWriteGrace)) })
	defer stop()
	if _, err := c.Write(resp.Encode()); err != nil {
		s.Logger.Debug("control socket: answer not delivered", "err", err)
	}
}

// stoppingWriteGrace is how long a stopping server still writes an answer.
const stoppingWriteGrace = 500 * time.Millisecond

// peerIsUs reports whether the peer of c runs as uid, and logs why when it
// does not.
func (s *Server) peerIsUs(c *net.UnixConn, uid int) bool {
	peer, pid, err := peerCred(c)
	if err != nil {
		s.Logger.Warn("control socket: refused a client whose credentials cannot be read", "err", err)
		return false
	}
	if peer != uid {
		s.Logger.Warn("control socket: refused a client of another user", "uid", peer, "pid", pid)
		return false
	}
	return true
}

// peerCred reads the uid and pid of c's peer (SO_PEERCRED or its like).
func peerCred(c *net.UnixConn) (uid, pid int, err error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return -1, -1, err
	}
	cerr := raw.Control(func(fd uintptr) { uid, pid, err = ctl.PeerCred(int(fd)) })
	return uid, pid, errors.Join(cerr, err)
}

// request reads and decodes the request; when it cannot, ok is false and
// resp is the error answer. Once ctx is done (the server is stopping), a
// request still coming is not waited for: a client that keeps a
// connection open without sending would otherwise hold the stop for the
// whole ReadTimeout.
func (s *Server) request(ctx context.Context, c *net.UnixConn, sl *slots) (req ctl.Request, resp ctl.Response, ok bool) {
	c.SetReadDeadline(time.Now().Add(s.Limits.ReadTimeout))
	stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Unix(1, 0)) })
	b, err := readRequest(c, sl)
	stop()
	if err == nil {
		req, err = ctl.DecodeRequest(b)
	}
	switch {
	case err == nil:
		return req, resp, true
	case errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil:
		return req, ctl.Response{Kind: ctl.KindError, Payload: msgStopping}, false
	case errors.Is(err, errRestoreBusy):
		s.Logger.Warn("control socket: a restore came while another was under way; answered busy")
		return req, ctl.Response{Kind: ctl.KindError, Payload: msgBusyRestore}, false
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.Logger.Warn("control socket: bad request", "err", err)
		return req, ctl.Response{Kind: ctl.KindError, Payload: "request timed out"}, false
	}
	s.Logger.Warn("control socket: bad request", "err", err)
	return req, ctl.Response{Kind: ctl.KindError, Payload: err.Error()}, false
}

var (
	restorePrefix  = []byte(ctl.CmdRestore + ":")
	completePrefix = []byte(ctl.CmdComplete + ":")
)

// readRequest reads r to EOF, but never more than ctl.MaxRequest bytes, or
// ctl.MaxRestore bytes for a request that starts with "restore:"
// (ctl.MaxComplete for "complete:"). A restore longer than ctl.MaxRequest
// is read only in sl's restore slot, which it keeps until sl is released:
// a few megabytes each, restores read at once would add up to gigabytes.
// When another restore holds the slot, the error is errRestoreBusy.
func readRequest(r io.Reader, sl *slots) ([]byte, error) {
	b, err := readUpTo(r, make([]byte, 0, 512), ctl.MaxRequest+1)
	if err != nil || len(b) <= ctl.MaxRequest {
		return b, err
	}
	var limit int
	switch {
	case bytes.HasPrefix(b, restorePrefix):
		if !sl.takeRestore() {
			return nil, errRestoreBusy
		}
		limit = ctl.MaxRestore
	case bytes.HasPrefix(b, completePrefix):
		limit = ctl.MaxComplete
	default:
		return nil, errTooLarge
	}
	// The buffer is as large as the request may be, so that it is never
	// copied as it grows; only the pages that the request fills cost memory.
	b, err = readUpTo(r, append(make([]byte, 0, limit+1), b...), limit+1)
	if err == nil && len(b) > limit {
		err = errTooLarge
	}
	return b, err
}

// readUpTo appends what r has, up to EOF, to b until b holds n bytes.
func readUpTo(r io.Reader, b []byte, n int) ([]byte, error) {
	for len(b) < n {
		if len(b) == cap(b) {
			b = slices.Grow(b, min(cap(b), n-len(b)))
		}
		m, err := r.Read(b[len(b):min(cap(b), n)])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return b, nil
}

// handle returns the Handler's answer to req, or an error answer if it
// panicked.
func (s *Server) handle(ctx context.Context, req ctl.Request) (resp ctl.Response) {
	defer func() {
		if v := recover(); v != nil {
			s.Logger.Error("control socket: handler panicked", "cmd", req.Cmd, "panic", v, "stack", string(debug.Stack()))
			resp = ctl.Response{Kind: ctl.KindError, Payload: "internal error in the server (see its log)"}
		}
	}()
	return s.Handler.Handle(ctx, req)
}
