package listen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

const (
	maxConns   = 64              // ordinary requests handled at once
	maxWaits   = 256             // waiting requests (show --wait) at once, apart from those
	busyAfter  = 2 * time.Second // how long a connection may wait for a free slot
	ioTimeout  = 5 * time.Second // to read a whole request, and to write an answer
	touchEvery = time.Hour       // well within the 6 hours of the XDG runtime-dir rule
)

// Handler answers decoded requests. Handle is called concurrently and may
// panic without bringing the server down. It must not block for long,
// except for a request that waits (ctl.Request.Waits): ctx is then done as
// soon as its client hangs up, as well as when the server stops.
type Handler interface {
	Handle(ctx context.Context, req ctl.Request) ctl.Response
}

var errTooLarge = errors.New("request too large")

// Serve accepts connections until ctx is done or the Listener is closed, then
// waits for the connections in progress and returns nil. For each connection:
// a peer whose uid is not ours is closed without an answer (and logged); the
// request is read to EOF within 5 s and at most ctl.MaxRequest bytes (ctl.MaxRestore
// for restore), decoded, given to h, and the answer written within 5 s. A bad
// request gets an `error:` answer. log may be nil.
//
// At most 64 ordinary requests are handled at once; further connections wait
// in the kernel's accept queue for up to 2 s, after which they are answered
// "busy" at once until a slot is free. A request that waits (show --wait)
// leaves its slot once read, for one of 256 of its own (beyond which it is
// answered "busy"), and its wait ends when its client hangs up (see wait.go).
//
// Serve also touches the socket and lock file every hour. Call it once.
func (l *Listener) Serve(ctx context.Context, h Handler, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := l.listener().SetDeadline(time.Time{}); err != nil {
		return nil // closed already
	}
	stop := context.AfterFunc(ctx, func() { l.listener().SetDeadline(time.Unix(1, 0)) }) // unblocks Accept
	defer stop()
	wg.Go(func() { l.keepFresh(ctx, log) })
	wg.Go(func() { l.watchDir(ctx, log) })

	uid := os.Getuid()
	ordinary := make(chan struct{}, l.maxConns)
	waits := make(chan struct{}, l.maxWaits)
	var backoff time.Duration
	shedding := false // the slots stayed taken for busyAfter: answer busy at once
	for {
		got := l.takeSlot(ctx, ordinary, !shedding)
		if ctx.Err() != nil {
			return nil
		}
		ln := l.listener()
		c, err := ln.AcceptUnix()
		if err != nil {
			if got {
				<-ordinary
			}
			if ctx.Err() != nil {
				return nil
			}
			if l.listener() != ln {
				continue // re-created: accept on the new socket
			}
			if l.isClosed() {
				return nil
			}
			if !temporary(err) {
				return fmt.Errorf("accept on control socket: %w", err)
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			log.Warn("control socket: accept failed; retrying", "err", err, "in", backoff)
			sleep(ctx, backoff)
			continue
		}
		backoff = 0
		if !got {
			got = l.takeSlot(ctx, ordinary, false) // one may have come free meanwhile
		}
		if !got {
			if !shedding {
				log.Warn("control socket: every slot taken; answering busy until one is free", "slots", l.maxConns, "for", l.busyAfter)
			}
			shedding = true
			refuseBusy(c, uid, log)
			continue
		}
		shedding = false
		wg.Go(func() {
			defer c.Close()
			// The slot is free before the client sees the connection end.
			s := slots{ordinary: ordinary, waits: waits, held: true}
			defer s.release()
			l.serveConn(ctx, c, uid, h, log, &s)
		})
	}
}

// takeSlot takes a free slot of ordinary, waiting up to busyAfter for one
// when wait is set, and reports whether it got one.
func (l *Listener) takeSlot(ctx context.Context, ordinary chan struct{}, wait bool) bool {
	select {
	case ordinary <- struct{}{}:
		return true
	default:
	}
	if !wait {
		return false
	}
	if l.testFull != nil {
		l.testFull()
	}
	t := time.NewTimer(l.busyAfter)
	defer t.Stop()
	select {
	case ordinary <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// temporary reports whether an accept error is worth retrying: resource
// exhaustion or a connection that went away before it was accepted.
func temporary(err error) bool {
	for _, e := range [...]error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS,
		syscall.ENOMEM, syscall.ECONNABORTED, syscall.EINTR} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// keepFresh touches the socket and lock file regularly until ctx is done.
func (l *Listener) keepFresh(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(l.touchEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			l.recreateIfGone(log)
			if err := l.touch(); err != nil {
				log.Warn("control socket: cannot refresh timestamps", "err", err)
			}
		}
	}
}

// serveConn handles one connection; the caller closes it.
func (l *Listener) serveConn(ctx context.Context, c *net.UnixConn, uid int, h Handler, log *slog.Logger, s *slots) {
	if !peerIsUs(c, uid, log) {
		return
	}
	req, resp, ok := l.request(c, log)
	switch {
	case ok && req.Waits():
		resp = l.wait(ctx, c, req, h, log, s)
	case ok:
		resp = handle(ctx, h, req, log)
	}
	c.SetWriteDeadline(time.Now().Add(l.writeTimeout))
	if _, err := c.Write(resp.Encode()); err != nil {
		log.Debug("control socket: answer not delivered", "err", err)
	}
}

// peerIsUs reports whether the peer of c runs as uid, and logs why when it
// does not.
func peerIsUs(c *net.UnixConn, uid int, log *slog.Logger) bool {
	peer, pid, err := peerCred(c)
	if err != nil {
		log.Warn("control socket: refused a client whose credentials cannot be read", "err", err)
		return false
	}
	if peer != uid {
		log.Warn("control socket: refused a client of another user", "uid", peer, "pid", pid)
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
func (l *Listener) request(c *net.UnixConn, log *slog.Logger) (req ctl.Request, resp ctl.Response, ok bool) {
	c.SetReadDeadline(time.Now().Add(l.readTimeout))
	b, err := readRequest(c)
	if err == nil {
		req, err = ctl.DecodeRequest(b)
	}
	if err != nil {
		log.Warn("control socket: bad request", "err", err)
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

// handle returns h's answer to req, or an error answer if h panicked.
func handle(ctx context.Context, h Handler, req ctl.Request, log *slog.Logger) (resp ctl.Response) {
	defer func() {
		if v := recover(); v != nil {
			log.Error("control socket: handler panicked", "cmd", req.Cmd, "panic", v, "stack", string(debug.Stack()))
			resp = ctl.Response{Kind: ctl.KindError, Payload: "internal error in the server (see its log)"}
		}
	}()
	return h.Handle(ctx, req)
}
