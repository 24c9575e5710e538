package mailcheck

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/mailcheck/plan"
)

func TestRedact(t *testing.T) {
	token := "at-0123456789abcdefghij"
	r := newRedactor(token, "tiny")
	tests := []struct{ in, want string }{
		{"nothing secret here", "nothing secret here"},
		{"token " + token + " echoed", "token [redacted] echoed"},
		{"a piece: 3456789abcde!", "a piece: [redacted]!"},
		{"two " + token[:12] + " and " + token[10:] + ".", "two [redacted] and [redacted]."},
		{"too little to tell: 0123", "too little to tell: 0123"},
		{"a small secret: tiny, tinyer", "a small secret: [redacted], [redacted]er"},
		{token + token, "[redacted]"},
	}
	for _, tt := range tests {
		if got := r.redact(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text, ünïcode", "plain text, ünïcode"},
		{"esc\x1b[31m", `esc\x1b[31m`},
		{"bell\a nul\x00 del\x7f", `bell\x07 nul\x00 del\x7f`},
		{"bad \xff utf-8", `bad \xff utf-8`},
		{"a real \uFFFD", "a real \uFFFD"},
		{"rtl \u202e", `rtl \u202e`},
	}
	for _, tt := range tests {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := truncate(strings.Repeat("é", maxShown)); len(got) > maxShown+3 || !strings.HasSuffix(got, "é...") {
		t.Errorf("truncate cut badly: %d bytes, ends %q", len(got), got[len(got)-8:])
	}
	if got := truncate("short"); got != "short" {
		t.Errorf("truncate(short) = %q", got)
	}
}

// TestRedactEncodings has a server echo the token, or the SASL response
// that carries it, the ways a server may write what it got: each copy
// must go, and the server's own words around it stay.
func TestRedactEncodings(t *testing.T) {
	token := "ya29.a0AfB_byC-secretTOKENvalue1234567890/abc+def=="
	target := plan.Target{Protocol: plan.IMAP, Host: "mail.example.com", Port: 993}
	r := newRedactor(Secrets(target, testUser, token)...)
	sasl := "user=" + testUser + "\x01auth=Bearer " + token + "\x01\x01"
	b64 := base64.StdEncoding.EncodeToString
	var jsonU, html strings.Builder
	for _, c := range token {
		fmt.Fprintf(&jsonU, `\u%04x`, c)
		fmt.Fprintf(&html, "&#%d;", c)
	}
	wrapped := b64([]byte(token))
	wrapped = wrapped[:20] + "\r\n " + wrapped[20:40] + "\n" + wrapped[40:]
	echoes := map[string]string{
		"raw":                  token,
		"spaced out":           strings.Join(strings.Split(token, ""), " "),
		"base64":               b64([]byte(token)),
		"base64, offset 1":     b64([]byte("x" + token)),
		"base64, offset 2":     b64([]byte("xy" + token)),
		"base64url":            base64.RawURLEncoding.EncodeToString([]byte("z" + token)),
		"base64, wrapped":      wrapped,
		"base64 of the bearer": b64([]byte("Bearer " + token)),
		"base64 of base64":     b64([]byte(b64([]byte(token)))),
		"the SASL response":    b64([]byte(sasl)),
		"hex":                  hex.EncodeToString([]byte(token)),
		"HEX, odd offset":      "a" + strings.ToUpper(hex.EncodeToString([]byte(token))),
		"percent-encoded":      url.QueryEscape(token),
		"quoted-printable":     strings.ReplaceAll(token, "=", "=3D"),
		"JSON escapes":         jsonU.String(),
		"HTML entities":        html.String(),
	}
	for name, echo := range echoes {
		got := r.redact("NO [AUTHENTICATIONFAILED] bad token " + echo + " (try again)")
		if want := "NO [AUTHENTICATIONFAILED] bad token [redacted] (try again)"; got != want {
			t.Errorf("%s:\ngot  %s\nwant %s", name, got, want)
		}
		quoted, _ := json.Marshal(echo)
		challenge := b64([]byte(`{"status":"401","echo":[` + string(quoted) + `]}`))
		res, _ := scripted(plan.IMAP, token, "* OK hi\r\n* CAPABILITY IMAP4rev1 AUTH=XOAUTH2\r\na1 OK\r\n+ \r\n+ "+challenge+"\r\na2 NO bad\r\n", true)
		if line := res.String(); !strings.Contains(line, `status "401"`) || !strings.Contains(line, "[redacted]") {
			t.Errorf("%s in the challenge: %s; want the status and the echo redacted", name, line)
		}
	}
}

// TestRedactBounded: a server's longest answers, and its many tiny words
// around an echo, are redacted in bounded time and cut.
func TestRedactBounded(t *testing.T) {
	token := testToken[:60]
	r := newRedactor(token)
	text := strings.Repeat("a ", maxLine/2) + base64.StdEncoding.EncodeToString([]byte(token)) + strings.Repeat(" a", maxLine/2)
	if got := r.redact(text); len(got) > maxRedacted+len("...") || strings.Contains(got, token[:gramLen]) {
		t.Errorf("redact gave %d bytes; want at most %d", len(got), maxRedacted+3)
	}
	text = strings.Repeat("a ", 500) + base64.StdEncoding.EncodeToString([]byte(token)) + strings.Repeat(" a", 500)
	if got, want := r.redact(text), strings.Repeat("a ", 500)+"[redacted]"+strings.Repeat(" a", 500); got != want {
		t.Errorf("redact of an echo among tiny words:\ngot  %s\nwant %s", got, want)
	}
}
