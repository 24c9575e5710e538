package listen

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/paths"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

func TestSocketIsRecreatedWhenTheRuntimeDirectoryIsRemoved(t *testing.T) {
	recreated := make(chan error, 4)
	ok := handlerFunc(func(context.Context, ctl.Request) ctl.Response {
		return ctl.Response{Kind: ctl.KindOK, Payload: "alive"}
	})
	s := startServer(t, ok, func(l *Listener) { l.testRecreated = func(err error) { recreated <- err } })
	// As a logout clean-up does it, but atomically, so that the re-created
	// directory is not caught in the middle of a recursive removal.
	dir := filepath.Dir(s.l.Path())
	if err := os.Rename(dir, dir+".removed"); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir + ".removed")
	select {
	case err := <-recreated:
		if err != nil {
			t.Fatalf("re-creating the socket: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the socket was not re-created after its directory was removed")
	}
	resp, err := s.c.Status()
	if err != nil || resp.Payload != "alive" {
		t.Fatalf("Status after re-creation = %+v, %v; want the same server answering", resp, err)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("re-created directory: %v, %v; want mode 0700", fi, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, paths.LockName))
	if err != nil || string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("lock file = %q, %v; want our pid", b, err)
	}
	// The lock is ours again: a second server is refused.
	if _, err := Listen(dir); err == nil {
		t.Error("a second Listen succeeded after re-creation; want ErrAlreadyRunning")
	}
}
