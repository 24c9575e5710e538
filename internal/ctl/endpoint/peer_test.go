package endpoint

import (
	"context"
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
	}), Limits{})
	// Let the other uid reach the socket: only the peer check stands in its way.
	if err := os.Chmod(filepath.Dir(s.d.Socket()), 0o711); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(s.d.Socket(), 0o666); err != nil {
		t.Fatal(err)
	}
	bin := testtool.ExecutableForAll(t)

	cmd := exec.CommandContext(t.Context(), bin)
	cmd.Env = append(os.Environ(), helperEnv+"="+s.d.Socket(), "GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper as uid %d: %v\n%s", nobody, err, out)
	}
	if got := string(out); !strings.HasPrefix(got, "no answer") {
		t.Errorf("helper as uid %d: got %q; want no answer", nobody, got)
	}
	if n := handled.Load(); n != 0 {
		t.Errorf("handler calls: got %d; want 0", n)
	}
	if logs := s.logs.String(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "uid=65534") {
		t.Errorf("log: got %q; want a warning naming uid 65534", logs)
	}
	// Our own uid is still served.
	if resp, err := s.c.Do(ctl.Request{Cmd: ctl.CmdStatus}); err != nil || resp.Kind != ctl.KindOK {
		t.Errorf("Status as ourselves: got %+v, %v; want an ok answer", resp, err)
	}
}
