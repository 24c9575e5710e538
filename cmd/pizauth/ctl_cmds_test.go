package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/paths"
)

func init() {
	scriptCmds["impostor"] = cmdImpostor
	scriptCmds["waiters"] = cmdWaiters
}

// cmdImpostor listens on SOCKET as a server planted by another user would,
// until the script ends: it answers every request with a fake token and
// appends what it receives to FILE (created on the first byte).
//
//	impostor SOCKET FILE
func cmdImpostor(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: impostor SOCKET FILE")
	}
	ln, err := net.Listen("unix", ts.MkAbs(args[0]))
	ts.Check(err)
	ts.Defer(func() { ln.Close() })
	stolen := ts.MkAbs(args[1])
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if b, _ := io.ReadAll(c); len(b) > 0 {
				if f, err := os.OpenFile(stolen, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err == nil {
					f.Write(b)
					f.Close()
				}
			}
			c.Write([]byte(ctl.KindToken + ":stolen-token"))
			c.Close()
		}
	}()
}

// cmdWaiters sends N requests `show --wait=1h ACCOUNT` to the running
// server, as N clients would. Live ones keep their connections open until
// the script ends; dead ones close theirs at once, as clients killed by
// Ctrl-C or by a mail client's timeout do.
//
//	waiters N ACCOUNT live|dead
func cmdWaiters(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 || args[2] != "live" && args[2] != "dead" {
		ts.Fatalf("usage: waiters N ACCOUNT live|dead")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	sock := filepath.Join(runtimeDir(ts), paths.SocketName)
	req := ctl.Request{Cmd: ctl.CmdShowWait, Account: args[1], WithURL: true, Wait: time.Hour}
	for range n {
		c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: sock, Net: "unix"})
		ts.Check(err)
		_, err = c.Write(req.Encode())
		ts.Check(err)
		ts.Check(c.CloseWrite())
		if args[2] == "dead" {
			c.Close()
		} else {
			ts.Defer(func() { c.Close() })
		}
	}
}
