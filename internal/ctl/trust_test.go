package ctl

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/testtool"
)

// relistenEnv switches the test binary into a helper that calls listen(2)
// on its descriptor 3 and exits: the socket then carries the helper's
// credentials, as one another user made listen does (see impostor).
const relistenEnv = "PIZAUTH_CTL_TEST_RELISTEN"

func TestMain(m *testing.M) {
	if os.Getenv(relistenEnv) != "" {
		if err := syscall.Listen(3, 16); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const nobody = 65534

// impostor listens on path like a server planted by another user: it
// answers every request with a token and counts the bytes it receives. With
// uid >= 0 (root only) the socket's peer credentials are those of uid.
func impostor(t *testing.T, path string, uid int) *atomic.Int64 {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "impostor")
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	if uid < 0 {
		err = syscall.Listen(fd, 16)
	} else {
		err = listenAs(t, f, uid)
	}
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var received atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n, _ := io.Copy(io.Discard, c)
			received.Add(n)
			c.Write([]byte(KindToken + ":stolen-token"))
			c.Close()
		}
	}()
	return &received
}

// listenAs makes f listen in a child process running as uid.
func listenAs(t *testing.T, f *os.File, uid int) error {
	cmd := exec.Command(testtool.ExecutableForAll(t))
	cmd.Env = append(os.Environ(), relistenEnv+"=1", "GORACE=atexit_sleep_ms=0")
	cmd.ExtraFiles = []*os.File{f}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("listen as uid %d: %v\n%s", uid, err, out)
	}
	return nil
}

// wantRefused checks that a show through socket was refused for the reason
// given and that the impostor received nothing.
func wantRefused(t *testing.T, socket string, received *atomic.Int64, reason string) {
	t.Helper()
	resp, err := (&Client{Socket: socket}).Do(Request{Cmd: CmdShow, Account: "work", WithURL: true})
	if err == nil || !strings.Contains(err.Error(), reason) || !strings.Contains(err.Error(), "nothing was sent") {
		t.Errorf("Show: got %+v, %v; want an error saying %q and that nothing was sent", resp, err, reason)
	}
	if n := received.Load(); n != 0 {
		t.Errorf("the impostor received %d bytes; want 0", n)
	}
}

func TestClientRefusesSharedDirectory(t *testing.T) {
	// The fallback runtime directory under a shared /tmp, made first by
	// someone else: here, writable by everybody.
	parent := filepath.Join(testtool.ShortDir(t), "runtime-me")
	dir := filepath.Join(parent, "pizauth")
	tests := []struct {
		name                string
		parentMode, dirMode os.FileMode
		want                string
	}{
		{"runtime-$USER open to all", 0o777, 0o700, strconv.Quote(parent) + " can be written by other users (mode 0777)"},
		{"pizauth open to all", 0o700, 0o777 | os.ModeSticky, strconv.Quote(dir) + " can be written by other users (mode 0777)"},
		{"pizauth group-writable", 0o700, 0o770, "(mode 0770)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.RemoveAll(parent)
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			received := impostor(t, filepath.Join(dir, paths.SocketName), -1)
			for d, m := range map[string]os.FileMode{parent: tt.parentMode, dir: tt.dirMode} {
				if err := os.Chmod(d, m); err != nil {
					t.Fatal(err)
				}
			}
			wantRefused(t, filepath.Join(dir, paths.SocketName), received, tt.want)
		})
	}
}

func TestClientRefusesOtherUsers(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to act as another uid")
	}
	t.Run("directory", func(t *testing.T) {
		dir := filepath.Join(testtool.ShortDir(t), "runtime-me")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		received := impostor(t, filepath.Join(dir, paths.SocketName), -1)
		if err := os.Chown(dir, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		wantRefused(t, filepath.Join(dir, paths.SocketName), received, "is owned by uid 65534, not by uid 0")
	})
	t.Run("socket file", func(t *testing.T) {
		sock := filepath.Join(testtool.ShortDir(t), paths.SocketName)
		received := impostor(t, sock, -1)
		if err := os.Lchown(sock, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		wantRefused(t, sock, received, "it is owned by uid 65534, not by uid 0")
	})
	t.Run("peer", func(t *testing.T) {
		// Directory and socket file are ours: only the peer credentials
		// show that another uid listens.
		sock := filepath.Join(testtool.ShortDir(t), paths.SocketName)
		received := impostor(t, sock, nobody)
		wantRefused(t, sock, received, "the server listening on it runs as uid 65534, not as uid 0")
	})
}

func TestClientTrustsOwnServer(t *testing.T) {
	dir := filepath.Join(testtool.ShortDir(t), "runtime-me", "pizauth")
	if err := paths.EnsureDir(dir); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, paths.SocketName)
	received := impostor(t, sock, -1) // our own uid: no impostor at all
	resp, err := (&Client{Socket: sock}).Do(Request{Cmd: CmdShow, Account: "work", WithURL: true})
	if want := (Response{Kind: KindToken, Payload: "stolen-token"}); err != nil || resp != want {
		t.Errorf("Show: got %+v, %v; want %+v", resp, err, want)
	}
	if received.Load() == 0 {
		t.Error("the server received nothing")
	}
}
