package endpoint

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime/debug"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// serveConn handles one connection; the caller closes it.
func (s *Server) serveConn(ctx context.Context, c *net.UnixConn, uid int, sl *slots) {
	if !s.peerIsUs(c, uid) {
		return
	}
	req, resp, ok := s.request(c)
	switch {
	case ok && req.Waits():
		resp = s.wait(ctx, c, req, sl)
	case ok:
		resp = s.handle(ctx, req)
	}
	c.SetWriteDeadline(time.Now().Add(s.Limits.WriteTimeout))
	if _, err := c.Write(resp.Encode()); err != nil {
		s.Logger.Debug("control socket: answer not delivered", "err", err)
	}
}

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
// resp is the error answer.
func (s *Server) request(c *net.UnixConn) (req ctl.Request, resp ctl.Response, ok bool) {
	c.SetReadDeadline(time.Now().Add(s.Limits.ReadTimeout))
	b, err := readRequest(c)
	if err == nil {
		req, err = ctl.DecodeRequest(b)
	}
	if err != nil {
		s.Logger.Warn("control socket: bad request", "err", err)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return req, ctl.Response{Kind: ctl.KindError, Payload: "request timed out"}, false
		}
		return req, ctl.Response{Kind: ctl.KindError, Payload: err.Error()}, false
	}
	return req, resp, true
}

var (
	restorePrefix  = []byte(ctl.CmdRestore + ":")
	completePrefix = []byte(ctl.CmdComplete + ":")
)

// readRequest reads r to EOF, but never more than ctl.MaxRequest bytes, or
// ctl.MaxRestore bytes for a request that starts with "restore:"
// (ctl.MaxComplete for "complete:").
func readRequest(r io.Reader) ([]byte, error) {
	var b bytes.Buffer
	if _, err := b.ReadFrom(io.LimitReader(r, ctl.MaxRequest+1)); err != nil {
		return nil, err
	}
	limit := ctl.MaxRequest
	switch {
	case b.Len() <= limit:
		return b.Bytes(), nil
	case bytes.HasPrefix(b.Bytes(), restorePrefix):
		limit = ctl.MaxRestore
	case bytes.HasPrefix(b.Bytes(), completePrefix):
		limit = ctl.MaxComplete
	}
	if _, err := b.ReadFrom(io.LimitReader(r, int64(limit+1-b.Len()))); err != nil {
		return nil, err
	}
	if b.Len() > limit {
		return nil, errTooLarge
	}
	return b.Bytes(), nil
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
