package daemon

import (
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestReadReady(t *testing.T) {
	tests := []struct {
		name, sent string
		wantErr    string // "" for ready
	}{
		{"ready", "ok\n", ""},
		{"failed", "pizauth server already running (runtime directory /r)\n", "pizauth server already running (runtime directory /r)"},
		{"died", "", "pizauth server exited before it was ready (see the system log)"},
		{"ok is not a prefix", "ok\nmore\n", "ok\nmore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := readReady(strings.NewReader(tt.sent))
			if got := errString(err); got != tt.wantErr {
				t.Errorf("readReady(%q) = %q; want %q", tt.sent, got, tt.wantErr)
			}
		})
	}
}

func TestReadReadyBounded(t *testing.T) {
	err := readReady(io.MultiReader(strings.NewReader("x"), endless{}))
	if err == nil || len(err.Error()) > 64<<10 {
		t.Errorf("readReady of an endless report returned %d bytes of error; want at most 64 KiB", len(errString(err)))
	}
}

// endless is a reader that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'y'
	}
	return len(p), nil
}

// TestReadyPipe passes reports through a real pipe, as between the server
// and the command that detached it.
func TestReadyPipe(t *testing.T) {
	tests := []struct {
		name    string
		reports []error
		wantErr string
	}{
		{"ready", []error{nil}, ""},
		{"failed", []error{errors.New("http_listen \"x\": bad")}, "http_listen \"x\": bad"},
		{"only the first report counts", []error{nil, errors.New("stopped")}, ""},
		{"no report", nil, "pizauth server exited before it was ready (see the system log)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			p := &readyPipe{f: w}
			for _, e := range tt.reports {
				p.report(e)
			}
			if len(tt.reports) == 0 {
				w.Close() // the server died without reporting
			}
			if got := errString(readReady(r)); got != tt.wantErr {
				t.Errorf("got %q; want %q", got, tt.wantErr)
			}
		})
	}
	var none *readyPipe // a foreground server has none
	none.report(nil)
}

func TestTakeReadyPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fd, err := syscall.Dup(int(w.Fd())) // takeReadyPipe owns what it takes
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(readyFDEnv, strconv.Itoa(fd))
	p := takeReadyPipe()
	if p == nil {
		t.Fatal("takeReadyPipe() = nil; want the pipe")
	}
	if _, ok := os.LookupEnv(readyFDEnv); ok {
		t.Errorf("%s still set: user commands would see it", readyFDEnv)
	}
	p.report(nil)
	w.Close()
	if err := readReady(r); err != nil {
		t.Errorf("readReady() = %v; want ready", err)
	}
}

// TestReadyPipeNotInherited: the user commands the server runs before it
// is ready (persist_identity_cmd, client_secret_cmd, discovery's) must not
// inherit the pipe, or `pizauth server` waits until every background
// process they left (an agent, a `sleep 60 &`) exits.
func TestReadyPipeNotInherited(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	// What the server gets from the detaching command: a descriptor that
	// the exec kept open, without close-on-exec.
	fd, err := syscall.Dup(int(w.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(readyFDEnv, strconv.Itoa(fd))
	p := takeReadyPipe()
	if p == nil {
		t.Fatal("takeReadyPipe() = nil; want the pipe")
	}
	defer p.report(nil)
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil {
		t.Fatal(err)
	}
	if flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("the ready pipe (fd %d) is not close-on-exec: every command the server starts before it is ready inherits it", fd)
	}
}

func TestTakeReadyPipeNone(t *testing.T) {
	for _, v := range []string{"", "x", "2", "-1"} {
		t.Setenv(readyFDEnv, v)
		if p := takeReadyPipe(); p != nil {
			t.Errorf("%s=%q: got a pipe; want none", readyFDEnv, v)
		}
	}
	os.Unsetenv(readyFDEnv)
	if p := takeReadyPipe(); p != nil {
		t.Errorf("%s unset: got a pipe; want none", readyFDEnv)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
