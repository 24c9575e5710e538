package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"

	"github.com/pizauth-go/pizauth/internal/paths"
)

func init() {
	scriptCmds["serverexited"] = cmdServerExited
}

// cmdServerExited checks, without waiting, that no server holds the lock
// of the runtime directory: the last one has exited, and has written
// everything it was going to (persist_file). With !, that one does.
//
//	[!] serverexited
func cmdServerExited(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 0 {
		ts.Fatalf("usage: [!] serverexited")
	}
	lock := filepath.Join(ts.Getenv("XDG_RUNTIME_DIR"), "pizauth", paths.LockName)
	f, err := os.Open(lock)
	if os.IsNotExist(err) {
		if neg {
			ts.Fatalf("no server ever held %s", lock)
		}
		return
	}
	ts.Check(err)
	defer f.Close()
	err = unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB)
	held := err == unix.EWOULDBLOCK
	if !held {
		ts.Check(err)
	}
	pid, _ := os.ReadFile(lock)
	switch {
	case held && !neg:
		ts.Fatalf("a server (pid %s) still holds %s: it has not exited", strings.TrimSpace(string(pid)), lock)
	case !held && neg:
		ts.Fatalf("no server holds %s", lock)
	}
}
