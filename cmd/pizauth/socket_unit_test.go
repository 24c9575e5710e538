package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/testtool"
)

// socketUnitFile is the socket-activation unit that make install installs
// beside unitFile.
const socketUnitFile = "../../lib/systemd/user/pizauth.socket"

// TestSystemdSocketUnit checks pizauth.socket, with pizauth.service beside
// it, with `systemd-analyze verify --user`, which must print nothing; and
// that it listens where the server would put its socket, privately.
func TestSystemdSocketUnit(t *testing.T) {
	testtool.Require(t, "systemd-analyze")
	testtool.Require(t, "man")
	src, err := os.ReadFile(socketUnitFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ListenStream=%t/pizauth/pizauth.sock\n", "SocketMode=0600\n", "DirectoryMode=0700\n"} {
		if !strings.Contains(string(src), want) {
			t.Errorf("pizauth.socket lacks %q", want)
		}
	}
	service, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pizauth.socket", src)
	write("pizauth.service", []byte(strings.ReplaceAll(string(service), installedBinary, "/bin/true")))
	manDir := filepath.Join(dir, "man")
	copyManPage(t, "../../man/pizauth.1", filepath.Join(manDir, "man1"))
	copyManPage(t, "../../man/pizauth.conf.5", filepath.Join(manDir, "man5"))
	runtimeDir := filepath.Join(dir, "run")
	if err := os.Mkdir(runtimeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("systemd-analyze", "verify", "--user", filepath.Join(dir, "pizauth.socket"))
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+runtimeDir, "MANPATH="+manDir, "SYSTEMD_PAGER=", "SYSTEMD_LOG_COLOR=0")
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify --user: %v\n%s", err, out)
	}
}
