package mailcheck

import (
	"strings"
	"testing"
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
