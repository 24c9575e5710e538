package mailcheck

import (
	"testing"

	"github.com/pizauth-go/pizauth/internal/mailcheck/plan"
)

func TestPOP(t *testing.T) {
	head := "pop mail.example.com:993: "
	runProtoTests(t, plan.POP, []protoTest{{
		name:   "STLS, then a long initial response after the empty challenge",
		server: "+OK ready\n+OK capabilities\nUSER\nSTLS\n.\n+OK begin TLS\n+OK\nSASL PLAIN XOAUTH2\n.\n+ \n+OK logged in\n",
		line:   head + "ok: logged in with XOAUTH2 (STARTTLS)",
		wrote:  []string{"CAPA", "STLS", "CAPA", "AUTH XOAUTH2", ir(mechXOAUTH2), "QUIT"},
	}, {
		name:   "a short initial response in the command",
		server: "+OK\n+OK\nSASL OAUTHBEARER XOAUTH2\n.\n+OK\n",
		secure: true,
		token:  "at-1-short",
		line:   head + "ok: logged in with XOAUTH2 (TLS)",
		wrote:  []string{"CAPA", "AUTH XOAUTH2 " + irOf(mechXOAUTH2, "at-1-short"), "QUIT"},
	}, {
		name:   "refused, with a challenge",
		server: "+OK\n+OK\nSASL OAUTHBEARER\n.\n+\n+ " + gmailChallenge + "\n-ERR [AUTH] Authentication failed.\n",
		secure: true,
		line:   head + "refused: OAUTHBEARER (TLS): " + gmailDecoded + `; the server said "-ERR [AUTH] Authentication failed."`,
		wrote:  []string{"CAPA", "AUTH OAUTHBEARER", ir(mechOAUTHBEARER), "AQ=="},
	}, {
		name:   "no CAPA",
		server: "+OK\n-ERR unknown command\n",
		secure: true,
		line:   head + `failed: the server offers neither XOAUTH2 nor OAUTHBEARER (SASL mechanisms "")`,
	}, {
		name:   "no OAuth mechanism",
		server: "+OK\n+OK\nSASL PLAIN\n.\n",
		secure: true,
		line:   head + `failed: the server offers neither XOAUTH2 nor OAUTHBEARER (SASL mechanisms "PLAIN")`,
	}, {
		name:   "no STLS",
		server: "+OK\n+OK\nSASL XOAUTH2\n.\n",
		line:   head + "failed: the server does not offer STLS, and the token is never sent in clear",
	}, {
		name:   "not a POP3 server",
		server: "220 smtp.example.com ESMTP\n",
		secure: true,
		line:   head + `failed: unexpected POP3 greeting "220 smtp.example.com ESMTP"`,
	}, {
		name:   "nonsense after AUTH",
		server: "+OK\n+OK\nSASL XOAUTH2\n.\n* what\n",
		secure: true,
		line:   head + `failed: unexpected answer to AUTH: "* what"`,
	}})
}
