package endpoint

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/testtool"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

func TestSocketIsRecreatedWhenTheRuntimeDirectoryIsRemoved(t *testing.T) {
	ok := handlerFunc(func(context.Context, ctl.Request) ctl.Response {
		return ctl.Response{Kind: ctl.KindOK, Payload: "alive"}
	})
	d, err := Claim(testtool.ShortDir(t))
	if err != nil {
		t.Fatal(err)
	}
	logged := make(chan slog.Record, 4)
	log := slog.New(recordHandler(logged))
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { (&Server{Handler: ok, Logger: log}).Serve(ctx, d) })
	wg.Go(func() { d.Keep(ctx, log) })
	defer func() { cancel(); wg.Wait(); d.Close() }()
	// As a logout clean-up does it, but atomically, so that the re-created
	// directory is not caught in the middle of a recursive removal.
	dir := filepath.Dir(d.Socket())
	if err := os.Rename(dir, dir+".removed"); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir + ".removed")
	select {
	case r := <-logged:
		if r.Message != msgRecreated {
			t.Fatalf("logged %q; want %q", r.Message, msgRecreated)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the socket was not re-created after its directory was removed")
	}
	resp, err := (&ctl.Client{Socket: d.Socket()}).Do(status)
	if err != nil || resp.Payload != "alive" {
		t.Fatalf("status after re-creation = %+v, %v; want the same server answering", resp, err)
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
	if _, err := Claim(dir); err == nil {
		t.Error("a second Claim succeeded after re-creation; want ErrAlreadyRunning")
	}
}

// recordHandler is a slog.Handler that sends the records of level Warn and
// above to ch, dropping those it has no room for.
type recordHandler chan<- slog.Record

func (h recordHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h recordHandler) Handle(_ context.Context, r slog.Record) error {
	select {
	case h <- r:
	default:
	}
	return nil
}
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordHandler) WithGroup(string) slog.Handler      { return h }
