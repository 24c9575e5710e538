package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pizauth-go/pizauth/internal/cmdline"
)

// serverProgram is the server, a program of its own so that the client
// links none of its packages (see internal/daemon).
const serverProgram = "pizauth-server"

// serverPath returns the pizauth-server that belongs to this pizauth: the
// one beside it (make install, go install), else the one in
// ../libexec/pizauth/ (where a package may put it).
func serverPath() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the pizauth executable: %w", err)
	}
	return serverBeside(exe)
}

// serverBeside is serverPath for the pizauth at exe. A candidate that
// another user could have put or changed there is refused (see trusted).
func serverBeside(exe string) (string, error) {
	dir := filepath.Dir(exe)
	candidates := []string{
		filepath.Join(dir, serverProgram),
		filepath.Join(filepath.Dir(dir), "libexec", "pizauth", serverProgram),
	}
	for _, p := range candidates {
		if syscall.Access(p, 1 /* X_OK */) != nil {
			continue
		}
		if err := trusted(p); err != nil {
			return "", fmt.Errorf("refusing to run %s: %w", p, err)
		}
		return p, nil
	}
	return "", fmt.Errorf("cannot find %s, looked for %s (install it beside pizauth, e.g. with make install)",
		serverProgram, strings.Join(candidates, " and "))
}

// cmdServer replaces this process by the server, with the arguments of
// `pizauth server` as they are, so that whatever started it (a service
// manager, a shell) sees one process: the pid, $NOTIFY_SOCKET and sockets
// passed by socket activation stay valid. pizauth-server parses the
// arguments (internal/cmdline) and prints the usage if they are wrong.
func cmdServer(args []string) error {
	path, err := serverPath()
	if err != nil {
		return bareError{err}
	}
	argv := append([]string{path}, args...)
	return bareError{fmt.Errorf("running %s: %w", path, syscall.Exec(path, argv, os.Environ()))}
}

// errAlreadyRunning is startServer's error when another server answers.
var errAlreadyRunning = errors.New("pizauth authenticator already running")

// startServer runs the server as `pizauth server` would (it detaches and
// exits once its server answers, or fails saying why on standard error) and
// returns that reason as the error; errAlreadyRunning when pizauth-server
// says so by its exit status.
func startServer() error {
	path, err := serverPath()
	if err != nil {
		return err
	}
	return startServerAt(path, serverStartWait)
}

// serverStartWait bounds how long auto-start waits for the server it
// started to say it is ready: a server stuck starting must not hang every
// client. A server is ready once it listens; it waits for nothing slow
// (persist_identity_cmd and startup_cmd run in the background).
const serverStartWait = 10 * time.Second

// startServerAt is startServer for the pizauth-server at path, waiting at
// most wait for it.
func startServerAt(path string, wait time.Duration) error {
	null, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	// cmdline.AutoStartEnv asks for a distinct exit status when another
	// server already runs, so that no message text need be matched.
	env := append(os.Environ(), cmdline.AutoStartEnv+"=1")
	proc, err := os.StartProcess(path, []string{path}, &os.ProcAttr{Env: env, Files: []*os.File{null, null, w}})
	w.Close()
	if err != nil {
		return fmt.Errorf("running %s: %w", path, err)
	}
	r.SetReadDeadline(time.Now().Add(wait))
	msg, err := io.ReadAll(io.LimitReader(r, 64<<10))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		proc.Kill() // the command that waits for the server, not the server
		proc.Wait()
		return fmt.Errorf("%s did not report ready within %v (see the system log)", path, wait)
	}
	st, err := proc.Wait()
	switch {
	case err != nil:
		return fmt.Errorf("running %s: %w", path, err)
	case st.Success():
		return nil
	case st.ExitCode() == cmdline.ExitAlreadyRunning:
		return errAlreadyRunning
	case len(msg) == 0:
		return fmt.Errorf("%s failed: %v", path, st)
	}
	// The server prints a failure once running as "ERROR - message"; the
	// caller prints this error so itself.
	return errors.New(strings.TrimPrefix(strings.TrimSuffix(string(msg), "\n"), "ERROR - "))
}
