package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.conf")
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, s := range []string{
		minimal,
		"http_listen = none;\n" + httpsAccount,
		acct + "login_hint = \"x\"; auth_uri_fields = {\"a\": \"b\",}; scopes = [\"a\",];\n};",
		acct + "client_secret = \"a\\\"b\\\\c\";\n}",
		"refresh_retry = 106751d; refresh_at_least = 9223372036s;\n" + minimal,
		"startup_cmd = \"multi\nline\";\n" + minimal,
		"account \"\" {", "\"", "//", "1", "a=", "\x00\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := Parse("f.conf", src)
		if err != nil {
			checkFuzzError(t, src, err)
			return
		}
		checkFuzzConfig(t, c)
	})
}

func checkFuzzError(t *testing.T, src []byte, err error) {
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v; want an *Error", err, err)
	}
	_ = e.Error()
	if e.Line < 1 || e.Col < 1 || e.Msg == "" {
		t.Fatalf("got %d:%d %q; want a position and a message", e.Line, e.Col, e.Msg)
	}
	start := 0
	for range e.Line - 1 {
		i := bytes.IndexByte(src[start:], '\n')
		if i < 0 {
			t.Fatalf("got line %d; the input has fewer lines", e.Line)
		}
		start += i + 1
	}
	if off := start + e.Col - 1; off > len(src) {
		t.Fatalf("got %d:%d, offset %d; want an offset within the %d-byte input", e.Line, e.Col, off, len(src))
	}
	line, _, _ := bytes.Cut(src[start:], []byte("\n"))
	if len(e.Source) != len(bytes.TrimSuffix(line, []byte("\r"))) {
		t.Fatalf("got Source %q; want line %d, %q (masked secrets keep lengths)", e.Source, e.Line, line)
	}
}

func checkFuzzConfig(t *testing.T, c *Config) {
	if len(c.Accounts) == 0 {
		t.Fatal("got no accounts; want at least one")
	}
	for i, a := range c.Accounts {
		if a.AuthURI == "" || a.TokenURI == "" || a.ClientID == "" || a.RedirectURI == "" {
			t.Fatalf("got account %q with an empty mandatory setting: %+v", a.Name, a)
		}
		if i > 0 && c.Accounts[i-1].Name >= a.Name {
			t.Fatalf("got accounts %q then %q; want strictly sorted names", c.Accounts[i-1].Name, a.Name)
		}
		if c.Account(a.Name) != a {
			t.Fatalf("Account(%q) does not find it", a.Name)
		}
		if checkName(a.Name) != "" {
			t.Fatalf("got account name %q; want it refused", a.Name)
		}
		if a.RefreshAtLeast < 0 || a.RefreshBeforeExpiry < 0 || a.RefreshRetry < 0 {
			t.Fatalf("got negative durations in %+v", a)
		}
	}
}
