package endpoint

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// waitHandler holds showwait, restore and reload requests until their
// context is done, and
// status requests until release is closed; it reports each request it
// starts on entered and each wait it ends, with its cause, on ended.
type waitHandler struct {
	entered chan ctl.Cmd
	ended   chan error
	release chan struct{}
}

func newWaitHandler() *waitHandler {
	const n = 1000 // more than any test sends
	return &waitHandler{entered: make(chan ctl.Cmd, n), ended: make(chan error, n), release: make(chan struct{})}
}

func (w *waitHandler) Handle(ctx context.Context, r ctl.Request) ctl.Response {
	w.entered <- r.Cmd
	switch r.Cmd {
	case ctl.CmdShowWait, ctl.CmdRestore, ctl.CmdReload:
		<-ctx.Done()
		w.ended <- context.Cause(ctx)
		return ctl.Response{Kind: ctl.KindError, Payload: "wait ended"}
	case ctl.CmdStatus:
		<-w.release
	}
	return ctl.Response{Kind: ctl.KindOK, Payload: string(r.Cmd)}
}

// expect waits for n requests to enter the handler; the timeout only
// guards against a hang.
func (w *waitHandler) expect(t *testing.T, n int, what string) {
	t.Helper()
	guard := time.After(30 * time.Second)
	for i := range n {
		select {
		case <-w.entered:
		case <-guard:
			t.Fatalf("after 30s, %d of %d %s entered the handler", i, n, what)
		}
	}
}

// startWait sends a showwait of an hour and returns the open connection.
func startWait(t *testing.T, path string) *net.UnixConn {
	t.Helper()
	return startRequest(t, path, ctl.Request{Cmd: ctl.CmdShowWait, Account: "acct", Wait: time.Hour})
}

// startRequest sends req and returns the open connection.
func startRequest(t *testing.T, path string, req ctl.Request) *net.UnixConn {
	t.Helper()
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write(req.Encode()); err != nil {
		t.Fatal(err)
	}
	c.CloseWrite()
	return c
}

func TestWaitEndsWhenClientHangsUp(t *testing.T) {
	w := newWaitHandler()
	s := startServer(t, w, Limits{})
	c := startWait(t, s.d.Socket())
	w.expect(t, 1, "wait")
	select {
	case err := <-w.ended:
		t.Fatalf("the wait ended (%v) while its client was still there", err)
	default:
	}
	c.Close() // Ctrl-C, or a mail client giving up on its password command
	select {
	case err := <-w.ended:
		if !errors.Is(err, ErrClientGone) {
			t.Errorf("cause: got %v; want %v", err, ErrClientGone)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the wait went on for 30s after its client hung up")
	}
}

func TestWaitsDoNotStarveOthers(t *testing.T) {
	const waits = defaultConns + 16
	w := newWaitHandler()
	close(w.release)
	s := startServer(t, w, Limits{})
	// Waiting clients that stay, and as many whose clients are gone.
	for range waits {
		startWait(t, s.d.Socket())
	}
	w.expect(t, waits, "waits")
	for range defaultConns {
		startWait(t, s.d.Socket()).Close()
	}
	guard := time.After(30 * time.Second) // guards against a hang only
	for gone := 0; gone < defaultConns; {
		select {
		case err := <-w.ended:
			if !errors.Is(err, ErrClientGone) {
				t.Fatalf("a wait ended with %v; want %v", err, ErrClientGone)
			}
			gone++
		case <-guard:
			t.Fatalf("after 30s, %d of the %d waits whose clients hung up ended", gone, defaultConns)
		}
	}
	c := &ctl.Client{Socket: s.d.Socket(), Timeout: 5 * time.Second}
	for _, cmd := range []ctl.Cmd{ctl.CmdStatus, ctl.CmdShutdown} {
		if resp, err := c.Do(ctl.Request{Cmd: cmd}); err != nil || resp.Kind != ctl.KindOK {
			t.Errorf("with %d waits under way: got %+v, %v; want an ok answer", waits, resp, err)
		}
	}
}

func TestBusy(t *testing.T) {
	w := newWaitHandler()
	s := startServer(t, w, Limits{BusyAfter: 10 * time.Millisecond})
	unblock := sync.OnceFunc(func() { close(w.release) })
	c := &ctl.Client{Socket: s.d.Socket(), Timeout: 5 * time.Second}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer unblock() // first: the status requests end, then wg.Wait returns
	for range defaultConns {
		wg.Go(func() { c.Do(ctl.Request{Cmd: ctl.CmdStatus}) })
	}
	w.expect(t, defaultConns, "status requests")
	// Every ordinary slot is taken until release: busy, not "not running".
	for i := range 3 {
		resp, err := c.Do(ctl.Request{Cmd: ctl.CmdStatus})
		if want := (ctl.Response{Kind: ctl.KindError, Payload: msgBusy}); err != nil || resp != want {
			t.Errorf("request %d while full: got %+v, %v; want %+v", i, resp, err, want)
		}
	}
	if !strings.Contains(s.logs.String(), "answering busy") {
		t.Errorf("log: got %q; want the busy state logged", s.logs.String())
	}
	unblock()
	wg.Wait() // each slot is free before its client has its answer
	if resp, err := c.Do(ctl.Request{Cmd: ctl.CmdStatus}); err != nil || resp.Kind != ctl.KindOK {
		t.Errorf("after the slots came free: got %+v, %v; want an ok answer", resp, err)
	}
}

func TestWaitSlotsFull(t *testing.T) {
	const limit = 3
	w := newWaitHandler()
	s := startServer(t, w, Limits{Waits: limit})
	for range limit {
		startWait(t, s.d.Socket())
	}
	w.expect(t, limit, "waits")
	c := &ctl.Client{Socket: s.d.Socket(), Timeout: 5 * time.Second}
	resp, err := c.Do(ctl.Request{Cmd: ctl.CmdShowWait, Account: "acct", WithURL: true, Wait: time.Hour})
	if want := (ctl.Response{Kind: ctl.KindError, Payload: msgBusyWaits}); err != nil || resp != want {
		t.Errorf("one wait too many: got %+v, %v; want %+v", resp, err, want)
	}
	close(w.release)
	if resp, err := c.Do(ctl.Request{Cmd: ctl.CmdStatus}); err != nil || resp.Kind != ctl.KindOK {
		t.Errorf("status with the wait slots full: got %+v, %v; want an ok answer", resp, err)
	}
}

func TestHungUp(t *testing.T) {
	for _, tt := range []struct {
		name string
		end  func(*net.UnixConn)
		want bool
	}{
		{"open", func(*net.UnixConn) {}, false},
		{"write side shut", func(c *net.UnixConn) { c.CloseWrite() }, false},
		{"closed", func(c *net.UnixConn) { c.Close() }, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ours, theirs := socketPair(t)
			tt.end(theirs)
			raw, err := ours.SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			var got bool
			raw.Control(func(fd uintptr) { got = hungUp(int(fd)) })
			if got != tt.want {
				t.Errorf("hungUp: got %t; want %t", got, tt.want)
			}
		})
	}
}

