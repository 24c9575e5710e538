package endpoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/testtool"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// helperEnv switches the test binary into a client that sends status: to the
// socket named by the variable and prints what happened (see TestPeerUIDRefused).
// It dials the socket itself: ctl.Client would refuse a server of another
// uid before sending anything, and this tests the server's own refusal.
const helperEnv = "PIZAUTH_CTL_TEST_DIAL"

func TestMain(m *testing.M) {
	if sock := os.Getenv(helperEnv); sock != "" {
		fmt.Println(dialStatus(sock))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// dialStatus sends status: to the socket and describes the answer.
func dialStatus(sock string) string {
	c, err := net.DialTimeout("unix", sock, 5*time.Second)
	if err != nil {
		return fmt.Sprintf("error: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	// A server that refuses the peer may close before the write: only the
	// answer counts.
	c.Write([]byte(ctl.CmdStatus + ":"))
	c.(*net.UnixConn).CloseWrite()
	b, err := io.ReadAll(c)
	if len(b) == 0 {
		return fmt.Sprintf("no answer (%v)", err)
	}
	return fmt.Sprintf("answer: %s", b)
}

// handlerFunc adapts a function to Handler.
type handlerFunc func(context.Context, ctl.Request) ctl.Response

func (f handlerFunc) Handle(ctx context.Context, r ctl.Request) ctl.Response { return f(ctx, r) }

// echo answers ok:<cmd>|<account>|<withURL>|<len(data)>.
var echo = handlerFunc(func(_ context.Context, r ctl.Request) ctl.Response {
	return ctl.Response{Kind: ctl.KindOK, Payload: fmt.Sprintf("%s|%s|%t|%d", r.Cmd, r.Account, r.WithURL, len(r.Data))}
})

// syncBuffer is a bytes.Buffer safe for concurrent use, for captured logs.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is a Dir served and kept in the background for one test.
type server struct {
	d      *Dir
	c      *ctl.Client
	logs   *syncBuffer
	cancel context.CancelFunc
	served func() error // waits for Serve and returns its error
}

// stopWithin asks Serve to stop and waits for it, for at most bound (a
// bound on a broken Serve, not a timing assertion); returned is false when
// Serve had not returned by then, and err is Serve's error.
func (s *server) stopWithin(bound time.Duration) (returned bool, err error) {
	s.cancel()
	done := make(chan error, 1)
	go func() { done <- s.served() }()
	select {
	case err := <-done:
		return true, err
	case <-time.After(bound):
		return false, nil
	}
}

// startServer claims a short directory and serves h there, within lim,
// until the test ends; the Dir is kept (Keep) meanwhile.
func startServer(t testing.TB, h Handler, lim Limits) *server {
	t.Helper()
	d, err := Claim(testtool.ShortDir(t))
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	srv := &Server{Handler: h, Logger: log, Limits: lim}
	go func() { done <- srv.Serve(ctx, d) }()
	served := sync.OnceValue(func() error { return <-done })
	kept := make(chan struct{})
	go func() { defer close(kept); d.Keep(ctx, log) }()
	t.Cleanup(func() {
		cancel()
		if err := served(); err != nil {
			t.Errorf("Serve: got %v; want nil", err)
		}
		<-kept
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &server{d: d, c: &ctl.Client{Socket: d.Socket()}, logs: logs, cancel: cancel, served: served}
}

// status and show are the requests most tests send.
var (
	status = ctl.Request{Cmd: ctl.CmdStatus}
	show   = func(account string) ctl.Request { return ctl.Request{Cmd: ctl.CmdShow, Account: account} }
)

// rawExchange sends b on a new connection, closes the write side, and returns
// everything the server answers.
func rawExchange(t *testing.T, path string, b []byte) string {
	t.Helper()
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Generous: a 16 MiB request under -race on a busy machine takes seconds.
	if err := c.SetDeadline(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	go func() { // the server may stop reading early: ignore write errors
		c.Write(b)
		c.CloseWrite()
	}()
	// A server that refused a request before reading all of it has closed
	// with unread data: Linux then reports ECONNRESET after the answer.
	got, err := io.ReadAll(c)
	if err != nil && !(len(got) > 0 && errors.Is(err, syscall.ECONNRESET)) {
		t.Fatalf("read answer: %v", err)
	}
	return string(got)
}
