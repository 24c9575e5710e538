package listen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/testtool"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

func TestServeRoundTrip(t *testing.T) {
	s := startServer(t, echo, nil)
	c := s.c
	tests := []struct {
		name string
		call func() (ctl.Response, error)
		want string
	}{
		{"show", func() (ctl.Response, error) { return c.Show("work", true) }, "showtoken|work|true|0"},
		{"show -u", func() (ctl.Response, error) { return c.Show("a b", false) }, "showtoken|a b|false|0"},
		{"refresh", func() (ctl.Response, error) { return c.Refresh("x", true) }, "refresh|x|true|0"},
		{"revoke", func() (ctl.Response, error) { return c.Revoke("x") }, "revoke|x|false|0"},
		{"status", func() (ctl.Response, error) { return c.Status() }, "status||false|0"},
		{"reload", func() (ctl.Response, error) { return c.Reload() }, "reload||false|0"},
		{"shutdown", func() (ctl.Response, error) { return c.Shutdown() }, "shutdown||false|0"},
		{"info", func() (ctl.Response, error) { return c.Info() }, "info||false|0"},
		{"dump", func() (ctl.Response, error) { return c.Dump() }, "dump||false|0"},
		{"restore", func() (ctl.Response, error) { return c.Restore([]byte("\x00dump")) }, "restore||false|5"},
		{"complete", func() (ctl.Response, error) { return c.Complete("a b", "http://localhost/?x") }, "complete|a b|false|19"},
	}
	for _, tt := range tests {
		resp, err := tt.call()
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if want := (ctl.Response{Kind: ctl.KindOK, Payload: tt.want}); resp != want {
			t.Errorf("%s: got %+v; want %+v", tt.name, resp, want)
		}
	}
}

func TestServeBinaryAnswer(t *testing.T) {
	payload := string(bytes.Repeat([]byte{0, ':', 0xff, '\n'}, 300000)) // > 1 MiB
	s := startServer(t, handlerFunc(func(context.Context, ctl.Request) ctl.Response {
		return ctl.Response{Kind: ctl.KindOK, Payload: payload}
	}), nil)
	resp, err := s.c.Dump()
	if err != nil {
		t.Fatal(err)
	}
	if resp.Kind != ctl.KindOK || resp.Payload != payload {
		t.Errorf("got kind %q and %d bytes; want %q and the %d bytes sent", resp.Kind, len(resp.Payload), ctl.KindOK, len(payload))
	}
}

func TestServeBadRequests(t *testing.T) {
	// The limits are on size here, not time: reading 16 MiB must not race
	// the read deadline on a loaded machine.
	s := startServer(t, echo, func(l *Listener) { l.readTimeout = time.Minute })
	tests := []struct {
		name, req, want string
	}{
		{"empty", "", "error:malformed request: no ':' after the command"},
		{"garbage", "\x00\x01\x02\xff\xfe", "error:malformed request: no ':' after the command"},
		{"unknown", "fly:away", `error:unknown command "fly"`},
		{"extra arg", "status:now", "error:status takes no argument"},
		{"bad flag", "showtoken:maybe x", `error:showtoken: got "maybe"; want withurl or withouturl`},
		{"no account", "revoke:", "error:revoke needs an account name"},
		{"too large", strings.Repeat("a", ctl.MaxRequest+1), "error:request too large"},
		{"4 MiB", "showtoken:withurl " + strings.Repeat("a", 4<<20), "error:request too large"},
		{"restore too large", "restore:" + strings.Repeat("a", ctl.MaxRestore), "error:request too large"},
		{"complete too large", "complete:" + strings.Repeat("a", ctl.MaxComplete) + " x", "error:request too large"},
		{"1 MiB complete", "complete:" + strings.Repeat("a", 1<<20) + " x", "error:request too large"},
	}
	for _, tt := range tests {
		if got := rawExchange(t, s.l.Path(), []byte(tt.req)); got != tt.want {
			t.Errorf("%s: got %.80q; want %q", tt.name, got, tt.want)
		}
	}
	// Still serving.
	if resp, err := s.c.Status(); err != nil || resp.Kind != ctl.KindOK {
		t.Errorf("Status after bad requests: got %+v, %v; want an ok answer", resp, err)
	}
}

