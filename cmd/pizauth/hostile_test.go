package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/paths"
)

// runtimeDir is the script's pizauth runtime directory.
func runtimeDir(ts *testscript.TestScript) string {
	return filepath.Join(ts.Getenv("XDG_RUNTIME_DIR"), "pizauth")
}

// cmdShowMany runs N `pizauth show ACCOUNT` processes, C at a time, and
// fails unless every one prints the same token. It prints the median and
// 99th percentile wall time of the processes.
//
//	showmany N C ACCOUNT
func cmdShowMany(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: showmany N C ACCOUNT")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	c, err := strconv.Atoi(args[1])
	ts.Check(err)
	exe := scriptCommand(ts, "pizauth")
	env := scriptEnv(ts)
	var mu sync.Mutex
	outputs := map[string]int{}
	var failures []string
	var times []time.Duration
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for range jobs {
				cmd := exec.Command(exe, "show", args[2])
				cmd.Env = env
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				start := time.Now()
				out, err := cmd.Output()
				d := time.Since(start)
				mu.Lock()
				times = append(times, d)
				if err != nil {
					failures = append(failures, fmt.Sprintf("%v: %s", err, stderr.String()))
				} else {
					outputs[string(out)]++
				}
				mu.Unlock()
			}
		})
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	if len(failures) > 0 {
		ts.Fatalf("%d of %d shows failed; first: %s", len(failures), n, failures[0])
	}
	if len(outputs) != 1 {
		ts.Fatalf("shows printed %d different outputs; want 1 token", len(outputs))
	}
	slices.Sort(times)
	fmt.Fprintf(ts.Stdout(), "%d shows ok; p50 %v; p99 %v\n", n, times[len(times)/2], times[len(times)*99/100])
}

// scriptEnv is the environment for pizauth processes a script command
// starts itself: the script's own runtime directory, home, PATH and GORACE.
func scriptEnv(ts *testscript.TestScript) []string {
	env := os.Environ()
	for _, k := range []string{"XDG_RUNTIME_DIR", "HOME", "PATH", "GORACE"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	return env
}

// scriptCommand finds a command on the script's PATH, where testscript
// installs the commands given to testscript.Main.
func scriptCommand(ts *testscript.TestScript, name string) string {
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return filepath.Join(dir, name)
		}
	}
	ts.Fatalf("%s is not on the script's PATH", name)
	return ""
}

// cmdSigServer sends a signal to the running server, found through the pid
// in its lock file.
//
//	sigserver TERM|INT|HUP|KILL
//
// KILL returns once the server has exited.
func cmdSigServer(ts *testscript.TestScript, neg bool, args []string) {
	sigs := map[string]syscall.Signal{"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "HUP": syscall.SIGHUP, "KILL": syscall.SIGKILL}
	if len(args) != 1 || sigs[args[0]] == 0 {
		ts.Fatalf("usage: sigserver TERM|INT|HUP|KILL")
	}
	b, err := os.ReadFile(filepath.Join(runtimeDir(ts), paths.LockName))
	ts.Check(err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	ts.Check(err)
	if args[0] != "KILL" {
		ts.Check(syscall.Kill(pid, sigs[args[0]]))
		return
	}
	// SIGKILL is delivered asynchronously: wait until the process has
	// exited (its pidfd becomes readable), so that the script's next step
	// meets a dead server, not a dying one.
	pidfd, err := unix.PidfdOpen(pid, 0)
	ts.Check(err)
	defer unix.Close(pidfd)
	ts.Check(syscall.Kill(pid, syscall.SIGKILL))
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 30_000)
		if err == unix.EINTR {
			continue
		}
		ts.Check(err)
		if n == 0 {
			ts.Fatalf("server %d still alive 30 s after SIGKILL", pid)
		}
		return
	}
}