// socketPair returns two connected Unix stream sockets.
func socketPair(t *testing.T) (*net.UnixConn, *net.UnixConn) {
	t.Helper()
	s := startServer(t, echo, Limits{})
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: s.d.Socket() + "2", Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	theirs, err := net.DialUnix("unix", nil, ln.Addr().(*net.UnixAddr))
	if err != nil {
		t.Fatal(err)
	}
	ours, err := ln.AcceptUnix()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ours.Close(); theirs.Close() })
	return ours, theirs
}

// TestRestoresAndReloadsWaitApart: a restore or a reload may wait long
// for its turn (one at a time, each running client_secret_cmd for up to
// 10 s an account), so they are served apart from ordinary requests, like
// show --wait, and end when their client hangs up. 70 restores, or 70
// reloads, whose clients were killed used to hold every ordinary slot, so
// that status, show and even shutdown were answered busy for minutes.
func TestRestoresAndReloadsWaitApart(t *testing.T) {
	for _, req := range []ctl.Request{{Cmd: ctl.CmdRestore, Data: []byte("dump")}, {Cmd: ctl.CmdReload}} {
		t.Run(string(req.Cmd), func(t *testing.T) { testWaitsApart(t, req) })
	}
}

func testWaitsApart(t *testing.T, req ctl.Request) {
	w := newWaitHandler()
	close(w.release)
	s := startServer(t, w, Limits{})
	var conns []*net.UnixConn
	for range defaultConns {
		conns = append(conns, startRequest(t, s.d.Socket(), req))
	}
	w.expect(t, defaultConns, string(req.Cmd))
	c := &ctl.Client{Socket: s.d.Socket(), Timeout: 5 * time.Second}
	if resp, err := c.Do(status); err != nil || resp.Kind != ctl.KindOK {
		t.Errorf("with %d of them waiting: got %+v, %v; want an ok answer", defaultConns, resp, err)
	}
	for _, c := range conns {
		c.Close()
	}
	guard := time.After(30 * time.Second) // guards against a hang only
	for gone := 0; gone < defaultConns; gone++ {
		select {
		case err := <-w.ended:
			if !errors.Is(err, ErrClientGone) {
				t.Fatalf("one ended with %v; want %v", err, ErrClientGone)
			}
		case <-guard:
			t.Fatalf("after 30s, %d of the %d whose clients hung up ended", gone, defaultConns)
		}
	}
}
