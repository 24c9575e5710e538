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
//	dovecot start -tls USER    IMAP and POP3 that require TLS, with
//	                           testcert's cert.pem and key.pem: STARTTLS on
//	                           IMAP_PORT and POP_PORT, implicit TLS on
//	                           IMAPS_PORT and POPS_PORT
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
		withTLS := len(args) == 3 && args[1] == "-tls"
		if withTLS {
			args = args[1:]
		}
		if len(args) != 2 {
			ts.Fatalf("usage: dovecot start [-tls] USER")
		}
		if _, ok := dovecots.Load(ts); ok {
			ts.Fatalf("dovecot: already started")
		}
		var d *dovecot.Server
		var err error
		if withTLS {
			d, err = dovecot.StartTLS(args[1], provider(ts).LastAccessToken, ts.MkAbs("cert.pem"), ts.MkAbs("key.pem"))
		} else {
			d, err = dovecot.Start(args[1], provider(ts).LastAccessToken)
		}
		ts.Check(err)
		dovecots.Store(ts, d)
		ts.Defer(func() {
			dovecots.Delete(ts)
			ts.Check(d.Stop())
		})
		ts.Setenv("IMAP_PORT", strconv.Itoa(d.Port()))
		if withTLS {
			ts.Setenv("IMAPS_PORT", strconv.Itoa(d.IMAPSPort()))
			ts.Setenv("POP_PORT", strconv.Itoa(d.POPPort()))
			ts.Setenv("POPS_PORT", strconv.Itoa(d.POPSPort()))
		}
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
