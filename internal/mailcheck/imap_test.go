package mailcheck

import (
	"testing"

	"github.com/pizauth-go/pizauth/internal/mailcheck/plan"
)

func TestIMAP(t *testing.T) {
	head := "imap mail.example.com:993: "
	runProtoTests(t, plan.IMAP, []protoTest{{
		name:   "SASL-IR over TLS",
		server: "* OK ready\n* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=XOAUTH2 AUTH=OAUTHBEARER\na1 OK done\na2 OK logged in\n",
		secure: true,
		line:   head + "ok: logged in with XOAUTH2 (TLS)",
		wrote:  []string{"a1 CAPABILITY", "a2 AUTHENTICATE XOAUTH2 " + ir(mechXOAUTH2), "a3 LOGOUT"},
	}, {
		name: "STARTTLS, then the mechanisms",
		server: "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\n* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\na1 OK\n" +
			"a2 OK begin TLS\n* capability imap4rev1 auth=oauthbearer\na3 OK\n+ \na4 OK welcome\n",
		line:  "imap mail.example.com:993: ok: logged in with OAUTHBEARER (STARTTLS)",
		wrote: []string{"a1 CAPABILITY", "a2 STARTTLS", "a3 CAPABILITY", "a4 AUTHENTICATE OAUTHBEARER", ir(mechOAUTHBEARER), "a5 LOGOUT"},
	}, {
		name:   "Gmail's refusal",
		server: "* OK Gimap ready\n* CAPABILITY IMAP4rev1 AUTH=XOAUTH2 SASL-IR\na1 OK\n+ " + gmailChallenge + "\na2 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\n",
		secure: true,
		line:   head + "refused: XOAUTH2 (TLS): " + gmailDecoded + `; the server said "NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)"`,
		wrote:  []string{"a1 CAPABILITY", "a2 AUTHENTICATE XOAUTH2 " + ir(mechXOAUTH2), ""},
	}, {
		name:   "OAUTHBEARER's refusal is answered with %x01, more challenges cancelled",
		server: "* OK\n* CAPABILITY AUTH=OAUTHBEARER\na1 OK\n+\n+ bm90IGpzb24=\n+ again\na2 BAD cancelled\n",
		secure: true,
		line:   head + `refused: OAUTHBEARER (TLS): challenge "not json"; the server said "BAD cancelled"`,
		wrote:  []string{"a1 CAPABILITY", "a2 AUTHENTICATE OAUTHBEARER", ir(mechOAUTHBEARER), "AQ==", "*"},
	}, {
		name:   "no OAuth mechanism",
		server: "* OK\n* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN\na1 OK\n",
		secure: true,
		line:   head + `failed: the server offers neither XOAUTH2 nor OAUTHBEARER (capabilities "IMAP4REV1 AUTH=PLAIN AUTH=LOGIN")`,
	}, {
		name:   "no STARTTLS",
		server: "* OK\n* CAPABILITY IMAP4rev1 AUTH=XOAUTH2\na1 OK\n",
		line:   head + "failed: the server does not offer STARTTLS, and the token is never sent in clear",
		wrote:  []string{"a1 CAPABILITY"},
	}, {
		name:   "STARTTLS refused",
		server: "* OK\n* CAPABILITY STARTTLS\na1 OK\na2 NO not now\n",
		line:   head + `failed: the server refused STARTTLS: "NO not now"`,
	}, {
		name:   "PREAUTH",
		server: "* PREAUTH hello\n",
		secure: true,
		line:   head + "failed: the server logged the connection in without credentials (PREAUTH)",
	}, {
		name:   "BYE",
		server: "* BYE too busy\x1b[31m\n",
		secure: true,
		line:   head + `failed: unexpected IMAP greeting "* BYE too busy\x1b[31m"`,
	}, {
		name:   "an echoed token is not shown",
		server: "* OK\n* CAPABILITY AUTH=XOAUTH2 SASL-IR\na1 OK\na2 NO bad token " + testToken[5:] + " in " + ir(mechXOAUTH2)[20:80] + "\n",
		secure: true,
		line:   head + `refused: XOAUTH2 (TLS); the server said "NO bad token [redacted] in [redacted]"`,
	}, {
		name:   "closed in the middle",
		server: "* OK\n* CAPABILITY AUTH=XOAUTH2\n",
		secure: true,
		line:   head + "failed: the server closed the connection",
	}})
}
