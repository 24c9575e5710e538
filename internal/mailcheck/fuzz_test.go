package mailcheck

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pizauth-go/pizauth/internal/mailcheck/plan"
)

// maxLineOut bounds a result line: every piece of server text in it is cut
// to maxShown bytes, escaped (at most 6 bytes a byte) and quoted.
const maxLineOut = 8 << 10

// fuzzLogin runs proto's login against whatever bytes a server sends and
// checks that it ends with a short, printable line that shows no token.
func fuzzLogin(f *testing.F, proto plan.Protocol, seeds ...string) {
	for _, s := range seeds {
		f.Add(strings.ReplaceAll(s, "\n", "\r\n"), false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, server string, secure bool) {
		r, w := scripted(proto, testToken, server, secure)
		line := r.String()
		switch {
		case strings.Contains(line, testToken[:gramLen]):
			t.Fatalf("the line shows the token: %s", line)
		case len(line) > maxLineOut:
			t.Fatalf("a line of %d bytes", len(line))
		case !utf8.ValidString(line) || strings.ContainsFunc(line, notPrintable):
			t.Fatalf("an unprintable line: %q", line)
		case len(w.wrote) > 3*maxLines:
			t.Fatalf("the client wrote %d lines", len(w.wrote))
		}
		for _, l := range w.inClear {
			if strings.Contains(l, ir(mechXOAUTH2)) || strings.Contains(l, ir(mechOAUTHBEARER)) {
				t.Fatalf("the token was sent before TLS: %q", w.inClear)
			}
		}
	})
}

func FuzzIMAP(f *testing.F) {
	fuzzLogin(f, plan.IMAP,
		"* OK\n* CAPABILITY STARTTLS\na1 OK\na2 OK\n* CAPABILITY AUTH=XOAUTH2 SASL-IR\na3 OK\n+ "+gmailChallenge+"\na4 NO bad\n",
		"* OK\n* CAPABILITY AUTH=OAUTHBEARER\na1 OK\n+\n+ x\n+ y\na2 OK\n",
		"* PREAUTH\n", "* BYE\n")
}

func FuzzPOP(f *testing.F) {
	fuzzLogin(f, plan.POP,
		"+OK\n+OK\nSTLS\n.\n+OK\n+OK\nSASL XOAUTH2\n.\n+\n+ "+gmailChallenge+"\n-ERR no\n",
		"+OK\n+OK\nSASL OAUTHBEARER\n..dot\n.\n+OK\n", "+OK\n-ERR\n")
}

func FuzzSMTP(f *testing.F) {
	fuzzLogin(f, plan.SMTP,
		"220 hi\n250-h\n250 STARTTLS\n220 go\n250-h\n250 AUTH XOAUTH2\n334 "+gmailChallenge+"\n535 no\n",
		"220-a\n220 b\n250-h\n250 AUTH=OAUTHBEARER\n235 ok\n", "554 no\n")
}

func FuzzDescribeChallenge(f *testing.F) {
	f.Add(gmailChallenge)
	f.Add("eyJhIjpbMSx7ImIiOm51bGx9XX0=")
	f.Add("not base64")
	f.Fuzz(func(t *testing.T, payload string) {
		got := describeChallenge(payload)
		if !utf8.ValidString(got) || strings.ContainsFunc(got, notPrintable) {
			t.Fatalf("describeChallenge(%q) = %q: not printable", payload, got)
		}
	})
}

// FuzzRedact puts the token, encoded one of several ways, between any two
// texts: no long piece of the echo survives redact.
func FuzzRedact(f *testing.F) {
	f.Add("NO bad ", " try again", uint8(0))
	f.Add("a\x01b=3D%2", "\\u00", uint8(3))
	f.Add("", "", uint8(5))
	r := newRedactor(Secrets(plan.Target{Protocol: plan.SMTP, Host: "h", Port: 465}, testUser, testToken)...)
	encodings := []func(string) string{
		func(s string) string { return s },
		func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
		func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte("-" + s)) },
		func(s string) string { return hex.EncodeToString([]byte(s)) },
		func(s string) string { return url.PathEscape(s) },
		func(s string) string { return strings.Join(strings.Split(s, ""), "\r\n") },
	}
	f.Fuzz(func(t *testing.T, before, after string, enc uint8) {
		if len(before) > maxShown || len(after) > maxShown {
			return
		}
		echo := encodings[int(enc)%len(encodings)](testToken)
		got := r.redact(before + echo + after)
		if len(got) > maxRedacted+len(before)+len(after)+len("[redacted]...") {
			t.Fatalf("redact gave %d bytes", len(got))
		}
		for i := 0; i+2*gramLen <= len(echo); i += gramLen {
			piece := echo[i : i+2*gramLen]
			if strings.Contains(got, piece) && !strings.Contains(before+after, piece) {
				t.Fatalf("redact(%q + echo + %q) shows %q", before, after, piece)
			}
		}
	})
}
