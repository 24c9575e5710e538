package daemon

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// readyFDEnv tells a detached server which file descriptor leads back to
// the command that started it. It is removed from the environment at once
// so that user commands never see it.
const readyFDEnv = "PIZAUTH_READY_FD"

// readyOK is what a detached server writes once it answers requests;
// anything else it writes is the reason it failed.
const readyOK = "ok\n"

// detach starts the server in a new session with stdio on /dev/null (Go
// cannot fork safely, so it re-executes itself with -d) and waits until the
// server is ready or has failed. Like the original, which calls daemon(3)
// with nochdir, the server keeps the working directory: user commands with
// relative paths write where the user started it.
func detach(s serverSetup) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the pizauth-server executable: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	args := []string{"-d", "--config=" + s.configPath}
	if s.verbosity > 0 {
		args = append(args, "-"+strings.Repeat("v", s.verbosity))
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), readyFDEnv+"=3")
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return fmt.Errorf("starting the server: %w", err)
	}
	err = readReady(r)
	cmd.Process.Release()
	return err
}

// readReady reads what the detached server reports on the ready pipe, until
// it closes it: nil when it is ready, else why it failed.
func readReady(r io.Reader) error {
	msg, err := io.ReadAll(io.LimitReader(r, 64<<10))
	switch {
	case err != nil:
		return fmt.Errorf("waiting for the server to start: %w", err)
	case string(msg) == readyOK:
		return nil
	case string(msg) == errAlreadyRunning.Error()+"\n":
		return errAlreadyRunning
	case len(msg) == 0:
		return runError{errors.New("pizauth server exited before it was ready (see the system log)")}
	}
	return runError{errors.New(strings.TrimSuffix(string(msg), "\n"))}
}

// readyPipe leads back to the command that detached this server.
type readyPipe struct {
	once sync.Once
	f    *os.File
}

// takeReadyPipe returns the pipe to the command that detached this server,
// or nil when running in the foreground.
func takeReadyPipe() *readyPipe {
	v, ok := os.LookupEnv(readyFDEnv)
	if !ok {
		return nil
	}
	os.Unsetenv(readyFDEnv)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil
	}
	// The exec that started this server cleared close-on-exec: without it
	// again, every command the server runs before it is ready
	// (persist_identity_cmd, client_secret_cmd) would inherit the pipe, and
	// the detaching command would wait for whatever they leave running in
	// the background (an agent, a `sleep 60 &`).
	syscall.CloseOnExec(fd)
	return &readyPipe{f: os.NewFile(uintptr(fd), "ready")}
}

// report tells the detaching command, once, that the server is ready (err
// nil) or why it failed.
func (p *readyPipe) report(err error) {
	if p == nil {
		return
	}
	p.once.Do(func() {
		msg := readyOK
		if err != nil {
			msg = err.Error() + "\n"
		}
		// The detaching command may have gone; nothing to do then.
		p.f.WriteString(msg)
		p.f.Close()
	})
}
