package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

func init() {
	scriptCmds["chromium"] = cmdChromium
}

// chromiumFlags make headless Chromium quiet and self-contained: no sandbox
// (tests may run as root), no GPU, no calls home, no first-run UI, and
// no reliance on a large /dev/shm (containers often have 64 MB).
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
	"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
	"--disable-dev-shm-usage",
}

// cmdChromium is a real browser: it opens the authorisation URL found in
// FILE (default: the last command's stderr) in headless Chromium with a
// fresh profile, which follows the provider's redirect to pizauth's
// listener, and prints the final page's DOM. Chromium's own log goes to
// chromium.log. Every process of its process group is killed and reaped
// before the command returns.
//
//	chromium [FILE]
func cmdChromium(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 1 {
		ts.Fatalf("usage: chromium [FILE]")
	}
	file := "stderr"
	if len(args) == 1 {
		file = args[0]
	}
	m := urlInMessage.FindStringSubmatch(ts.ReadFile(file))
	if m == nil {
		ts.Fatalf("no authorisation URL in %s", file)
	}
	profile, err := os.MkdirTemp("", "pzchromium")
	ts.Check(err)
	defer os.RemoveAll(profile)
	// Chromium keeps things under HOME and the XDG directories too: keep
	// them in WORK.
	work := ts.Getenv("WORK")
	env := []string{
		"PATH=" + ts.Getenv("PATH"), "HOME=" + work, "TMPDIR=" + ts.Getenv("TMPDIR"),
		"XDG_CONFIG_HOME=" + filepath.Join(work, ".config"), "XDG_CACHE_HOME=" + filepath.Join(work, ".cache"),
	}
	var stdout, stderr bytes.Buffer
	err = runChromium(profile, m[1], env, &stdout, &stderr)
	ts.Check(os.WriteFile(ts.MkAbs("chromium.log"), stderr.Bytes(), 0o600))
	if err != nil {
		ts.Fatalf("chromium: %v (its log is in chromium.log)", err)
	}
	fmt.Fprint(ts.Stdout(), stdout.String())
}

// runChromium runs chromium --dump-dom rawURL in a process group of its own,
// then kills whatever is left of the group and waits until it is gone.
func runChromium(profile, rawURL string, env []string, stdout, stderr *bytes.Buffer) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := append(append([]string(nil), chromiumFlags...), "--user-data-dir="+profile, "--dump-dom", rawURL)
	cmd := exec.CommandContext(ctx, "chromium", args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		return err
	}
	pgid := cmd.Process.Pid
	// Wait for the leader to exit without reaping it, so that its process
	// group cannot be reused while the rest of the group is killed.
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pgid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	killErr := killGroup(pgid, profile)
	runErr := cmd.Wait()
	if ctx.Err() != nil {
		return fmt.Errorf("still running after a minute: %w", ctx.Err())
	}
	return errors.Join(runErr, killErr)
}

// killGroup kills process group pgid and any other process whose command
// line names profile, and waits until each has exited.
func killGroup(pgid int, profile string) error {
	syscall.Kill(-pgid, syscall.SIGKILL)
	var errs []error
	for _, pid := range leftovers(pgid, profile) {
		if pid == pgid {
			continue // the leader, reaped by cmd.Wait
		}
		if err := killAndWait(pid, func() bool { return belongs(pid, pgid, profile) }); err != nil {
			errs = append(errs, fmt.Errorf("process %d: %w", pid, err))
		}
	}
	return errors.Join(errs...)
}

// leftovers lists the live processes in group pgid or with profile on their
// command line.
func leftovers(pgid int, profile string) []int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, dir := range dirs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err == nil && belongs(pid, pgid, profile) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// belongs reports whether process pid is in group pgid or has profile on
// its command line.
func belongs(pid, pgid int, profile string) bool {
	dir := "/proc/" + strconv.Itoa(pid)
	stat, _ := os.ReadFile(dir + "/stat")
	cmdline, _ := os.ReadFile(dir + "/cmdline")
	return processGroup(string(stat)) == pgid || bytes.Contains(cmdline, []byte(profile))
}

// processGroup returns the pgrp field of /proc/PID/stat, or -1.
func processGroup(stat string) int {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return -1
	}
	fields := strings.Fields(stat[i+1:]) // state ppid pgrp ...
	if len(fields) < 3 {
		return -1
	}
	pgrp, err := strconv.Atoi(fields[2])
	if err != nil {
		return -1
	}
	return pgrp
}

// killAndWait sends SIGKILL to pid through a pidfd, once still(), checked
// with the pidfd open, says that pid is still the process meant (and not a
// reused pid), and waits up to 10 seconds for it to exit.
func killAndWait(pid int, still func() bool) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if !still() {
		return nil
	}
	if err := unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(time.Until(deadline).Milliseconds())+1)
		switch {
		case n > 0:
			return nil
		case err != nil && err != unix.EINTR:
			return err
		case time.Now().After(deadline):
			return errors.New("still alive 10s after SIGKILL")
		}
	}
}
