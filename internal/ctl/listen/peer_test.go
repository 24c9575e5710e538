package listen

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/pizauth-go/pizauth/internal/testtool"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

const nobody = 65534

func TestPeerUIDRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client as another uid")
	}
	var handled atomic.Int32
	s := startServer(t, handlerFunc(func(context.Context, ctl.Request) ctl.Response {
		handled.Add(1)
		return ctl.Response{Kind: ctl.KindOK, Payload: "secret status"}
	}), nil)
	// Let the other uid reach the socket: only the peer check stands in its way.
	if err := os.Chmod(filepath.Dir(s.l.Path()), 0o711); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(s.l.Path(), 0o666); err != nil {
		t.Fatal(err)
	}
	bin := copyTestBinary(t)

	cmd := exec.CommandContext(t.Context(), bin)
	cmd.Env = append(os.Environ(), helperEnv+"="+s.l.Path())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper as uid %d: %v\n%s", nobody, err, out)
	}
	if got, want := string(out), "error: "+ctl.ErrNotRunning.Error(); !strings.HasPrefix(got, want) {
		t.Errorf("helper as uid %d: got %q; want no answer (%q...)", nobody, got, want)
	}
	if n := handled.Load(); n != 0 {
		t.Errorf("handler calls: got %d; want 0", n)
	}
	if logs := s.logs.String(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "uid=65534") {
		t.Errorf("log: got %q; want a warning naming uid 65534", logs)
	}
	// Our own uid is still served.
	if resp, err := s.c.Status(); err != nil || resp.Kind != ctl.KindOK {
		t.Errorf("Status as ourselves: got %+v, %v; want an ok answer", resp, err)
	}
}

// copyTestBinary copies the running test binary where another uid can run it.
func copyTestBinary(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := testtool.ShortDir(t)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	bin := filepath.Join(dir, "ctl.test")
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
