package config

import (
	"errors"
	"strings"
	"testing"
)

func parseError(t *testing.T, file, src string) *Error {
	t.Helper()
	_, err := Parse(file, []byte(src))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v; want an *Error", err)
	}
	return e
}

func TestErrorRendering(t *testing.T) {
	tests := []struct {
		name, file, src, want string
	}{
		{"plain", "p.conf", "startup_cmd = 5m;",
			"p.conf:1:15: startup_cmd needs a string in double quotes, found a time\n    startup_cmd = 5m;\n                  ^"},
		{"no file name", "", "\nstartup_cmd = 5m;",
			"2:15: startup_cmd needs a string in double quotes, found a time\n    startup_cmd = 5m;\n                  ^"},
		{"tab kept for alignment", "p.conf", "\tstartup_cmd = 5m;",
			"p.conf:1:16: startup_cmd needs a string in double quotes, found a time\n    \tstartup_cmd = 5m;\n    \t              ^"},
		{"multi-byte characters count once", "p.conf", "startup_cmd = \"é\"; x",
			"p.conf:1:21: unknown option \"x\"\n    startup_cmd = \"é\"; x\n                       ^"},
		{"CRLF", "p.conf", "startup_cmd = 5m;\r\n",
			"p.conf:1:15: startup_cmd needs a string in double quotes, found a time\n    startup_cmd = 5m;\n                  ^"},
		{"invalid UTF-8 shown as U+FFFD", "p.conf", "x\xff",
			"p.conf:1:2: invalid UTF-8: the configuration must be UTF-8 text\n    x\uFFFD\n     ^"},
		{"control characters shown as U+FFFD", "p.conf", "\x1b[31m",
			"p.conf:1:1: unexpected character '\\x1b'\n    \uFFFD[31m\n    ^"},
		{"end of file after newline", "p.conf", "// x\n",
			"p.conf:2:1: no accounts: add at least one account \"name\" { ... } block\n    \n    ^"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseError(t, tt.file, tt.src).Error(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestErrorLongLine(t *testing.T) {
	for _, col := range []int{1, 50, 61, 100, 500, 999, 1000} {
		src := []byte(strings.Repeat(" ", 1000))
		src[col-1] = '!'
		e := parseError(t, "p.conf", string(src))
		lines := strings.Split(e.Error(), "\n")
		if len(lines) != 3 {
			t.Fatalf("col %d: got %d lines; want 3", col, len(lines))
		}
		shown, caret := lines[1], strings.IndexByte(lines[2], '^')
		if len(shown) > maxShown+2*len("...")+4 {
			t.Errorf("col %d: got a shown line of %d bytes; want at most %d", col, len(shown), maxShown+10)
		}
		if caret < 0 || caret >= len(shown) || shown[caret] != '!' {
			t.Errorf("col %d: got caret at %d under %q; want it under '!'", col, caret, shown)
		}
	}
}

func TestErrorLongInvalidUTF8(t *testing.T) {
	// A long run of continuation bytes has no rune boundary to cut at.
	src := strings.Repeat("\x80", 500)
	e := parseError(t, "p.conf", src)
	if got := e.Error(); !strings.Contains(got, "invalid UTF-8") || strings.Contains(got, "\x80") {
		t.Errorf("got %q; want an invalid UTF-8 error showing U+FFFD", got)
	}
}

func TestLongInputsClipped(t *testing.T) {
	long := strings.Repeat("x", 10000)
	for _, src := range []string{
		long + " = 1s;",
		"refresh_retry = " + strings.Repeat("9", 10000) + "s;",
		"account \"" + long + " \" {",
		"account \"a\" {\n auth_uri = \"" + long + "\";",
		"http_listen = \"" + long + "\";",
		acct + "auth_uri_fields = { \"" + long + "\" };",
		"startup_cmd = " + long + ";",
	} {
		e := parseError(t, "p.conf", src)
		if len(e.Msg) > 300 {
			t.Errorf("got a %d-byte message %.80q...; want inputs clipped", len(e.Msg), e.Msg)
		}
	}
}

func TestErrorMasksSecrets(t *testing.T) {
	const s = "hunter2"
	tests := []struct {
		name, src string
	}{
		{"duplicate", acct + "client_secret = \"hunter2\";\nclient_secret = \"hunter2\";\n}"},
		{"missing ;", acct + `client_secret = "hunter2" x`},
		{"same line, later", acct + `bogus = 1; client_secret = "hunter2";`},
		{"unterminated", acct + `client_secret = "hunter2`},
		{"unterminated with escapes", acct + `client_secret = "hun\"ter2`},
		{"bad escape on the next line", acct + "client_secret =\n  \"hunter2\\x\";"},
		{"multi-line secret", acct + "client_secret = \"hunter2\nhunter2\" x"},
		{"wrong type after", acct + "client_secret = \"hunter2\"; scopes = 1s;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := parseError(t, "p.conf", tt.src)
			if got := e.Error(); strings.Contains(got, s) || strings.Contains(got, "hun") {
				t.Errorf("got %q; want the secret masked", got)
			}
		})
	}
}

func TestErrorMaskKeepsColumns(t *testing.T) {
	e := parseError(t, "p.conf", acct+`client_secret = "hunter2" x`)
	if got, want := e.Source, `client_secret = "*******" x`; got != want {
		t.Errorf("got Source %q; want %q", got, want)
	}
	if got, want := e.Col, 27; got != want {
		t.Errorf("got column %d; want %d", got, want)
	}
}
