package main

import (
	"io"
	"net"
	"os"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

func init() {
	scriptCmds["impostor"] = cmdImpostor
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
