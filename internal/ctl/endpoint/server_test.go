package endpoint

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/testtool"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

func TestServeRoundTrip(t *testing.T) {
	s := startServer(t, echo, Limits{})
	c := s.c
	tests := []struct {
		name string
		call func() (ctl.Response, error)
		want string
	}{
		{"show", func() (ctl.Response, error) {
			return c.Do(ctl.Request{Cmd: ctl.CmdShow, Account: "work", WithURL: true})
		}, "showtoken|work|true|0"},
		{"show -u", func() (ctl.Response, error) { return c.Do(ctl.Request{Cmd: ctl.CmdShow, Account: "a b"}) }, "showtoken|a b|false|0"},
		{"refresh", func() (ctl.Response, error) {
			return c.Do(ctl.Request{Cmd: ctl.CmdRefresh, Account: "x", WithURL: true})
		}, "refresh|x|true|0"},
		{"revoke", func() (ctl.Response, error) { return c.Do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "x"}) }, "revoke|x|false|0"},
		{"status", func() (ctl.Response, error) { return c.Do(ctl.Request{Cmd: ctl.CmdStatus}) }, "status||false|0"},
		{"reload", func() (ctl.Response, error) { return c.Do(ctl.Request{Cmd: ctl.CmdReload}) }, "reload||false|0"},
		{"shutdown", func() (ctl.Response, error) { return c.Do(ctl.Request{Cmd: ctl.CmdShutdown}) }, "shutdown||false|0"},
		{"info", func() (ctl.Response, error) { return c.Do(ctl.Request{Cmd: ctl.CmdInfo}) }, "info||false|0"},
		{"dump", func() (ctl.Response, error) { return c.Do(ctl.Request{Cmd: ctl.CmdDump}) }, "dump||false|0"},
		{"restore", func() (ctl.Response, error) { return c.Do(ctl.Request{Cmd: ctl.CmdRestore, Data: []byte("\x00dump")}) }, "restore||false|5"},
		{"complete", func() (ctl.Response, error) {
			req, err := ctl.CompleteRequest("a b", "http://localhost/?x")
			if err != nil {
				return ctl.Response{}, err
			}
			return c.Do(req)
		}, "complete|a b|false|19"},
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
	}), Limits{})
	resp, err := s.c.Do(ctl.Request{Cmd: ctl.CmdDump})
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
	s := startServer(t, echo, Limits{ReadTimeout: time.Minute})
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
		if got := rawExchange(t, s.d.Socket(), []byte(tt.req)); got != tt.want {
			t.Errorf("%s: got %.80q; want %q", tt.name, got, tt.want)
		}
	}
	// Still serving.
	if resp, err := s.c.Do(ctl.Request{Cmd: ctl.CmdStatus}); err != nil || resp.Kind != ctl.KindOK {
		t.Errorf("Status after bad requests: got %+v, %v; want an ok answer", resp, err)
	}
}

func TestServeLimits(t *testing.T) {
	s := startServer(t, echo, Limits{ReadTimeout: time.Minute}) // sizes, not time
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
		if got := rawExchange(t, s.d.Socket(), tt.req); got != tt.want {
			t.Errorf("%s: got %.80q; want %.80q", tt.name, got, tt.want)
		}
	}
}

func TestCompleteRequestTooLarge(t *testing.T) {
	_, err := ctl.CompleteRequest("work", strings.Repeat("a", ctl.MaxComplete))
	if err == nil || !strings.Contains(err.Error(), "at most 16370") {
		t.Errorf("got %v; want an error saying the address is too long", err)
	}
}

