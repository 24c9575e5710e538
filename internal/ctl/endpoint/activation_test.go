package endpoint

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

func TestClaimInherited(t *testing.T) {
	dir := testtool.ShortDir(t)
	d, err := ClaimInherited(activationSocket(t, dir), dir)
	if err != nil {
		t.Fatalf("ClaimInherited: %v", err)
	}
	if got, want := d.Socket(), filepath.Join(dir, paths.SocketName); got != want {
		t.Errorf("Socket: got %q; want %q", got, want)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- (&Server{Handler: echo}).Serve(ctx, d) }()
	resp, err := (&ctl.Client{Socket: d.Socket()}).Do(ctl.Request{Cmd: ctl.CmdStatus})
	if err != nil || resp.Kind != ctl.KindOK {
		t.Errorf("Status: got %+v, %v; want ok", resp, err)
	}
	if _, err := Claim(dir); !errors.Is(err, ErrAlreadyRunning) {
		t.Errorf("Claim beside an activated socket: got %v; want ErrAlreadyRunning", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if fi, err := os.Lstat(d.Socket()); err != nil || fi.Mode().Type() != os.ModeSocket {
		t.Errorf("after Close: got %v, %v; want the inherited socket file left in place", fi, err)
	}
	again, err := Claim(dir) // the lock is released; the socket is stale
	if err != nil {
		t.Fatalf("Claim after Close: %v", err)
	}
	again.Close()
}

func TestClaimInheritedRefusesOtherFiles(t *testing.T) {
	dir := testtool.ShortDir(t)
	f, err := os.CreateTemp(dir, "plain")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ClaimInherited(f, dir); err == nil {
		t.Errorf("ClaimInherited on a regular file succeeded; want an error")
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
	if _, err := ClaimInherited(tf, dir); err == nil {
		t.Errorf("ClaimInherited on a TCP socket succeeded; want an error")
	}
	if d, err := Claim(dir); err != nil { // no lock left behind
		t.Errorf("Claim: %v", err)
	} else {
		d.Close()
	}
}

func TestClaimOrInheritWithoutActivation(t *testing.T) {
	t.Setenv("LISTEN_PID", "1") // not us: ignored, as sd_listen_fds does
	t.Setenv("LISTEN_FDS", "1")
	d, inherited, err := ClaimOrInherit(testtool.ShortDir(t))
	if err != nil || inherited {
		t.Fatalf("got %v, %v; want a new socket", inherited, err)
	}
	d.Close()
	if _, ok := os.LookupEnv("LISTEN_FDS"); ok {
		t.Errorf("LISTEN_FDS still set; want it removed for the user's commands")
	}
}
