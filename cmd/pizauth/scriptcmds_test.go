package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// placeholder matches @NAME@ in files that cmdExpand rewrites.
var placeholder = regexp.MustCompile(`@([A-Z_][A-Z0-9_]*)@`)

// cmdExpand replaces each @NAME@ in the named files by the value of the
// environment variable NAME. ($NAME is left alone: config files hold shell
// commands that use it.)
//
//	expand FILE...
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	for _, f := range args {
		text := placeholder.ReplaceAllStringFunc(ts.ReadFile(f), func(m string) string {
			return ts.Getenv(m[1 : len(m)-1])
		})
		ts.Check(os.WriteFile(ts.MkAbs(f), []byte(text), 0o600))
	}
}

// cmdWaitFor waits until FILE exists and its content matches REGEXP, in
// multi-line mode as stdout and stderr match (or,
// with -gone, until FILE no longer exists), for what servers and user
// commands do in the background. It wakes on inotify events rather than
// polling.
//
//	waitfor [-timeout DURATION] FILE REGEXP
//	waitfor [-timeout DURATION] -gone FILE
func cmdWaitFor(ts *testscript.TestScript, neg bool, args []string) {
	timeout := 30 * time.Second
	if len(args) > 1 && args[0] == "-timeout" {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		timeout, args = d, args[2:]
	}
	if len(args) != 2 {
		ts.Fatalf("usage: waitfor [-timeout DURATION] FILE REGEXP | -gone FILE")
	}
	var path string
	var matches func() bool
	if args[0] == "-gone" {
		path = ts.MkAbs(args[1])
		matches = gone(path)
	} else {
		re := regexp.MustCompile("(?m)" + args[1])
		path = ts.MkAbs(args[0])
		matches = func() bool {
			b, err := os.ReadFile(path)
			return err == nil && re.Match(b)
		}
	}
	if err := waitUntil(path, matches, timeout); err != nil {
		b, _ := os.ReadFile(path)
		ts.Fatalf("waitfor %s: %v; the file holds:\n%s", strings.Join(args, " "), err, strings.TrimSpace(string(b)))
	}
}

// gone is a condition for waitUntil: path does not exist.
func gone(path string) func() bool {
	return func() bool {
		_, err := os.Lstat(path)
		return os.IsNotExist(err)
	}
}

// waitUntil waits until done() holds, re-checking whenever something in
// path's directory changes (inotify), for at most timeout.
func waitUntil(path string, done func() bool, timeout time.Duration) error {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	_, err = unix.InotifyAddWatch(fd, filepath.Dir(path), unix.IN_CREATE|unix.IN_MODIFY|unix.IN_CLOSE_WRITE|unix.IN_MOVED_TO|unix.IN_DELETE|unix.IN_MOVED_FROM)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 64<<10)
	for !done() {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("not true after %v", timeout)
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, int(left.Milliseconds())+1); err != nil && err != unix.EINTR {
			return fmt.Errorf("poll: %w", err)
		}
		unix.Read(fd, buf) // drain; the content is what counts
	}
	return nil
}
