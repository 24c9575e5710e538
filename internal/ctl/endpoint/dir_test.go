package endpoint

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/testtool"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

func claim(t *testing.T, dir string) *Dir {
	t.Helper()
	d, err := Claim(dir)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestClaimFiles(t *testing.T) {
	dir := testtool.ShortDir(t)
	d := claim(t, dir)
	if got, want := d.Socket(), filepath.Join(dir, paths.SocketName); got != want {
		t.Errorf("Socket: got %q; want %q", got, want)
	}
	lockPath := filepath.Join(dir, paths.LockName)
	tests := []struct {
		path string
		want fs.FileMode
	}{
		{d.Socket(), fs.ModeSocket | 0o600},
		{lockPath, 0o600},
	}
	for _, tt := range tests {
		fi, err := os.Lstat(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode(); got != tt.want {
			t.Errorf("mode of %q: got %v; want %v", tt.path, got, tt.want)
		}
	}
	b, err := os.ReadFile(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), strconv.Itoa(os.Getpid())+"\n"; got != want {
		t.Errorf("lock file content: got %q; want %q", got, want)
	}
}

func TestClaimRemovesStaleSocket(t *testing.T) {
	dir := testtool.ShortDir(t)
	path := filepath.Join(dir, paths.SocketName)
	testtool.LeaveSocket(t, path)
	if _, err := (&ctl.Client{Socket: path}).Do(ctl.Request{Cmd: ctl.CmdStatus}); !errors.Is(err, ctl.ErrNotRunning) {
		t.Fatalf("Status on a stale socket: got %v; want ctl.ErrNotRunning", err)
	}
	s := startServerIn(t, dir)
	if resp, err := s.Do(ctl.Request{Cmd: ctl.CmdStatus}); err != nil || resp.Kind != ctl.KindOK {
		t.Errorf("Status: got %+v, %v; want an ok answer", resp, err)
	}
}

// startServerIn serves echo from dir until the test ends.
func startServerIn(t *testing.T, dir string) *ctl.Client {
	t.Helper()
	d := claim(t, dir)
	done := make(chan struct{})
	ctx := t.Context()
	go func() {
		defer close(done)
		(&Server{Handler: echo}).Serve(ctx, d)
	}()
	t.Cleanup(func() { d.Close(); <-done })
	return &ctl.Client{Socket: d.Socket()}
}

func TestClaimRefusesNonSocket(t *testing.T) {
	dir := testtool.ShortDir(t)
	path := filepath.Join(dir, paths.SocketName)
	if err := os.WriteFile(path, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if d, err := Claim(dir); err == nil || !strings.Contains(err.Error(), "not a socket") {
		if err == nil {
			d.Close()
		}
		t.Fatalf("Claim: got %v; want an error saying it is not a socket", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "keep me" {
		t.Errorf("file: got %q, %v; want it untouched", b, err)
	}
	// The failed Claim released the lock.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	claim(t, dir)
}

func TestClaimAlreadyRunning(t *testing.T) {
	dir := testtool.ShortDir(t)
	d := claim(t, dir)
	d2, err := Claim(dir)
	if !errors.Is(err, ErrAlreadyRunning) {
		if err == nil {
			d2.Close()
		}
		t.Fatalf("second Claim: got %v; want ErrAlreadyRunning", err)
	}
	if want := "pid " + strconv.Itoa(os.Getpid()); !strings.Contains(err.Error(), want) {
		t.Errorf("error: got %q; want it to name %q", err, want)
	}
	// The first server's socket is untouched.
	if _, err := os.Lstat(d.Socket()); err != nil {
		t.Errorf("socket after a refused Claim: %v", err)
	}
}

func TestCloseReleasesLock(t *testing.T) {
	dir := testtool.ShortDir(t)
	d := claim(t, dir)
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: got %v; want nil", err)
	}
	if _, err := os.Lstat(d.Socket()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket after Close: got %v; want it removed", err)
	}
	claim(t, dir)
}

func TestCloseKeepsReplacedSocket(t *testing.T) {
	dir := testtool.ShortDir(t)
	d := claim(t, dir)
	if err := os.Remove(d.Socket()); err != nil {
		t.Fatal(err)
	}
	testtool.LeaveSocket(t, d.Socket())
	replacement, err := os.Lstat(d.Socket())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	fi, err := os.Lstat(d.Socket())
	if err != nil || !os.SameFile(fi, replacement) {
		t.Errorf("socket after Close: got %v, %v; want the replacement kept", fi, err)
	}
}

func TestClaimPathTooLong(t *testing.T) {
	dir := filepath.Join(testtool.ShortDir(t), strings.Repeat("d", 120))
	_, err := Claim(dir)
	if err == nil || !strings.Contains(err.Error(), "the limit is") {
		t.Errorf("Claim: got %v; want an error about the path length", err)
	}
	_, err = (&ctl.Client{Socket: filepath.Join(dir, paths.SocketName)}).Do(ctl.Request{Cmd: ctl.CmdStatus})
	if err == nil || !strings.Contains(err.Error(), "the limit is") {
		t.Errorf("Status: got %v; want an error about the path length", err)
	}
}

func TestSocketBornPrivate(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the mode is set before bind only on Linux")
	}
	old := syscall.Umask(0) // no t.Parallel in this package: the umask is process-wide
	path := filepath.Join(testtool.ShortDir(t), "s")
	ln, err := listenUnix(path)
	syscall.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode(), fs.ModeSocket|0o600; got != want {
		t.Errorf("mode right after bind with umask 0: got %v; want %v", got, want)
	}
}

func TestTouch(t *testing.T) {
	dir := testtool.ShortDir(t)
	d := claim(t, dir)
	old := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	files := []string{d.Socket(), filepath.Join(dir, paths.LockName)}
	for _, p := range files {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.touch(); err != nil {
		t.Fatalf("touch: %v", err)
	}
	for _, p := range files {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.ModTime().After(old) {
			t.Errorf("%q: got mtime %v; want it after %v", p, fi.ModTime(), old)
		}
	}
}

// TestClaimRefusesForeignLockFile: a lock file that is not the user's
// can only have been put there by another user while the runtime directory
// was open to others, before paths.EnsureDir made it private; holding its
// lock from a descriptor opened then, that user keeps every server out.
// Claim says so at once, and what to remove, instead of waiting and
// reporting a server already running.
func TestClaimRefusesForeignLockFile(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to make a file of another user")
	}
	dir := testtool.ShortDir(t)
	path := filepath.Join(dir, paths.LockName)
	foreign, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	defer foreign.Close()
	if err := foreign.Chown(65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(foreign.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	_, err = Claim(dir)
	if err == nil || errors.Is(err, ErrAlreadyRunning) || !strings.Contains(err.Error(), "is owned by uid 65534, not by uid 0: another user put it there; remove it") {
		t.Errorf("Claim: got %v; want a refusal saying to remove the lock file", err)
	}
}