func TestServeLimits(t *testing.T) {
	s := startServer(t, echo, func(l *Listener) { l.readTimeout = time.Minute }) // sizes, not time
	tests := []struct {
		name string
		req  []byte
		want string
	}{
		{"largest request", []byte("revoke:" + strings.Repeat("a", ctl.MaxRequest-len("revoke:"))),
			fmt.Sprintf("ok:revoke|%s|false|0", strings.Repeat("a", ctl.MaxRequest-len("revoke:")))},
		{"4 MiB restore", append([]byte("restore:"), make([]byte, 4<<20)...), fmt.Sprintf("ok:restore||false|%d", 4<<20)},
		{"largest restore", append([]byte("restore:"), make([]byte, ctl.MaxRestore-len("restore:"))...),
			fmt.Sprintf("ok:restore||false|%d", ctl.MaxRestore-len("restore:"))},
		{"largest complete", []byte("complete:" + strings.Repeat("a", ctl.MaxComplete-len("complete: x")) + " x"),
			fmt.Sprintf("ok:complete|x|false|%d", ctl.MaxComplete-len("complete: x"))},
	}
	for _, tt := range tests {
		if got := rawExchange(t, s.l.Path(), tt.req); got != tt.want {
			t.Errorf("%s: got %.80q; want %.80q", tt.name, got, tt.want)
		}
	}
}

func TestClientRestoreTooLarge(t *testing.T) {
	c := &ctl.Client{Socket: "/nonexistent/pizauth.sock"}
	_, err := c.Restore(make([]byte, ctl.MaxRestore))
	if err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("got %v; want an error saying the dump is too large", err)
	}
}

func TestClientCompleteTooLarge(t *testing.T) {
	c := &ctl.Client{Socket: "/nonexistent/pizauth.sock"}
	_, err := c.Complete("work", strings.Repeat("a", ctl.MaxComplete))
	if err == nil || !strings.Contains(err.Error(), "at most 16370") {
		t.Errorf("got %v; want an error saying the address is too long", err)
	}
}

func TestServeTruncatedRequest(t *testing.T) {
	s := startServer(t, echo, func(l *Listener) { l.readTimeout = 200 * time.Millisecond })
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: s.l.Path(), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("showtoken:withurl wo")); err != nil { // and never CloseWrite
		t.Fatal(err)
	}
	// Others are served while that request hangs.
	if resp, err := s.c.Show("x", false); err != nil || resp.Kind != ctl.KindOK {
		t.Errorf("Show while another request hangs: got %+v, %v; want an ok answer", resp, err)
	}
	// The hanging one times out and is told so.
	buf := make([]byte, 100)
	n, _ := c.Read(buf)
	if got, want := string(buf[:n]), "error:request timed out"; got != want {
		t.Errorf("hanging request: got %q; want %q", got, want)
	}
}

func TestServeRequestInPieces(t *testing.T) {
	s := startServer(t, echo, nil)
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: s.l.Path(), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() { // a byte a write: the server finds nothing to read at times and waits
		for _, b := range []byte("showtoken:withurl work") {
			c.Write([]byte{b})
		}
		c.CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if want := "ok:showtoken|work|true|0"; err != nil || string(got) != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

func TestServeWriteTimeout(t *testing.T) {
	l, err := Listen(testtool.ShortDir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.writeTimeout = 100 * time.Millisecond
	payload := strings.Repeat("x", 8<<20) // far more than the socket buffers hold
	entered := make(chan struct{})
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- l.Serve(ctx, handlerFunc(func(context.Context, ctl.Request) ctl.Response {
			close(entered)
			return ctl.Response{Kind: ctl.KindOK, Payload: payload}
		}), log)
	}()
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: l.Path(), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("dump:")); err != nil {
		t.Fatal(err)
	}
	c.CloseWrite()
	// The client reads nothing, so the answer can only end by the write
	// timeout; Serve waits for it before returning.
	<-entered
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: got %v; want nil", err)
	}
	if !strings.Contains(logs.String(), "answer not delivered") {
		t.Errorf("log: got %q; want the undelivered answer logged", logs.String())
	}
	got, _ := io.ReadAll(c)
	if len(got) >= len("ok:")+len(payload) {
		t.Errorf("got all %d bytes of the answer; want it cut short", len(got))
	}
}

