package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pizauth is the real pizauth binary run as a server in the foreground
// (server -d), with its own runtime directory, HOME and config.
type pizauth struct {
	t      *testing.T
	bin    string
	dir    string // HOME, the config file, the server's log and the events file
	env    []string
	exited chan error // receives the server's exit status
}

// buildPizauth builds cmd/pizauth and cmd/pizauth-server from the main
// module (through the replace directive in go.mod) into dir, with -race when
// the test has it, and returns the path of pizauth.
func buildPizauth(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "pizauth")
	args := append(append([]string{"build"}, buildFlags...), "-o", dir+"/",
		"github.com/pizauth-go/pizauth/cmd/pizauth", "github.com/pizauth-go/pizauth/cmd/pizauth-server")
	cmd := exec.CommandContext(t.Context(), "go", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startPizauth writes config to a file and runs `pizauth server -d -c` on
// it; it returns once the server has sent READY=1 to its NOTIFY_SOCKET,
// and shuts the server down at the end of the test.
func startPizauth(t *testing.T, bin, config string) *pizauth {
	t.Helper()
	dir := t.TempDir()
	// Socket paths are limited to about 104 bytes: t.TempDir is too deep.
	runtime, err := os.MkdirTemp("", "pz")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runtime) })
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(runtime, "notify"), Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer notify.Close()
	conf := filepath.Join(dir, "pizauth.conf")
	if err := os.WriteFile(conf, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &pizauth{t: t, bin: bin, dir: dir, exited: make(chan error, 1), env: []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "SHELL=/bin/sh", "XDG_RUNTIME_DIR=" + runtime,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"), "EVENTS=" + filepath.Join(dir, "events"),
	}}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "server", "-d", "-vvv", "-c", conf)
	cmd.Env = append(p.env, "NOTIFY_SOCKET="+notify.LocalAddr().String())
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() { p.stop(cmd) })
	ready := make(chan error, 1)
	go func() { ready <- waitReady(notify) }()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("pizauth server: %v\n%s", err, p.log())
		}
	case err := <-p.exited:
		p.exited <- err
		t.Fatalf("pizauth server exited before it was ready: %v\n%s", err, p.log())
	}
	return p
}

// waitReady reads conn until a datagram holds the line READY=1.
func waitReady(conn *net.UnixConn) error {
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return fmt.Errorf("waiting for READY=1: %w", err)
		}
		for _, line := range strings.Split(string(buf[:n]), "\n") {
			if line == "READY=1" {
				return nil
			}
		}
	}
}

// stop asks the server to shut down and waits for it, killing it after 10
// seconds.
func (p *pizauth) stop(cmd *exec.Cmd) {
	shutdown := exec.Command(p.bin, "shutdown")
	shutdown.Env = p.env
	shutdown.Run()
	select {
	case err := <-p.exited:
		// Also a race report: a -race build exits with status 66.
		if err != nil || strings.Contains(p.log(), "DATA RACE") {
			p.t.Errorf("pizauth server exited after shutdown with %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-p.exited
		p.t.Errorf("pizauth server did not shut down within 10s")
	}
	if p.t.Failed() {
		p.t.Logf("pizauth server log:\n%s", p.log())
	}
}

func (p *pizauth) log() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "server.log"))
	return string(b)
}

// run runs a pizauth client command and returns its stdout and stderr.
func (p *pizauth) run(args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(p.t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.bin, args...)
	cmd.Env = p.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// mustRun is run for commands that must succeed.
func (p *pizauth) mustRun(args ...string) string {
	p.t.Helper()
	stdout, stderr, err := p.run(args...)
	if err != nil {
		p.t.Fatalf("pizauth %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return stdout
}

// waitEvents waits until the events file, which token_event_cmd appends
// to, matches re. It wakes on inotify events rather than polling.
func (p *pizauth) waitEvents(re string) {
	p.t.Helper()
	path := filepath.Join(p.dir, "events")
	if err := waitFile(path, regexp.MustCompile(re), 30*time.Second); err != nil {
		p.t.Fatalf("%v\n%s", err, p.log())
	}
}

func waitFile(path string, re *regexp.Regexp, timeout time.Duration) error {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if _, err := unix.InotifyAddWatch(fd, filepath.Dir(path), unix.IN_CREATE|unix.IN_MODIFY|unix.IN_CLOSE_WRITE|unix.IN_MOVED_TO); err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 64<<10)
	for {
		b, _ := os.ReadFile(path)
		if re.Match(b) {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("%s does not match %q after %v; it holds:\n%s", path, re, timeout, b)
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, int(left.Milliseconds())+1); err != nil && !errors.Is(err, unix.EINTR) {
			return err
		}
		unix.Read(fd, buf) // drain; the content is what counts
	}
}
