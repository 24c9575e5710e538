// Package testtool holds what tests in several packages share: the rule
// for tests that drive real programs, short temporary directories for Unix
// sockets, and stale sockets. It is imported by tests only.
package testtool

import (
	"net"
	"os"
	"os/exec"
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
