package listen

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/testtool"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// activationSocket makes a listening socket at dir/pizauth.sock the way
// systemd does for pizauth.socket, and returns it as the file passed to
// the server.
func activationSocket(t *testing.T, dir string) *os.File {
	t.Helper()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(dir, paths.SocketName), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	defer ln.Close()
	f, err := ln.File() // a duplicate that outlives ln
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFileListener(t *testing.T) {
	dir := testtool.ShortDir(t)
	l, err := FileListener(activationSocket(t, dir), dir)
	if err != nil {
		t.Fatalf("FileListener: %v", err)
	}
	if got, want := l.Path(), filepath.Join(dir, paths.SocketName); got != want {
		t.Errorf("Path: got %q; want %q", got, want)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, echo, nil) }()
	resp, err := (&ctl.Client{Socket: l.Path()}).Status()
	if err != nil || resp.Kind != ctl.KindOK {
		t.Errorf("Status: got %+v, %v; want ok", resp, err)
	}
	if _, err := Listen(dir); !errors.Is(err, ErrAlreadyRunning) {
		t.Errorf("Listen beside an activated listener: got %v; want ErrAlreadyRunning", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if fi, err := os.Lstat(l.Path()); err != nil || fi.Mode().Type() != os.ModeSocket {
		t.Errorf("after Close: got %v, %v; want the inherited socket file left in place", fi, err)
	}
	again, err := Listen(dir) // the lock is released; the socket is stale
	if err != nil {
		t.Fatalf("Listen after Close: %v", err)
	}
	again.Close()
}

func TestFileListenerRefusesOtherFiles(t *testing.T) {
	dir := testtool.ShortDir(t)
	f, err := os.CreateTemp(dir, "plain")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FileListener(f, dir); err == nil {
		t.Errorf("FileListener on a regular file succeeded; want an error")
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	tf, err := tcp.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FileListener(tf, dir); err == nil {
		t.Errorf("FileListener on a TCP socket succeeded; want an error")
	}
	if l, err := Listen(dir); err != nil { // no lock left behind
		t.Errorf("Listen: %v", err)
	} else {
		l.Close()
	}
}

func TestListenOrInheritWithoutActivation(t *testing.T) {
	t.Setenv("LISTEN_PID", "1") // not us: ignored, as sd_listen_fds does
	t.Setenv("LISTEN_FDS", "1")
	l, inherited, err := ListenOrInherit(testtool.ShortDir(t))
	if err != nil || inherited {
		t.Fatalf("got %v, %v; want a new socket", inherited, err)
	}
	l.Close()
	if _, ok := os.LookupEnv("LISTEN_FDS"); ok {
		t.Errorf("LISTEN_FDS still set; want it removed for the user's commands")
	}
}
