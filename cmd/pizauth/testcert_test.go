package main

import (
	"os"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pizauth-go/pizauth/internal/testtool"
)

func init() {
	scriptCmds["testcert"] = cmdTestCert
}

// cmdTestCert makes a certificate authority for the script and a server
// certificate it signed for 127.0.0.1 and localhost, in WORK: ca.pem (for
// pizauth test --ca-file), cert.pem (the chain) and key.pem, which
// `dovecot start -tls` and `smtpserver start -tls` serve.
//
//	testcert
func cmdTestCert(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: testcert")
	}
	ca, err := testtool.NewTestCA("127.0.0.1", "localhost")
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs("ca.pem"), ca.CAPEM, 0o644))
	ts.Check(os.WriteFile(ts.MkAbs("cert.pem"), ca.CertPEM, 0o644))
	ts.Check(os.WriteFile(ts.MkAbs("key.pem"), ca.KeyPEM, 0o600))
}