func TestServeTruncatedRequest(t *testing.T) {
	s := startServer(t, echo, Limits{ReadTimeout: 200 * time.Millisecond})
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: s.d.Socket(), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("showtoken:withurl wo")); err != nil { // and never CloseWrite
		t.Fatal(err)
	}
	// Others are served while that request hangs.
	if resp, err := s.c.Do(ctl.Request{Cmd: ctl.CmdShow, Account: "x"}); err != nil || resp.Kind != ctl.KindOK {
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
	s := startServer(t, echo, Limits{})
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: s.d.Socket(), Net: "unix"})
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
	d, err := Claim(testtool.ShortDir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	payload := strings.Repeat("x", 8<<20) // far more than the socket buffers hold
	entered := make(chan struct{})
	logs := &syncBuffer{}
	srv := &Server{
		Handler: handlerFunc(func(context.Context, ctl.Request) ctl.Response {
			close(entered)
			return ctl.Response{Kind: ctl.KindOK, Payload: payload}
		}),
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Limits: Limits{WriteTimeout: 100 * time.Millisecond},
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, d) }()
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: d.Socket(), Net: "unix"})
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
	const clients, conns = 100, 64
	var inFlight atomic.Int32
	entered := make(chan int32, clients)
	release := make(chan struct{})
	s := startServer(t, handlerFunc(func(ctx context.Context, r ctl.Request) ctl.Response {
		entered <- inFlight.Add(1)
		defer inFlight.Add(-1)
		<-release
		return ctl.Response{Kind: ctl.KindToken, Payload: r.Account}
	}), Limits{BusyAfter: 10 * time.Millisecond})
	unblock := sync.OnceFunc(func() { close(release) })
	var wg sync.WaitGroup
	defer wg.Wait()
	defer unblock() // first: the handlers return, then wg.Wait does
	answers := make(chan string, clients)
	for i := range clients {
		wg.Go(func() {
			acct := fmt.Sprintf("acct%d", i)
			resp, err := s.c.Do(show(acct))
			switch {
			case err != nil:
				answers <- err.Error()
			case resp == (ctl.Response{Kind: ctl.KindToken, Payload: acct}):
				answers <- "token"
			default:
				answers <- resp.Payload
			}
		})
	}
	// conns handlers run at once; every other client is answered busy
	// while they do, and none of them reaches the handler.
	stuck := time.After(30 * time.Second) // a failure guard, not a wait
	for n, busy := 0, 0; n < conns || busy < clients-conns; {
		select {
		case <-stuck:
			t.Fatalf("after 30s: %d handlers entered, %d clients answered busy; want %d and %d", n, busy, conns, clients-conns)
		case got := <-entered:
			if n++; got > conns {
				t.Fatalf("%d handlers at once; want at most %d", got, conns)
			}
		case a := <-answers:
			if a != msgBusy {
				t.Fatalf("a client was answered %q while every slot was taken; want %q", a, msgBusy)
			}
			busy++
		}
	}
	unblock()
	for range conns {
		if a := <-answers; a != "token" {
			t.Errorf("a client in a slot was answered %q; want its token", a)
		}
	}
}

func TestServeHandlerPanic(t *testing.T) {
	s := startServer(t, handlerFunc(func(_ context.Context, r ctl.Request) ctl.Response {
		if r.Cmd == ctl.CmdReload {
			panic("boom")
		}
		return ctl.Response{Kind: ctl.KindOK, Payload: ""}
	}), Limits{})
	resp, err := s.c.Do(ctl.Request{Cmd: ctl.CmdReload})
	if err != nil || resp.Kind != ctl.KindError {
		t.Errorf("Reload: got %+v, %v; want an error answer", resp, err)
	}
	if !strings.Contains(s.logs.String(), "boom") {
		t.Errorf("log: got %q; want the panic logged", s.logs.String())
	}
	if resp, err := s.c.Do(ctl.Request{Cmd: ctl.CmdStatus}); err != nil || resp.Kind != ctl.KindOK {
		t.Errorf("Status after a panic: got %+v, %v; want an ok answer", resp, err)
	}
}

func TestServeReturns(t *testing.T) {
	tests := []struct {
		name string
		stop func(d *Dir, cancel context.CancelFunc)
	}{
		{"context cancelled", func(_ *Dir, cancel context.CancelFunc) { cancel() }},
		{"socket closed", func(d *Dir, _ context.CancelFunc) { d.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Claim(testtool.ShortDir(t))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			started := make(chan struct{})
			done := make(chan error, 1)
			srv := &Server{Handler: handlerFunc(func(context.Context, ctl.Request) ctl.Response {
				close(started)
				return ctl.Response{Kind: ctl.KindOK, Payload: ""}
			})}
			go func() { done <- srv.Serve(ctx, d) }()
			// Make sure Serve is accepting before stopping it.
			if _, err := (&ctl.Client{Socket: d.Socket()}).Do(status); err != nil {
				t.Fatal(err)
			}
			<-started
			tt.stop(d, cancel)
			if err := <-done; err != nil {
				t.Errorf("Serve: got %v; want nil", err)
			}
		})
	}
}

func TestServeOversizeRequest(t *testing.T) {
	s := startServer(t, echo, Limits{})
	resp, err := s.c.Do(ctl.Request{Cmd: ctl.CmdShow, Account: strings.Repeat("a", 4<<20)})
	if want := (ctl.Response{Kind: ctl.KindError, Payload: "request too large"}); err != nil || resp != want {
		t.Errorf("got %+v, %v; want %+v", resp, err, want)
	}
}

