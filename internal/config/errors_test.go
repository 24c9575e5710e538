package config

import (
	"errors"
	"strings"
	"testing"
)

// acct opens an account block "a" with its mandatory options on lines 2-4;
// what follows starts on line 5.
const acct = `account "a" {
    auth_uri = "https://i/a";
    token_uri = "https://i/t";
    client_id = "c";
`

func TestErrors(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		line, col int
		msg       string // the message must contain this
	}{
		// Options given twice.
		{"global twice", "refresh_retry = 1s;\nrefresh_retry = 2s;\n" + minimal, 2, 1, "refresh_retry is set more than once (first at line 1)"},
		{"account option twice", acct + "    client_id = \"d\";\n}\n", 5, 5, "client_id is set more than once (first at line 4)"},
		{"scopes twice", acct + "scopes = [];\nscopes = [\"a\"];\n}\n", 6, 1, "scopes is set more than once (first at line 5)"},
		{"listen twice", "http_listen = none;\nhttp_listen = none;\n", 2, 1, "http_listen is set more than once"},
		{"duplicate account", minimal + "\n" + minimal, 3, 9, `account "a" is defined more than once (first at line 1)`},

		// Unknown and renamed options.
		{"unknown global, suggestion", "refresh_retries = 1s;\n", 1, 1, `unknown option "refresh_retries": did you mean refresh_retry?`},
		{"unknown account option, suggestion", acct + "  scope = [\"x\"];\n}\n", 5, 3, `unknown option "scope": did you mean scopes?`},
		{"unknown, upper case", acct + "  TOKEN_URI = \"x\";\n}\n", 5, 3, "did you mean token_uri?"},
		{"unknown, hyphen", "\n  auth-notify-cmd = \"x\";\n", 2, 3, "did you mean auth_notify_cmd?"},
		{"unknown, no suggestion", "frobnicate = 1s;\n", 1, 1, `unknown option "frobnicate"`},
		{"account option at top level", "\nclient_id = \"x\";\n", 2, 1, "client_id is an account option: move it into an account block"},
		{"global option in account", acct + "http_listen = \"x:1\";\n}\n", 5, 1, "http_listen is a global option: move it out of the account block"},
		{"auth_error_cmd", minimal + "auth_error_cmd = \"x\";\n", 2, 1, "auth_error_cmd has been renamed to error_notify_cmd"},
		{"bad auth_flow", acct + "auth_flow = \"implicit\";\n}\n", 5, 13, `auth_flow must be "code" or "device"`},
		{"device without device_auth_uri", acct + "auth_flow = \"device\";\n}\n", 1, 9, `has auth_flow = "device" but no device_auth_uri`},
		{"revoke_uri fragment", acct + "revoke_uri = \"https://i/r#x\";\n}\n", 5, 26, "revoke_uri must not have a #fragment"},
		{"refresh_retry_interval", "refresh_retry_interval = 1s;", 1, 1, "refresh_retry_interval has been renamed to refresh_retry"},

		// Lexical errors.
		{"unterminated string", "\nstartup_cmd = \"abc;\naccount \"a\" {}", 3, 10, "expected ; after the value of startup_cmd, found a; the string at line 2 runs over several lines: is its closing \" missing?"},
		{"unterminated string at end", "startup_cmd = \"abc;\n", 1, 15, `unterminated string: add the closing "`},
		{"unterminated after escaped quote", `startup_cmd = "abc\";`, 1, 15, "unterminated string"},
		{"bad escape", `startup_cmd = "a\nb";`, 1, 17, `unknown escape sequence \n in string: only \" and \\ are allowed`},
		{"bad escape of space", `startup_cmd = "a\ b";`, 1, 17, `backslash followed by ' '`},
		{"unexpected character", "\n startup_cmd = 'x';", 2, 16, `unexpected character '\''`},
		{"single slash", "/ comment\n", 1, 1, "comments start with //"},
		{"non-ASCII character", "startup_cmd = “x”;", 1, 15, "unexpected character '“'"},
		{"NUL byte", "// x\x00\n" + minimal, 1, 5, "NUL byte"},
		{"invalid UTF-8", "\nstartup_cmd = \"\xff\";\n" + minimal, 2, 16, "invalid UTF-8"},
		{"NUL before invalid UTF-8", "\x00\xff", 1, 1, "NUL byte"},

		// Times.
		{"bad time unit", "refresh_retry = 10x;", 1, 17, `bad time "10x": want a whole number followed by s, m, h or d`},
		{"bad time fraction", "refresh_retry = 1.5h;", 1, 17, `bad time "1.5h"`},
		{"bad time two units", "refresh_retry = 1h30m;", 1, 17, `bad time "1h30m"`},
		{"time without unit", "refresh_retry = 10;", 1, 17, `time "10" has no unit: add s, m, h or d`},
		{"time overflows digits", "refresh_retry = 99999999999999999999s;", 1, 17, "is too large"},
		{"time overflows unit", "auth_notify_interval = 106752d;", 1, 24, `time "106752d" is too large`},
		{"time overflows seconds", "auth_notify_interval = 9223372037s;", 1, 24, "is too large"},

		// Wrong value types.
		{"quoted time", `refresh_retry = "40s";`, 1, 17, "refresh_retry needs a time such as 90s, 15m, 2h or 1d without quotes, found a string"},
		{"string for time", `refresh_retry = "soon";`, 1, 17, "refresh_retry needs a time such as 90s, 15m, 2h or 1d, found a string"},
		{"time for string", "auth_notify_cmd = 5m;", 1, 19, "auth_notify_cmd needs a string in double quotes, found a time"},
		{"none for string", "startup_cmd = none;", 1, 15, "startup_cmd needs a string in double quotes, found none"},
		{"word for listen", "http_listen = off;", 1, 15, `http_listen needs "host:port" or none, found off`},
		{"string for scopes", acct + `scopes = "a b";`, 5, 10, `scopes needs a list of strings such as ["scope1", "scope2"], found a string`},
		{"list for fields", acct + `auth_uri_fields = ["a"];`, 5, 19, "auth_uri_fields needs key/value pairs such as"},
		{"time for URI", "account \"a\" {\n auth_uri = 1s;", 2, 13, "auth_uri needs a URI in double quotes, found a time"},
		{"time in scopes", acct + `scopes = ["a", 1s];`, 5, 16, "expected a string or ] in scopes, found a time"},
		{"scopes missing comma", acct + "scopes = [\"a\"\n \"b\"];", 6, 2, "expected , or ] after an item of scopes, found a string"},
		{"scopes unclosed", acct + `scopes = ["a",`, 5, 15, "expected a string or ] in scopes, found end of file"},
		{"fields missing colon", acct + `auth_uri_fields = { "k" "v" };`, 5, 25, `expected : after the key "k" in auth_uri_fields, found a string`},
		{"fields non-string value", acct + `auth_uri_fields = { "k": none };`, 5, 26, `expected a value in double quotes for the key "k"`},
		{"fields non-string key", acct + `auth_uri_fields = { k: "v" };`, 5, 21, "expected a key in double quotes or } in auth_uri_fields, found k"},
		{"list item runs over lines", acct + "scopes = [\"a\n\"b\"];", 6, 2, "expected , or ] after an item of scopes, found b; the string at line 5 runs over several lines"},
		{"fields missing comma", acct + `auth_uri_fields = { "k": "v" "l": "w" };`, 5, 30, "expected , or } after an item of auth_uri_fields"},

		// Statement structure.
		{"missing ; at end of line", "startup_cmd = \"x\"\nrefresh_retry = 1s;", 1, 18, "expected ; after the value of startup_cmd, found refresh_retry"},
		{"missing ; before more on the line", `startup_cmd = "x" "y";`, 1, 19, "expected ; after the value of startup_cmd, found a string"},
		{"missing ; at end of file", `startup_cmd = "x"`, 1, 18, "expected ; after the value of startup_cmd, found end of file"},
		{"missing =", `startup_cmd "x";`, 1, 13, "expected = after startup_cmd, found a string"},
		{"stray ;", minimal + "};", 2, 1, "expected an option name or an account block, found '}'"},
		{"two ; after account", minimal[:len(minimal)-1] + ";;", 1, 114, "expected an option name or an account block, found ';'"},
		{"account without name", "account {", 1, 9, "expected the account name in double quotes after account, found '{'"},
		{"account without {", `account "a" auth_uri`, 1, 13, "expected { after the account name, found auth_uri"},
		{"account unclosed", "\naccount \"a\" {\n auth_uri = \"https://i/a\";\n", 2, 13, `missing } to close account "a"`},
		{"nested account", acct + `account "b" {`, 5, 1, `account blocks cannot be nested: close account "a" with } first`},
		{"punctuation in account", acct + "= 1;", 5, 1, `expected an option name or } in account "a", found '='`},

		// Account names.
		{"empty account name", `account "" {`, 1, 9, "account name must not be empty"},
		{"control character in name", "account \"a\tb\" {", 1, 9, `account name "a\tb" contains a control character`},
		{"newline in name", "\naccount \"a\nb\" {", 2, 9, "contains a control character"},
		{"leading space in name", `account " a" {`, 1, 9, `account name " a" has leading or trailing whitespace`},
		{"trailing space in name", `account "a " {`, 1, 9, "has leading or trailing whitespace"},
		{"whitespace-only name", `account "  " {`, 1, 9, "has leading or trailing whitespace"},

		// Account contents.
		{"missing mandatory", "\naccount \"a\" {\n auth_uri = \"https://i/a\";\n}\n", 2, 9, `account "a" is missing token_uri and client_id: set provider ("microsoft" or "google") or issuer, or write out auth_uri, token_uri and client_id`},
		{"empty account", `account "x" {}`, 1, 9, "is missing auth_uri, token_uri and client_id: set provider"},
		{"only client_id missing", "account \"x\" {\n auth_uri = \"https://i/a\";\n token_uri = \"https://i/t\";\n}\n", 1, 9, `account "x" is missing client_id: every account needs client_id or client_id_cmd`},
		{"empty client_id", "account \"a\" {\n client_id = \"\";", 2, 14, "client_id must not be empty"},
		{"relative URI", "account \"a\" {\n auth_uri = \"login.example.com/authorize\";", 2, 13, `auth_uri "login.example.com/authorize" is not an absolute URI: it must start with https:// or http://`},
		{"ftp URI", "account \"a\" {\n token_uri = \"ftp://i/t\";", 2, 15, `token_uri "ftp://i/t" must be an http or https URI, not "ftp"`},
		{"URI without host", "account \"a\" {\n token_uri = \"https:///t\";", 2, 14, "has no host"},
		{"URI with empty host", "account \"a\" {\n token_uri = \"https://:443/t\";", 2, 14, "has no host"},
		{"opaque URI", "account \"a\" {\n token_uri = \"https:i/t\";", 2, 14, "has no host"},
		{"unparseable URI", "account \"a\" {\n auth_uri = \"https://i/%zz\";", 2, 13, `auth_uri "https://i/%zz" is not a valid URI: invalid URL escape "%zz"`},
		{"bad port in URI", "account \"a\" {\n auth_uri = \"https://i:x/\";", 2, 13, "is not a valid URI"},
		{"fragment in auth_uri", "account \"a\" {\n auth_uri = \"https://i/a#frag\";", 2, 25, `auth_uri must not have a #fragment: remove "#frag"`},
		{"fragment in token_uri, escaped string", "account \"a\" {\n token_uri = \"https://i/\\\"t#\";", 2, 14, "token_uri must not have a #fragment"},
		{"fragment in redirect_uri", acct + `redirect_uri = "http://localhost/#";`, 5, 34, "redirect_uri must not have a #fragment"},
		{"mailto redirect_uri", acct + `redirect_uri = "mailto:me@example.com";`, 5, 17, `must be an http or https URI, not "mailto"`},
		{"reserved field", acct + `auth_uri_fields = { "a": "b", "state": "x" };`, 5, 31, `auth_uri_fields key "state" is reserved: pizauth sets it itself`},
		{"reserved field scope", acct + `auth_uri_fields = { "scope": "x" };`, 5, 21, `key "scope" is reserved`},
		{"login_hint then field", acct + "login_hint = \"a\";\nauth_uri_fields = { \"login_hint\": \"b\" };\n}", 6, 21, "login_hint is set both as an option and as an auth_uri_fields key: drop the deprecated login_hint option"},
		{"field then login_hint", acct + "auth_uri_fields = { \"login_hint\": \"b\" };\n  login_hint = \"a\";\n}", 6, 3, "login_hint is set both as an option and as an auth_uri_fields key"},

		// Listeners.
		{"listen without port", `http_listen = "8080";`, 1, 15, `http_listen "8080" is not host:port (e.g. "127.0.0.1:0" or "[::1]:8080"): missing port in address`},
		{"listen empty", `https_listen = "";`, 1, 16, `https_listen "" is not host:port`},
		{"listen named port", `http_listen = "localhost:http";`, 1, 15, `http_listen "localhost:http" has an invalid port "http": want a number from 0 to 65535`},
		{"listen port too large", `http_listen = "localhost:65536";`, 1, 15, "has an invalid port"},
		{"listen bad brackets", `http_listen = "[::1:80";`, 1, 15, "is not host:port"},
		{"default redirect needs http", "http_listen = none;\n" + minimal, 2, 9, `account "a" uses the default redirect_uri "http://localhost/" but http_listen is none: set http_listen, or give the account an https redirect_uri`},
		{"http redirect needs http", acct + "redirect_uri = \"http://localhost/\";\n}\nhttp_listen = none;", 5, 16, `account "a" has an http redirect_uri but http_listen is none: set http_listen, or use an https redirect_uri`},
		{"https redirect needs https", "https_listen = none;\n" + acct + "redirect_uri = \"HTTPS://localhost/\";\n}", 6, 16, `account "a" has an https redirect_uri but https_listen is none: set https_listen, or use an http redirect_uri`},

		// No accounts.
		{"empty file", "", 1, 1, `no accounts: add at least one account "name" { ... } block`},
		{"only options", "refresh_retry = 1s;\n", 2, 1, "no accounts"},
		{"only comments", "// nothing\n// here", 2, 8, "no accounts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("p.conf", []byte(tt.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v; want an *Error", err)
			}
			if e.Line != tt.line || e.Col != tt.col {
				t.Errorf("got position %d:%d; want %d:%d\n%v", e.Line, e.Col, tt.line, tt.col, err)
			}
			if !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got message %q; want it to contain %q", e.Msg, tt.msg)
			}
			checkErrorShape(t, tt.src, e)
		})
	}
}

// checkErrorShape checks what every Error must satisfy.
func checkErrorShape(t *testing.T, src string, e *Error) {
	t.Helper()
	if e.File != "p.conf" {
		t.Errorf("got File %q; want %q", e.File, "p.conf")
	}
	if e.Msg == "" || strings.ToLower(e.Msg[:1]) != e.Msg[:1] && !strings.HasPrefix(e.Msg, "NUL") || strings.HasSuffix(e.Msg, ".") {
		t.Errorf("got message %q; want it lowercase, non-empty, without a final period", e.Msg)
	}
	lines := strings.Split(src, "\n")
	if e.Line < 1 || e.Line > len(lines) {
		t.Fatalf("got line %d; want 1..%d", e.Line, len(lines))
	}
	line := strings.TrimSuffix(lines[e.Line-1], "\r")
	if e.Source != line && !strings.Contains(line, "client_secret") {
		t.Errorf("got Source %q; want line %d, %q", e.Source, e.Line, line)
	}
	if e.Col < 1 || e.Col > len(line)+1 {
		t.Errorf("got column %d; want 1..%d", e.Col, len(line)+1)
	}
}
