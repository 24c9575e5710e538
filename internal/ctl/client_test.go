package ctl

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
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
	testtool.LeaveSocket(t, stale)
	tests := []struct {
		name, socket string
		cause        error
	}{
		{"no socket", filepath.Join(dir, "none.sock"), syscall.ENOENT},
		{"no directory", filepath.Join(dir, "none", "x.sock"), syscall.ENOENT},
		{"stale socket", stale, syscall.ECONNREFUSED},
	}
	for _, tt := range tests {
		_, err := (&Client{Socket: tt.socket}).Do(Request{Cmd: CmdStatus})
		if !errors.Is(err, ErrNotRunning) || !errors.Is(err, tt.cause) {
			t.Errorf("%s: got %v; want ErrNotRunning wrapping %v", tt.name, err, tt.cause)
		}
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
		{"timeout", hangs, 50 * time.Millisecond, "timed out"},
		{"closed", closes, 0, "closed without an answer"},
	}
	for _, tt := range tests {
		_, err := (&Client{Socket: tt.socket, Timeout: tt.timeout}).Do(Request{Cmd: CmdStatus})
		if !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v; want ErrNotRunning and %q", tt.name, err, tt.want)
		}
	}
	_, err := (&Client{Socket: garbles}).Do(Request{Cmd: CmdStatus})
	if err == nil || errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "malformed answer") {
		t.Errorf("garbled answer: got %v; want an error about a malformed answer", err)
	}
}

func TestClientPathTooLong(t *testing.T) {
	long := "/tmp/" + strings.Repeat("x", 200) + "/pizauth.sock"
	_, err := (&Client{Socket: long}).Do(Request{Cmd: CmdStatus})
	if err == nil || !strings.Contains(err.Error(), "the limit is 107") {
		t.Errorf("got %v; want an error naming the length limit", err)
	}
}

func TestClientWaitDeadline(t *testing.T) {
	hangs := silentServer(t, nil)
	c := &Client{Socket: hangs, Timeout: 20 * time.Millisecond}
	start := time.Now()
	_, err := c.Do(Request{Cmd: CmdShowWait, Account: "a", Wait: 100 * time.Millisecond})
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("got %v; want ErrNotRunning", err)
	}
	// The bound is a floor, not a timing assertion: the client must not give
	// up before the server's wait plus the timeout have passed.
	if waited := time.Since(start); waited < 120*time.Millisecond {
		t.Errorf("gave up after %v; want at least the wait plus the timeout (120ms)", waited)
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

// waitingForPeer reports whether a thread of this process is blocked in a
// Unix-socket connect, waiting for room in an accept queue.
func waitingForPeer(t *testing.T) bool {
	tasks, err := filepath.Glob("/proc/self/task/*/wchan")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tasks {
		if b, _ := os.ReadFile(f); string(b) == "unix_wait_for_peer" {
			return true
		}
	}
	return false
}

func TestClientWaitsForFullQueue(t *testing.T) {
	path, lfd, fillers := fullQueue(t)
	f := os.NewFile(uintptr(lfd), path)
	ln, err := net.FileListener(f) // a duplicate of lfd
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	done := make(chan error, 1)
	go func() {
		resp, err := (&Client{Socket: path}).Do(Request{Cmd: CmdStatus})
		if err == nil && resp != (Response{KindOK, "late"}) {
			err = errors.New("unexpected answer " + string(resp.Kind) + ":" + resp.Payload)
		}
		done <- err
	}()
	// The client's connect blocks in the kernel until the queue has room.
	for deadline := time.Now().Add(10 * time.Second); !waitingForPeer(t); {
		if time.Now().After(deadline) {
			t.Skip("cannot see the client wait in connect (/proc/self/task/*/wchan)")
		}
		runtime.Gosched()
	}
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
	_, err := (&Client{Socket: path, Timeout: 30 * time.Millisecond}).Do(Request{Cmd: CmdStatus})
	if !errors.Is(err, ErrNotRunning) || !errors.Is(err, syscall.EAGAIN) {
		t.Errorf("got %v; want ErrNotRunning wrapping EAGAIN", err)
	}
}
