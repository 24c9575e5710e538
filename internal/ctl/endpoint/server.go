package endpoint

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// Handler answers decoded requests. Handle is called concurrently and may
// panic without bringing the server down. It must not block for long,
// except for a request that waits (ctl.Request.Waits): ctx is then done as
// soon as its client hangs up, as well as when the server stops.
type Handler interface {
	Handle(ctx context.Context, req ctl.Request) ctl.Response
}

// Limits bound what a Server takes on, at once and in time. A zero field
// means its default.
type Limits struct {
	Conns        int           // ordinary requests handled at once (64)
	Waits        int           // waiting requests at once, apart from those (256)
	BusyAfter    time.Duration // how long a connection may wait for a free slot (2 s)
	ReadTimeout  time.Duration // to read a whole request (5 s)
	WriteTimeout time.Duration // to write an answer (5 s)
}

// Default limits.
const (
	defaultConns     = 64
	defaultWaits     = 256
	defaultBusyAfter = 2 * time.Second
	defaultIOTimeout = 5 * time.Second
)

// withDefaults is l with its zero fields set to the defaults.
func (l Limits) withDefaults() Limits {
	orDefault(&l.Conns, defaultConns)
	orDefault(&l.Waits, defaultWaits)
	orDefault(&l.BusyAfter, defaultBusyAfter)
	orDefault(&l.ReadTimeout, defaultIOTimeout)
	orDefault(&l.WriteTimeout, defaultIOTimeout)
	return l
}

// orDefault sets *v to def unless it is positive.
func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Listeners gives the listening socket to accept on. A Dir does, and
// replaces its socket when it re-creates it: Serve then moves to the new one.
type Listeners interface {
	Listener() *net.UnixListener
}

// Server serves the control protocol, from the socket a Listeners gives, to
// Handler. Logger may be nil.
type Server struct {
	Handler Handler
	Logger  *slog.Logger
	Limits  Limits
}

var errTooLarge = errors.New("request too large")

// Serve accepts connections until ctx is done or the listening socket is
// closed, then waits for the connections in progress and returns nil. For
// each connection: a peer whose uid is not ours is closed without an answer
// (and logged); the request is read to EOF within ReadTimeout and at most
// ctl.MaxRequest bytes (more for restore and complete), decoded, given to
// Handler, and the answer written within WriteTimeout. A bad request gets an
// `error:` answer.
//
// At most Conns ordinary requests are handled at once; further connections
// wait in the kernel's accept queue for up to BusyAfter, after which they
// are answered "busy" at once until a slot is free. A request that waits
// (show --wait) leaves its slot once read, for one of Waits of its own
// (beyond which it is answered "busy"), and its wait ends when its client
// hangs up (see wait.go). Call Serve once.
func (s *Server) Serve(ctx context.Context, ls Listeners) error {
	srv := *s
	srv.Limits = s.Limits.withDefaults()
	if srv.Logger == nil {
		srv.Logger = slog.New(slog.DiscardHandler)
	}
	return srv.serve(ctx, ls)
}

func (s *Server) serve(ctx context.Context, ls Listeners) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	if err := ls.Listener().SetDeadline(time.Time{}); err != nil {
		return nil // closed already
	}
	stop := context.AfterFunc(ctx, func() { ls.Listener().SetDeadline(time.Unix(1, 0)) }) // unblocks Accept
	defer stop()
	uid := os.Getuid()
	ordinary := make(chan struct{}, s.Limits.Conns)
	waits := make(chan struct{}, s.Limits.Waits)
	restore := make(chan struct{}, 1)
	var backoff time.Duration
	shedding := false // the slots stayed taken for BusyAfter: answer busy at once
	for {
		got := s.takeSlot(ctx, ordinary, !shedding)
		if ctx.Err() != nil {
			return nil
		}
		ln := ls.Listener()
		c, err := ln.AcceptUnix()
		if err != nil {
			if got {
				<-ordinary
			}
			switch {
			case ctx.Err() != nil:
				return nil
			case ls.Listener() != ln:
				continue // re-created: accept on the new socket
			case errors.Is(err, net.ErrClosed):
				return nil
			case !temporary(err):
				return fmt.Errorf("accept on control socket: %w", err)
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.Logger.Warn("control socket: accept failed; retrying", "err", err, "in", backoff)
			sleep(ctx, backoff)
			continue
		}
		backoff = 0
		if !got {
			got = s.takeSlot(ctx, ordinary, false) // one may have come free meanwhile
		}
		if !got {
			if !shedding {
				s.Logger.Warn("control socket: every slot taken; answering busy until one is free",
					"slots", s.Limits.Conns, "for", s.Limits.BusyAfter)
			}
			shedding = true
			s.refuseBusy(c, uid)
			continue
		}
		shedding = false
		wg.Go(func() {
			defer c.Close()
			// The slot is free before the client sees the connection end.
			sl := slots{ordinary: ordinary, waits: waits, restore: restore, held: true}
			defer sl.release()
			s.serveConn(ctx, c, uid, &sl)
		})
	}
}

// takeSlot takes a free slot of ordinary, waiting up to BusyAfter for one
// when wait is set, and reports whether it got one.
func (s *Server) takeSlot(ctx context.Context, ordinary chan struct{}, wait bool) bool {
	select {
	case ordinary <- struct{}{}:
		return true
	default:
	}
	if !wait {
		return false
	}
	t := time.NewTimer(s.Limits.BusyAfter)
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