// TestRestoresOneAtATime: a restore larger than an ordinary request is read
// only while no other is under way; another is answered busy at once, so
// that many 16 MiB restores at once cannot take gigabytes (64 took the
// server to 2.2 GB).
func TestRestoresOneAtATime(t *testing.T) {
	entered := make(chan int, 4)
	release := make(chan struct{})
	s := startServer(t, handlerFunc(func(_ context.Context, r ctl.Request) ctl.Response {
		if r.Cmd == ctl.CmdRestore {
			entered <- len(r.Data)
			<-release
		}
		return ctl.Response{Kind: ctl.KindOK, Payload: strconv.Itoa(len(r.Data))}
	}), Limits{ReadTimeout: time.Minute}) // sizes, not time
	large := append([]byte("restore:"), make([]byte, 1<<20)...)
	first := make(chan string, 1)
	go func() {
		resp, err := s.c.Do(ctl.Request{Cmd: ctl.CmdRestore, Data: large[len("restore:"):]})
		if err != nil {
			first <- err.Error()
			return
		}
		first <- fmt.Sprintf("%s:%s", resp.Kind, resp.Payload)
	}()
	<-entered
	if got, want := rawExchange(t, s.d.Socket(), large), "error:"+msgBusyRestore; got != want {
		t.Errorf("a restore while another is under way: got %.80q; want %q", got, want)
	}
	// Others are served meanwhile.
	if resp, err := s.c.Do(status); err != nil || resp.Kind != ctl.KindOK {
		t.Errorf("status while a restore is under way: got %+v, %v; want an ok answer", resp, err)
	}
	close(release)
	if got, want := <-first, "ok:"+strconv.Itoa(1<<20); got != want {
		t.Errorf("the first restore: got %.80q; want %q", got, want)
	}
	if got, want := rawExchange(t, s.d.Socket(), large), "ok:"+strconv.Itoa(1<<20); got != want {
		t.Errorf("a restore after the first: got %.80q; want %q", got, want)
	}
}

// TestServeStopsWithoutWaitingForSilentClients: once the server is
// stopping, a client that connected and has not finished sending its
// request is cut off at once, instead of holding the stop until its read
// deadline. A process of the user's that merely keeps a connection open
// used to delay every shutdown by up to 5 s, past the daemon's own limit,
// which then exited without its final persist_file write.
func TestServeStopsWithoutWaitingForSilentClients(t *testing.T) {
	s := startServer(t, echo, Limits{ReadTimeout: time.Hour})
	silent, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: s.d.Socket(), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	// One request served shows the silent connection was accepted before.
	if _, err := s.c.Do(status); err != nil {
		t.Fatal(err)
	}
	if returned, err := s.stopWithin(30 * time.Second); !returned {
		t.Fatal("Serve waited for a client that sent nothing, after it was asked to stop")
	} else if err != nil {
		t.Errorf("Serve: %v", err)
	}
	silent.SetReadDeadline(time.Now().Add(30 * time.Second))
	got, _ := io.ReadAll(silent)
	if want := string(ctl.KindError) + ":" + msgStopping; string(got) != want {
		t.Errorf("the silent client got %q; want %q", got, want)
	}
}

// TestServeStopsWithoutWaitingForSlowReaders: once the server is stopping,
// an answer that its client does not read (a large dump to a client
// suspended with Ctrl-Z) gets a short grace, not the whole write timeout,
// so that it cannot hold the stop past the daemon's limit.
func TestServeStopsWithoutWaitingForSlowReaders(t *testing.T) {
	answering := make(chan struct{})
	big := strings.Repeat("x", 8<<20) // far more than a socket's buffer
	h := handlerFunc(func(context.Context, ctl.Request) ctl.Response {
		close(answering)
		return ctl.Response{Kind: ctl.KindOK, Payload: big}
	})
	s := startServer(t, h, Limits{WriteTimeout: time.Hour})
	stalled, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: s.d.Socket(), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	if _, err := stalled.Write(ctl.Request{Cmd: ctl.CmdDump}.Encode()); err != nil {
		t.Fatal(err)
	}
	stalled.CloseWrite()
	<-answering
	if returned, err := s.stopWithin(30 * time.Second); !returned {
		t.Fatal("Serve waited for a client that does not read its answer, after it was asked to stop")
	} else if err != nil {
		t.Errorf("Serve: %v", err)
	}
}
