// Package testtool holds what tests in several packages share: the rule
// for tests that drive real programs, short temporary directories for Unix
// sockets, and stale sockets. It is imported by tests only.
package testtool

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Require skips the test when prog is not installed, unless the CI
// environment variable is set: CI must run every test, so there a missing
// program fails it (scripts/test-deps installs the programs listed in
// scripts/deps/*.list).
func Require(t testing.TB, prog string) {
	t.Helper()
	if _, err := exec.LookPath(prog); err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set and %s is not installed: run scripts/test-deps", prog)
	}
	t.Skipf("%s is not installed (scripts/test-deps installs it)", prog)
}

// ShortDir returns a new directory under the system's temporary directory,
// removed when the test ends. Socket paths are limited to about 104 bytes,
// which t.TempDir's long names can exceed.
func ShortDir(t testing.TB) string {
	t.Helper()
	d, err := os.MkdirTemp("", "pz")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// LeaveSocket creates a Unix socket file at path that nothing listens on,
// as a server that died leaves behind.
func LeaveSocket(t testing.TB, path string) {
	t.Helper()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
}

// ExecutableForAll copies the running test binary where any uid can run
// it (the build directory is private to its owner), for tests that run it
// again as another user.
func ExecutableForAll(t testing.TB) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := ShortDir(t)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	bin := filepath.Join(dir, filepath.Base(self))
	dst, err := os.OpenFile(bin, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return bin
}
