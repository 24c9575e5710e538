package ctl

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pizauth-go/pizauth/internal/testtool"
)

func TestClientNotRunning(t *testing.T) {
	dir := testtool.ShortDir(t)
	stale := filepath.Join(dir, "stale.sock")
	leaveSocket(t, stale)
	tests := []struct {
		name, socket string
		cause        error
	}{
		{"no socket", filepath.Join(dir, "none.sock"), syscall.ENOENT},
		{"no directory", filepath.Join(dir, "none", "x.sock"), syscall.ENOENT},
		{"stale socket", stale, syscall.ECONNREFUSED},
	}
	for _, tt := range tests {
		_, err := (&Client{Socket: tt.socket}).Status(t.Context())
		if !errors.Is(err, ErrNotRunning) || !errors.Is(err, tt.cause) {
			t.Errorf("%s: got %v; want ErrNotRunning wrapping %v", tt.name, err, tt.cause)
		}
	}
}

func TestClientOversizeRequest(t *testing.T) {
	s := startServer(t, echo, nil)
	resp, err := s.c.Show(t.Context(), strings.Repeat("a", 4<<20), false)
	if want := (Response{KindError, "request too large"}); err != nil || resp != want {
		t.Errorf("got %+v, %v; want %+v", resp, err, want)
	}
}

// silentServer accepts connections on a new socket and never answers; each
// accepted connection is handled by do (nil: keep it open until the test ends).
func silentServer(t *testing.T, do func(net.Conn)) string {
	t.Helper()
	path := filepath.Join(testtool.ShortDir(t), "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		var open []net.Conn
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range open {
					c.Close()
				}
				return
			}
			if do == nil {
				open = append(open, c)
				continue
			}
			do(c)
		}
	}()
	return path
}

func TestClientNoAnswer(t *testing.T) {
	hangs := silentServer(t, nil)
	closes := silentServer(t, func(c net.Conn) { io.ReadAll(c); c.Close() })
	garbles := silentServer(t, func(c net.Conn) { io.ReadAll(c); c.Write([]byte("what")); c.Close() })
	tests := []struct {
		name    string
		socket  string
		timeout time.Duration
		want    string
	}{
		{"timeout", hangs, 50 * time.Millisecond, "i/o timeout"},
		{"closed", closes, 0, "closed without an answer"},
	}
	for _, tt := range tests {
		_, err := (&Client{Socket: tt.socket, Timeout: tt.timeout}).Status(t.Context())
		if !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v; want ErrNotRunning and %q", tt.name, err, tt.want)
		}
	}
	_, err := (&Client{Socket: garbles}).Status(t.Context())
	if err == nil || errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "malformed answer") {
		t.Errorf("garbled answer: got %v; want an error about a malformed answer", err)
	}
}

func TestClientContext(t *testing.T) {
	hangs := silentServer(t, nil)
	c := &Client{Socket: hangs}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.Status(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v; want context.Canceled", err)
	}
	ctx, cancel = context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Status(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: got %v; want context.DeadlineExceeded", err)
	}
}

// fullQueue returns a socket whose accept queue is full (backlog 1, nothing
// accepted), the listening descriptor, and the connections filling it.
func fullQueue(t *testing.T) (path string, lfd int, fillers []*net.UnixConn) {
	t.Helper()
	path = filepath.Join(testtool.ShortDir(t), "s")
	lfd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(lfd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(lfd, 1); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
		if errors.Is(err, syscall.EAGAIN) {
			return path, lfd, fillers
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		fillers = append(fillers, c)
	}
	t.Skip("the accept queue never filled: connect does not report EAGAIN here")
	return
}

func TestClientRetriesFullQueue(t *testing.T) {
	path, lfd, fillers := fullQueue(t)
	f := os.NewFile(uintptr(lfd), path)
	ln, err := net.FileListener(f) // a duplicate of lfd
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	retrying := make(chan struct{})
	testHookRetry = func() {
		select {
		case retrying <- struct{}{}:
		default:
		}
	}
	t.Cleanup(func() { testHookRetry = nil })
	done := make(chan error, 1)
	go func() {
		resp, err := (&Client{Socket: path}).Status(t.Context())
		if err == nil && resp != (Response{KindOK, "late"}) {
			err = errors.New("unexpected answer " + resp.Kind + ":" + resp.Payload)
		}
		done <- err
	}()
	<-retrying
	for _, c := range fillers {
		c.Close()
	}
	go func() { // now serve everything queued
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if b, _ := io.ReadAll(c); len(b) > 0 {
					c.Write([]byte("ok:late"))
				}
			}()
		}
	}()
	if err := <-done; err != nil {
		t.Errorf("Status after a full queue drained: got %v; want an answer", err)
	}
}

func TestClientGivesUpOnFullQueue(t *testing.T) {
	path, lfd, _ := fullQueue(t)
	t.Cleanup(func() { unix.Close(lfd) })
	_, err := (&Client{Socket: path, Timeout: 30 * time.Millisecond}).Status(t.Context())
	if !errors.Is(err, ErrNotRunning) || !errors.Is(err, syscall.EAGAIN) {
		t.Errorf("got %v; want ErrNotRunning wrapping EAGAIN", err)
	}
}
