// Package shellcmd runs the user's commands (auth_notify_cmd,
// error_notify_cmd, token_event_cmd, startup_cmd, transient_error_if_cmd)
// the way the original pizauth does: `$SHELL -c command`, with extra
// environment variables, standard output and error inherited from the
// server (the terminal under `pizauth server -d`, the journal under systemd,
// /dev/null when detached).
//
// Each command runs in a process group of its own, so that on a timeout or
// cancellation everything it started can be stopped together: SIGTERM to the
// group, then SIGKILL once a grace period has passed. Neither a command that
// ignores SIGTERM nor a background process holding its output open can make
// Run hang.
package shellcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"syscall"
	"time"
)

const (
	// grace is how long a terminated command's process group has between
	// SIGTERM and SIGKILL, and how long Output waits for the output pipe to
	// close after the shell has exited.
	grace        = 2 * time.Second
	defaultShell = "/bin/sh"
)

// Run runs `$SHELL -c command` ($SHELL from the server's environment,
// /bin/sh when unset or empty) with os.Environ() plus env, where an entry of
// env replaces any earlier one with the same key. Stdin is /dev/null;
// stdout and stderr are the server's own, passed as they are (no pipe), so
// Run returns as soon as the shell exits, whatever its background processes
// do with them. A zero timeout means none. On timeout or ctx cancellation
// the command's whole process group gets SIGTERM, then SIGKILL after 2 s;
// Run returns only then.
//
// The command is logged at debug level only, under name (e.g.
// "auth_notify_cmd"), with how it ended; a timeout is logged as an error. The error says how it ended:
// "exit status 3", "killed by signal 9 (killed)", "timed out after 10s" or
// "cancelled: ...". A background process a command started and left running
// is left running.
func Run(ctx context.Context, log *slog.Logger, name, command string, env []string, timeout time.Duration) error {
	return run(ctx, log, name, command, env, timeout, runOptions{})
}

// runOptions are what run does beyond Run.
type runOptions struct {
	// stdout and stderr, when set, replace the server's standard output
	// (Output captures it: it may be secret) and standard error (tests).
	// An *os.File is passed to the command as it is; any other writer is
	// fed through a pipe.
	stdout, stderr io.Writer
	// started, when set, is called with the process group id as soon as
	// the shell has started.
	started func(pgid int)
}

// run is Run with the extras of o.
func run(ctx context.Context, log *slog.Logger, name, command string, env []string,
	timeout time.Duration, o runOptions) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	environ, err := mergeEnv(os.Environ(), env)
	if err != nil {
		return err
	}
	var timedOut error // the cause of ctx when the timeout expires
	if timeout > 0 {
		timedOut = fmt.Errorf("timed out after %v", timeout)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, timedOut)
		defer cancel()
	}
	c := newProcess(ctx, command, environ)
	if o.stdout != nil {
		c.cmd.Stdout = o.stdout
	}
	if o.stderr != nil {
		c.cmd.Stderr = o.stderr
	}
	log.Debug("running command", "name", name, "command", command)
	if err := c.cmd.Start(); err != nil {
		return fmt.Errorf("cannot start %q: %w", c.cmd.Path, err)
	}
	if o.started != nil {
		o.started(c.cmd.Process.Pid)
	}
	err = c.wait(ctx, timedOut)
	result := "exit status 0"
	if err != nil {
		result = err.Error()
	}
	if err != nil && err == timedOut {
		// Shown without -v: a notification that waits for the user (a
		// click) is cut off here, and nothing else would tell them why.
		log.Error("command killed at its time limit, with every process it started in its process group",
			"name", name, "timeout", timeout)
	}
	log.Debug("command finished", "name", name, "result", result)
	return err
}

// process is a shell running a command in a process group of its own.
type process struct {
	cmd    *exec.Cmd
	termAt time.Time // when cmd.Cancel sent SIGTERM; Wait has synchronised with it
}

func newProcess(ctx context.Context, command string, env []string) *process {
	p := &process{cmd: exec.CommandContext(ctx, shell(), "-c", command)}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = os.Stdout, os.Stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p.cmd.Cancel = p.terminate
	p.cmd.WaitDelay = grace
	return p
}

// terminate sends SIGTERM to the process group.
func (p *process) terminate() error {
	err := signalGroup(p.cmd.Process.Pid, syscall.SIGTERM)
	if err == nil {
		p.termAt = time.Now()
	}
	return err
}

// wait waits for the shell, then, if it was terminated, kills what is left
// of its group, and says how it ended.
func (p *process) wait(ctx context.Context, timedOut error) error {
	werr := p.cmd.Wait()
	if p.termAt.IsZero() {
		return exitError(werr, p.cmd.ProcessState)
	}
	killAfterGrace(p.cmd.Process.Pid, p.termAt)
	if cause := context.Cause(ctx); cause == timedOut {
		return timedOut
	}
	return fmt.Errorf("cancelled: %w", context.Cause(ctx))
}

// shell returns the shell to run commands with.
func shell() string {
	if s := os.Getenv("SHELL"); s != "" {
		return s
	}
	return defaultShell
}

// signalGroup sends sig to the process group pgid.
func signalGroup(pgid int, sig syscall.Signal) error {
	err := syscall.Kill(-pgid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// killAfterGrace sends SIGKILL to what is left of the process group pgid,
// which got SIGTERM at termAt, once the grace period has passed.
func killAfterGrace(pgid int, termAt time.Time) {
	if syscall.Kill(-pgid, 0) != nil {
		return // nothing left
	}
	time.Sleep(time.Until(termAt.Add(grace)))
	_ = signalGroup(pgid, syscall.SIGKILL)
}

// exitError says how a process that was not terminated by Run ended.
func exitError(werr error, state *os.ProcessState) error {
	if state == nil {
		return werr
	}
	ws, ok := state.Sys().(syscall.WaitStatus)
	switch {
	case !ok:
		return werr
	case ws.Signaled():
		return fmt.Errorf("killed by signal %d (%v)", int(ws.Signal()), ws.Signal())
	case ws.ExitStatus() != 0:
		return fmt.Errorf("exit status %d", ws.ExitStatus())
	case errors.Is(werr, exec.ErrWaitDelay):
		return nil // exited 0; a background process kept Output's pipe open
	}
	return werr
}
