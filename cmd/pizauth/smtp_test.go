package main

import (
	"crypto/tls"
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
// clients (msmtp) and pizauth test: see smtpserver.Server.
//
//	smtpserver start USER        start it for USER; sets SMTP_PORT
//	smtpserver start -tls USER   with STARTTLS on SMTP_PORT (and AUTH only
//	                             after it) and implicit TLS on SMTPS_PORT,
//	                             with testcert's cert.pem and key.pem
//	smtpserver mechs MECH...     the AUTH mechanisms it offers from now on
//	smtpserver echo              from now on, refusals quote the client's
//	                             token and initial response (a hostile server)
//	smtpserver log               prints what it saw: logins and mails, in order
func cmdSMTPServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: smtpserver start [-tls] USER | smtpserver mechs MECH... | smtpserver echo | smtpserver log")
	}
	switch args[0] {
	case "start":
		var tlsCfg *tls.Config
		if len(args) == 3 && args[1] == "-tls" {
			cert, err := tls.LoadX509KeyPair(ts.MkAbs("cert.pem"), ts.MkAbs("key.pem"))
			ts.Check(err)
			tlsCfg, args = &tls.Config{Certificates: []tls.Certificate{cert}}, args[1:]
		}
		if len(args) != 2 {
			ts.Fatalf("usage: smtpserver start [-tls] USER")
		}
		p := provider(ts)
		s, err := smtpserver.Start(args[1], p.LastAccessToken)
		if tlsCfg != nil {
			s, err = smtpserver.StartTLS(args[1], p.LastAccessToken, tlsCfg)
		}
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
		ts.Setenv("SMTPS_PORT", strconv.Itoa(s.TLSPort()))
	case "mechs":
		startedSMTP(ts).SetMechs(args[1:]...)
	case "echo":
		startedSMTP(ts).SetEcho(true)
	case "log":
		for _, line := range startedSMTP(ts).Transcript() {
			fmt.Fprintln(ts.Stdout(), line)
		}
	default:
		ts.Fatalf("unknown smtpserver command %q", args[0])
	}
}

func startedSMTP(ts *testscript.TestScript) *smtpserver.Server {
	s, ok := smtpServers.Load(ts)
	if !ok {
		ts.Fatalf("smtpserver: not started")
	}
	return s.(*smtpserver.Server)
}
