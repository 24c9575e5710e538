package mailcheck

import (
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/mailcheck/plan"
)

func TestSMTP(t *testing.T) {
	head := "smtp mail.example.com:993: "
	runProtoTests(t, plan.SMTP, []protoTest{{
		name:   "STARTTLS, then AUTH with the initial response",
		server: "220-smtp.example.com ESMTP\n220 more\n250-smtp.example.com\n250-SIZE 1000\n250 STARTTLS\n220 go ahead\n250-smtp.example.com\n250-auth login plain xoauth2\n250 8BITMIME\n235 2.7.0 Accepted\n",
		line:   head + "ok: logged in with XOAUTH2 (STARTTLS)",
		wrote:  []string{"EHLO localhost", "STARTTLS", "EHLO localhost", "AUTH XOAUTH2 " + ir(mechXOAUTH2), "QUIT"},
	}, {
		name:   "the old AUTH= form",
		server: "220 hi\n250-h\n250 AUTH=OAUTHBEARER\n235 ok\n",
		secure: true,
		line:   head + "ok: logged in with OAUTHBEARER (TLS)",
	}, {
		name:   "Gmail's refusal",
		server: "220 hi\n250-h\n250 AUTH XOAUTH2 OAUTHBEARER\n334 " + gmailChallenge + "\n535-5.7.8 Username and Password not accepted.\n535 5.7.8 https://support.google.com/mail/?p=BadCredentials\n",
		secure: true,
		line: head + "refused: XOAUTH2 (TLS): " + gmailDecoded +
			`; the server said "535-5.7.8 Username and Password not accepted. 535 5.7.8 https://support.google.com/mail/?p=BadCredentials"`,
		wrote: []string{"EHLO localhost", "AUTH XOAUTH2 " + ir(mechXOAUTH2), ""},
	}, {
		name:   "no OAuth mechanism",
		server: "220 hi\n250-h\n250 AUTH PLAIN LOGIN\n",
		secure: true,
		line:   head + `failed: the server offers neither XOAUTH2 nor OAUTHBEARER (AUTH "PLAIN LOGIN")`,
	}, {
		name:   "no STARTTLS",
		server: "220 hi\n250-h\n250 AUTH XOAUTH2\n",
		line:   head + "failed: the server does not offer STARTTLS, and the token is never sent in clear",
	}, {
		name:   "not ready",
		server: "554 go away\n",
		line:   head + `failed: unexpected SMTP greeting "554 go away"`,
	}, {
		name:   "malformed reply",
		server: "220 hi\n250-h\n251 mixed codes\n",
		secure: true,
		line:   head + `failed: malformed SMTP reply line "251 mixed codes"`,
	}, {
		name:   "too many lines",
		server: "220 hi\n" + strings.Repeat("250-x\n", maxLines+1),
		secure: true,
		line:   head + "failed: " + errTooManyLines.Error(),
	}, {
		name:   "a line too long",
		server: "220 " + strings.Repeat("x", maxLine) + "\n",
		secure: true,
		line:   head + "failed: " + errLineTooLong.Error(),
	}})
}

func TestParseReplyLine(t *testing.T) {
	tests := []struct {
		line string
		code int
		more bool
		text string
		ok   bool
	}{
		{"250 ok", 250, false, "ok", true},
		{"250-ok", 250, true, "ok", true},
		{"250", 250, false, "", true},
		{"250 ", 250, false, "", true},
		{"25", 0, false, "", false},
		{"250x", 0, false, "", false},
		{"+25 x", 0, false, "", false},
		{"199 x", 0, false, "", false},
		{"600 x", 0, false, "", false},
	}
	for _, tt := range tests {
		code, more, text, ok := parseReplyLine(tt.line)
		if code != tt.code || more != tt.more || text != tt.text || ok != tt.ok {
			t.Errorf("parseReplyLine(%q) = %d, %t, %q, %t; want %d, %t, %q, %t", tt.line, code, more, text, ok, tt.code, tt.more, tt.text, tt.ok)
		}
	}
}
