package listen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

const (
	maxConns   = 64              // connections handled at once
	ioTimeout  = 5 * time.Second // to read a whole request, and to write an answer
	touchEvery = time.Hour       // well within the 6 hours of the XDG runtime-dir rule
)

// Handler answers decoded requests. Handle is called concurrently, must not
// block for long, and may panic without bringing the server down.
type Handler interface {
	Handle(ctx context.Context, req ctl.Request) ctl.Response
}

var errTooLarge = errors.New("request too large")

// Serve accepts connections until ctx is done or the Listener is closed, then
// waits for the connections in progress and returns nil. For each connection:
// a peer whose uid is not ours is closed without an answer (and logged); the
// request is read to EOF within 5 s and at most ctl.MaxRequest bytes (ctl.MaxRestore
// for restore), decoded, given to h, and the answer written within 5 s. At most
// 64 connections are handled at once; further ones wait in the kernel's accept
// queue. A bad request gets an `error:` answer. log may be nil.
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
	sem := make(chan struct{}, l.maxConns)
	var a acceptor
	var backoff time.Duration
	for {
		if len(sem) == cap(sem) && l.testFull != nil {
			l.testFull()
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		ln := l.listener()
		fd, err := a.accept(ln)
		if err != nil {
			<-sem
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
		wg.Add(1) // not wg.Go: one closure per connection, not two
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			l.serveConn(ctx, &conn{fd: fd}, uid, h, log)
		}()
		// Let the connection run before accepting again: its client is
		// waiting, and connections are then served in the order they came
		// (without this, the 64-client benchmark's p99 is 25% higher).
		runtime.Gosched()
	}
}

// An acceptor accepts connections on a listening socket as bare descriptors
// (see conn), waiting in the runtime's poller, so the socket's deadline and
// Close still interrupt it.
type acceptor struct {
	ln  *os.File
	raw syscall.RawConn
	fd  int
	err error
	try func(lfd uintptr) bool // made once: a closure per call would allocate
}

// accept returns the next connection on ln.
func (a *acceptor) accept(ln *os.File) (int, error) {
	if a.try == nil {
		a.try = func(lfd uintptr) bool {
			for {
				a.fd, a.err = accept(int(lfd))
				if a.err != syscall.EINTR && a.err != syscall.ECONNABORTED {
					return a.err != syscall.EAGAIN
				}
			}
		}
	}
	if a.ln != ln {
		raw, err := ln.SyscallConn()
		if err != nil {
			return -1, err
		}
		a.ln, a.raw = ln, raw
	}
	if err := a.raw.Read(a.try); err != nil {
		return -1, err
	}
	return a.fd, a.err
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

// serveConn handles one connection and closes it.
func (l *Listener) serveConn(ctx context.Context, c *conn, uid int, h Handler, log *slog.Logger) {
	defer c.close()
	peer, pid, err := ctl.PeerCred(c.fd)
	if err != nil {
		log.Warn("control socket: refused a client whose credentials cannot be read", "err", err)
		return
	}
	if peer != uid {
		log.Warn("control socket: refused a client of another user", "uid", peer, "pid", pid)
		return
	}
	buf := buffers.Get().(*buffer)
	defer buffers.Put(buf)
	resp := l.answer(ctx, c, buf, h, log)
	c.phase(l.writeTimeout)
	if err := c.write(encode(buf[:0], resp)); err != nil {
		log.Debug("control socket: answer not delivered", "err", err)
	}
}

// answer reads and decodes the request and returns the handler's answer, or
// an error answer for a bad request or a handler that panicked. buf is free
// again when it returns.
func (l *Listener) answer(ctx context.Context, c *conn, buf *buffer, h Handler, log *slog.Logger) (resp ctl.Response) {
	c.phase(l.readTimeout)
	b, err := readRequest(c, buf)
	if err != nil {
		log.Warn("control socket: bad request", "err", err)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return ctl.Response{Kind: ctl.KindError, Payload: "request timed out"}
		}
		return ctl.Response{Kind: ctl.KindError, Payload: err.Error()}
	}
	req, err := ctl.DecodeRequest(b)
	if err != nil {
		log.Warn("control socket: bad request", "err", err)
		return ctl.Response{Kind: ctl.KindError, Payload: err.Error()}
	}
	defer func() {
		if v := recover(); v != nil {
			log.Error("control socket: handler panicked", "cmd", req.Cmd, "panic", v, "stack", string(debug.Stack()))
			resp = ctl.Response{Kind: ctl.KindError, Payload: "internal error in the server (see its log)"}
		}
	}()
	return h.Handle(ctx, req)
}
