package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/getopt"
	"github.com/pizauth-go/pizauth/internal/paths"
)

// shutdownWait bounds how long shutdown waits for the server to exit:
// longer than a server takes to stop (at most 5 s for work in progress,
// then its last persist_file write).
const shutdownWait = 10 * time.Second

// cmdShutdown asks the server to stop and returns once it has exited: the
// server answers at once, then finishes what is in progress and writes
// persist_file a last time, and a script that goes on to replace that file
// (`pizauth shutdown; cp backup.age state.age; pizauth server`) must not
// race that write. The server has exited when it releases the lock of the
// runtime directory.
func cmdShutdown(getopt.Args) error {
	sock, err := paths.Socket(os.Getenv)
	if err != nil {
		return bareError{err}
	}
	// Opened before asking: the pid in it is the server that will answer.
	lock, _ := os.OpenFile(filepath.Join(filepath.Dir(sock), paths.LockName), os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if lock != nil {
		defer lock.Close() // releases the shared lock, if taken
	}
	holder := lockHolder(lock)
	if _, err := request(ctl.Request{Cmd: ctl.CmdShutdown}); err != nil {
		return err
	}
	return awaitUnlocked(lock, holder, shutdownWait)
}

// awaitUnlocked waits, for at most limit, until nobody holds lock, or
// until someone other than holder (a pid) does: a server started
// meanwhile, which could only take it once the old one had released it.
func awaitUnlocked(lock *os.File, holder string, limit time.Duration) error {
	if holder == "" {
		return nil // no lock file, or not one a server wrote: nothing to wait for
	}
	deadline := time.Now().Add(limit)
	for poll := time.Millisecond; ; poll = min(2*poll, 50*time.Millisecond) {
		// A shared lock, released as soon as this returns: a server
		// starting meanwhile waits for it (see endpoint.Claim).
		err := syscall.Flock(int(lock.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EWOULDBLOCK) || lockHolder(lock) != holder {
			return nil
		}
		if time.Until(deadline) < poll {
			return fmt.Errorf("the server (pid %s) has not stopped after %v", holder, limit)
		}
		// Nothing tells of a lock's release; the server stops within
		// milliseconds unless work in progress holds it up.
		time.Sleep(poll)
	}
}

// lockHolder is the pid that the server holding lock wrote in it; "" when
// there is none.
func lockHolder(lock *os.File) string {
	if pid, ok := paths.LockHolder(lock); ok {
		return strconv.Itoa(pid)
	}
	return ""
}
