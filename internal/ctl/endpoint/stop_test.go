package endpoint

import (
	"errors"
	"io/fs"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/testtool"
)

// TestClaimWaitsForStoppingServer: a server started while the previous one
// is stopping (`pizauth shutdown; pizauth server`) waits for it to release
// the runtime directory, instead of failing as "already running".
func TestClaimWaitsForStoppingServer(t *testing.T) {
	dir := testtool.ShortDir(t)
	synctest.Test(t, func(t *testing.T) {
		old, err := Claim(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := old.Stopping(); err != nil {
			t.Fatalf("Stopping: %v", err)
		}
		claimed := make(chan error, 1)
		go func() {
			d, err := Claim(dir)
			if err == nil {
				err = d.Close()
			}
			claimed <- err
		}()
		synctest.Wait() // the new Claim is waiting for the old server
		select {
		case err := <-claimed:
			t.Fatalf("Claim while the old server is stopping: got %v; want it to wait", err)
		default:
		}
		if err := old.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := <-claimed; err != nil {
			t.Errorf("Claim once the old server is gone: got %v; want nil", err)
		}
	})
}

// TestClaimRefusesRunningServer: a server that holds the lock is waited
// for only while it has no socket (it is stopping), and only stoppingWait;
// one that serves is refused at once.
func TestClaimRefusesRunningServer(t *testing.T) {
	tests := []struct {
		name     string
		stopping bool
		want     time.Duration
	}{
		{"serving", false, 0},
		{"stuck stopping", true, stoppingWait},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testtool.ShortDir(t)
			synctest.Test(t, func(t *testing.T) {
				old, err := Claim(dir)
				if err != nil {
					t.Fatal(err)
				}
				defer old.Close()
				if tt.stopping {
					old.Stopping()
				}
				start := time.Now()
				d, err := Claim(dir)
				if !errors.Is(err, ErrAlreadyRunning) {
					if err == nil {
						d.Close()
					}
					t.Fatalf("Claim: got %v; want ErrAlreadyRunning", err)
				}
				if waited := time.Since(start); waited > tt.want || waited < tt.want-100*time.Millisecond {
					t.Errorf("Claim gave up after %v; want %v", waited, tt.want)
				}
			})
		})
	}
}

// TestStopping: a stopping server's socket is gone at once, so that clients
// find no server (and auto-start may start one) rather than one that never
// answers; the lock stays held until Close.
func TestStopping(t *testing.T) {
	dir := testtool.ShortDir(t)
	d := claim(t, dir)
	if err := d.Stopping(); err != nil {
		t.Fatalf("Stopping: %v", err)
	}
	if err := d.Stopping(); err != nil {
		t.Errorf("second Stopping: got %v; want nil", err)
	}
	_, err := (&ctl.Client{Socket: d.Socket()}).Do(status)
	if !errors.Is(err, ctl.ErrNotRunning) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Status to a stopping server: got %v; want ErrNotRunning, no socket", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("Close after Stopping: %v", err)
	}
	claim(t, dir)
}
