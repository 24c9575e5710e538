package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/testtool"
)

// unitFile is the systemd user unit that make install installs.
const unitFile = "../../lib/systemd/user/pizauth.service"

// installedBinary is the path the unit names, which make install replaces.
const installedBinary = "/usr/local/bin/pizauth"

// TestSystemdUnit checks the unit with `systemd-analyze verify --user`,
// which must print nothing: the unit is copied with its pizauth path
// pointing at this test binary, and MANPATH holds our man pages so that
// its Documentation= entries are checked too.
func TestSystemdUnit(t *testing.T) {
	testtool.Require(t, "systemd-analyze")
	testtool.Require(t, "man")
	exe, err := exec.LookPath("pizauth") // this test binary, set up by testscript.Main
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(src), installedBinary); n != 3 {
		t.Fatalf("the unit names %s %d times; want 3 (ExecStart, ExecReload, ExecStop)", installedBinary, n)
	}
	dir := t.TempDir()
	unit := filepath.Join(dir, "pizauth.service")
	text := strings.ReplaceAll(string(src), installedBinary, exe)
	if err := os.WriteFile(unit, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	manDir := filepath.Join(dir, "man")
	copyManPage(t, "../../man/pizauth.1", filepath.Join(manDir, "man1"))
	copyManPage(t, "../../man/pizauth.conf.5", filepath.Join(manDir, "man5"))
	runtimeDir := filepath.Join(dir, "run")
	if err := os.Mkdir(runtimeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("systemd-analyze", "verify", "--user", unit)
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+runtimeDir, "MANPATH="+manDir, "SYSTEMD_PAGER=", "SYSTEMD_LOG_COLOR=0")
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify --user: %v\n%s", err, out)
	}
}

func copyManPage(t *testing.T, src, dir string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(src)), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
