package main

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pizauth-go/pizauth/internal/fixture/smtpserver"
)

func init() {
	scriptCmds["smtpserver"] = cmdSMTPServer
}

// smtpServers holds each script's SMTP server, keyed by its
// *testscript.TestScript.
var smtpServers sync.Map

// cmdSMTPServer runs a small SMTP server on 127.0.0.1 for real mail
// clients (msmtp): see smtpserver.Server.
//
//	smtpserver start USER   start it for USER; sets SMTP_PORT
//	smtpserver log          prints what it saw: logins and mails, in order
func cmdSMTPServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: smtpserver start USER | smtpserver log")
	}
	switch args[0] {
	case "start":
		if len(args) != 2 {
			ts.Fatalf("usage: smtpserver start USER")
		}
		p := provider(ts)
		s, err := smtpserver.Start(args[1], p.LastAccessToken)
		ts.Check(err)
		if _, dup := smtpServers.LoadOrStore(ts, s); dup {
			s.Close()
			ts.Fatalf("smtpserver: already started")
		}
		ts.Defer(func() {
			smtpServers.Delete(ts)
			s.Close()
		})
		ts.Setenv("SMTP_PORT", strconv.Itoa(s.Port()))
	case "log":
		s, ok := smtpServers.Load(ts)
		if !ok {
			ts.Fatalf("smtpserver: not started")
		}
		for _, line := range s.(*smtpserver.Server).Transcript() {
			fmt.Fprintln(ts.Stdout(), line)
		}
	default:
		ts.Fatalf("unknown smtpserver command %q", args[0])
	}
}