// cmdHostile attacks a running server the way a hostile local process
// could, then checks it still answers:
//
//	hostile socket      garbage, a 4 MiB request and a silent client on the control socket
//	hostile redirect    a 1 MiB request line, TLS junk and garbage on the HTTP redirect port
//	hostile idle N      opens N idle connections to the redirect port and keeps them open
//	                    until the script ends
func cmdHostile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: hostile socket|redirect|idle N")
	}
	switch args[0] {
	case "socket":
		sock := filepath.Join(runtimeDir(ts), paths.SocketName)
		junk := make([]byte, 4<<20)
		rand.Read(junk)
		for _, payload := range [][]byte{junk[:100], junk, []byte("showtoken:withurl \x00\xff"), []byte("restore:" + string(junk[:1000]))} {
			sendAndClose(ts, "unix", sock, payload)
		}
		silent, err := net.Dial("unix", sock)
		ts.Check(err)
		ts.Defer(func() { silent.Close() })
	case "redirect":
		addr := "127.0.0.1:" + redirectPort(ts)
		line := "GET /?" + strings.Repeat("a", 1<<20) + " HTTP/1.1\r\nHost: x\r\n\r\n"
		for _, payload := range [][]byte{[]byte(line), {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc}, []byte("\x00\x01garbage\r\n\r\n")} {
			sendAndClose(ts, "tcp", addr, payload)
		}
	case "idle":
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		addr := "127.0.0.1:" + redirectPort(ts)
		for range n {
			c, err := net.Dial("tcp", addr)
			ts.Check(err)
			ts.Defer(func() { c.Close() })
		}
	default:
		ts.Fatalf("unknown hostile command %q", args[0])
	}
}

// sendAndClose writes payload (ignoring a peer that hangs up early) and
// reads whatever comes back until the peer closes.
func sendAndClose(ts *testscript.TestScript, network, addr string, payload []byte) {
	c, err := net.Dial(network, addr)
	ts.Check(err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	c.Write(payload)
	if uc, ok := c.(interface{ CloseWrite() error }); ok {
		uc.CloseWrite()
	}
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// redirectPort asks the running server for its HTTP port.
func redirectPort(ts *testscript.TestScript) string {
	in, _, err := serverInfo(filepath.Join(runtimeDir(ts), paths.SocketName))
	ts.Check(err)
	return in.HTTPPort
}

// cmdRaceStart starts two `pizauth server -c CONFIG` at the same instant,
// ROUNDS times: each time exactly one must succeed, the other must say a
// server is already running, and the one server must answer; it is then
// shut down.
//
//	racestart ROUNDS CONFIG
func cmdRaceStart(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: racestart ROUNDS CONFIG")
	}
	rounds, err := strconv.Atoi(args[0])
	ts.Check(err)
	exe := scriptCommand(ts, "pizauth")
	env := scriptEnv(ts)
	sock := filepath.Join(runtimeDir(ts), paths.SocketName)
	for round := range rounds {
		var wg sync.WaitGroup
		results := make([]string, 2)
		start := make(chan struct{})
		for i := range results {
			wg.Go(func() {
				cmd := exec.Command(exe, "server", "-c", ts.MkAbs(args[1]))
				cmd.Env = env
				<-start
				out, err := cmd.CombinedOutput()
				results[i] = fmt.Sprintf("%v %s", err, out)
			})
		}
		close(start)
		wg.Wait()
		slices.Sort(results)
		if !strings.HasPrefix(results[0], "<nil>") || !strings.Contains(results[1], "already running") {
			ts.Fatalf("round %d: results %q; want one success and one 'already running'", round, results)
		}
		c := &ctl.Client{Socket: sock}
		if _, err := c.Do(ctl.Request{Cmd: ctl.CmdStatus}); err != nil {
			ts.Fatalf("round %d: the server does not answer: %v", round, err)
		}
		c.Do(ctl.Request{Cmd: ctl.CmdShutdown})
		waitUnlocked(ts, filepath.Join(runtimeDir(ts), paths.LockName))
	}
	fmt.Fprintf(ts.Stdout(), "%d rounds: one server each\n", rounds)
}

// waitUnlocked blocks until no process holds the lock file, i.e. the server
// has exited.
func waitUnlocked(ts *testscript.TestScript, lock string) {
	f, err := os.Open(lock)
	ts.Check(err)
	defer f.Close()
	ts.Check(unix.Flock(int(f.Fd()), unix.LOCK_EX))
	ts.Check(unix.Flock(int(f.Fd()), unix.LOCK_UN))
}