func TestServeConcurrent(t *testing.T) {
	const clients = 100
	var inFlight atomic.Int32
	entered := make(chan int32, clients)
	release := make(chan struct{})
	full := make(chan struct{}, 1)
	s := startServer(t, handlerFunc(func(ctx context.Context, r ctl.Request) ctl.Response {
		entered <- inFlight.Add(1)
		defer inFlight.Add(-1)
		<-release
		return ctl.Response{Kind: ctl.KindToken, Payload: r.Account}
	}), func(l *Listener) {
		l.busyAfter = time.Hour // this test is about waiting, not about busy answers
		l.testFull = func() {
			select {
			case full <- struct{}{}:
			default:
			}
		}
	})
	unblock := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unblock) // before the server's cleanup, which waits for handlers
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Go(func() {
			acct := fmt.Sprintf("acct%d", i)
			resp, err := s.c.Show(acct, false)
			if err == nil && resp != (ctl.Response{Kind: ctl.KindToken, Payload: acct}) {
				err = fmt.Errorf("got %+v; want %+v", resp, ctl.Response{Kind: ctl.KindToken, Payload: acct})
			}
			errs <- err
		})
	}
	// Wait until maxConns handlers run and Serve waits for a slot; without
	// the limit, Serve would accept the other clients and a handler more
	// would enter.
	stuck := time.After(30 * time.Second) // a failure guard, not a wait
	for n, waiting := 0, false; n < maxConns || !waiting; {
		select {
		case <-stuck:
			t.Fatalf("after 30s: %d handlers entered, Serve waiting for a slot: %t; want %d and true", n, waiting, maxConns)
		case got := <-entered:
			if n++; got > maxConns {
				t.Fatalf("%d handlers at once; want at most %d", got, maxConns)
			}
		case <-full:
			waiting = true
		}
	}
	if got := inFlight.Load(); got != maxConns {
		t.Errorf("handlers at once while Serve waits: got %d; want %d", got, maxConns)
	}
	unblock()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestServeHandlerPanic(t *testing.T) {
	s := startServer(t, handlerFunc(func(_ context.Context, r ctl.Request) ctl.Response {
		if r.Cmd == ctl.CmdReload {
			panic("boom")
		}
		return ctl.Response{Kind: ctl.KindOK, Payload: ""}
	}), nil)
	resp, err := s.c.Reload()
	if err != nil || resp.Kind != ctl.KindError {
		t.Errorf("Reload: got %+v, %v; want an error answer", resp, err)
	}
	if !strings.Contains(s.logs.String(), "boom") {
		t.Errorf("log: got %q; want the panic logged", s.logs.String())
	}
	if resp, err := s.c.Status(); err != nil || resp.Kind != ctl.KindOK {
		t.Errorf("Status after a panic: got %+v, %v; want an ok answer", resp, err)
	}
}

func TestServeReturns(t *testing.T) {
	tests := []struct {
		name string
		stop func(l *Listener, cancel context.CancelFunc)
	}{
		{"context cancelled", func(_ *Listener, cancel context.CancelFunc) { cancel() }},
		{"listener closed", func(l *Listener, _ context.CancelFunc) { l.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Listen(testtool.ShortDir(t))
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			started := make(chan struct{})
			done := make(chan error, 1)
			go func() {
				done <- l.Serve(ctx, handlerFunc(func(context.Context, ctl.Request) ctl.Response {
					close(started)
					return ctl.Response{Kind: ctl.KindOK, Payload: ""}
				}), nil)
			}()
			// Make sure Serve is accepting before stopping it.
			if _, err := (&ctl.Client{Socket: l.Path()}).Status(); err != nil {
				t.Fatal(err)
			}
			<-started
			tt.stop(l, cancel)
			if err := <-done; err != nil {
				t.Errorf("Serve: got %v; want nil", err)
			}
		})
	}
}

func TestServeOversizeRequest(t *testing.T) {
	s := startServer(t, echo, nil)
	resp, err := s.c.Show(strings.Repeat("a", 4<<20), false)
	if want := (ctl.Response{Kind: ctl.KindError, Payload: "request too large"}); err != nil || resp != want {
		t.Errorf("got %+v, %v; want %+v", resp, err, want)
	}
}
