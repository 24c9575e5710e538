package main

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pizauth-go/pizauth/internal/fixture/dovecot"
)

func init() {
	scriptCmds["dovecot"] = cmdDovecot
}

// dovecots holds each script's Dovecot, keyed by its *testscript.TestScript.
var dovecots sync.Map

// cmdDovecot runs a real Dovecot IMAP server (see internal/fixture/dovecot)
// whose introspection endpoint calls a token active only when it is the fake
// provider's last issued access token. USER's INBOX holds one message,
// "Subject: hello from dovecot".
//
//	dovecot start USER         start it; sets IMAP_PORT
//	dovecot log                prints what the introspection endpoint answered
//	dovecot login USER TOKEN   logs in by XOAUTH2 and prints Dovecot's answer
//
// (login is for wrong tokens: mbsync does not answer Dovecot's error
// challenge and hangs until Dovecot's 3-minute authentication timeout.)
func cmdDovecot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: dovecot start USER | dovecot log | dovecot login USER TOKEN")
	}
	switch args[0] {
	case "start":
		if len(args) != 2 {
			ts.Fatalf("usage: dovecot start USER")
		}
		if _, ok := dovecots.Load(ts); ok {
			ts.Fatalf("dovecot: already started")
		}
		d, err := dovecot.Start(args[1], provider(ts).LastAccessToken)
		ts.Check(err)
		dovecots.Store(ts, d)
		ts.Defer(func() {
			dovecots.Delete(ts)
			ts.Check(d.Stop())
		})
		ts.Setenv("IMAP_PORT", strconv.Itoa(d.Port()))
	case "log":
		for _, line := range started(ts).Transcript() {
			fmt.Fprintln(ts.Stdout(), line)
		}
	case "login":
		if len(args) != 3 {
			ts.Fatalf("usage: dovecot login USER TOKEN")
		}
		answer, err := dovecot.Login(started(ts).Port(), args[1], args[2])
		ts.Check(err)
		fmt.Fprintln(ts.Stdout(), answer)
	default:
		ts.Fatalf("unknown dovecot command %q", args[0])
	}
}

func started(ts *testscript.TestScript) *dovecot.Server {
	d, ok := dovecots.Load(ts)
	if !ok {
		ts.Fatalf("dovecot: not started")
	}
	return d.(*dovecot.Server)
}
