package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// minimal is the smallest valid account block.
const minimal = `account "a" { auth_uri = "https://idp.example/auth"; token_uri = "https://idp.example/token"; client_id = "c"; }
`

// httpsAccount is an account that needs no HTTP listener.
const httpsAccount = `account "s" { auth_uri = "https://i/a"; token_uri = "https://i/t"; client_id = "c"; redirect_uri = "https://localhost/"; }
`

func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	c, err := Parse("test.conf", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestGlobalOptions(t *testing.T) {
	tests := []struct {
		name string
		src  string // prepended to minimal; "" tests the default
		get  func(*Config) any
		want any
	}{
		{"auth_notify_cmd default", "", func(c *Config) any { return c.AuthNotifyCmd }, ""},
		{"auth_notify_cmd", `auth_notify_cmd = "notify \"$PIZAUTH_URL\"";`, func(c *Config) any { return c.AuthNotifyCmd }, `notify "$PIZAUTH_URL"`},
		{"auth_notify_interval default", "", func(c *Config) any { return c.AuthNotifyInterval }, 15 * time.Minute},
		{"auth_notify_interval", "auth_notify_interval = 2h;", func(c *Config) any { return c.AuthNotifyInterval }, 2 * time.Hour},
		{"error_notify_cmd default", "", func(c *Config) any { return c.ErrorNotifyCmd }, ""},
		{"error_notify_cmd", `error_notify_cmd = "logger \\ x";`, func(c *Config) any { return c.ErrorNotifyCmd }, `logger \ x`},
		{"http_listen default", "", func(c *Config) any { return c.HTTPListen }, "127.0.0.1:0"},
		{"http_listen", `http_listen = "[::1]:8080";`, func(c *Config) any { return c.HTTPListen }, "[::1]:8080"},
		{"https_listen default", "", func(c *Config) any { return c.HTTPSListen }, "127.0.0.1:0"},
		{"https_listen", `https_listen = "localhost:0";`, func(c *Config) any { return c.HTTPSListen }, "localhost:0"},
		{"https_listen none", `https_listen = none;`, func(c *Config) any { return c.HTTPSListen }, ""},
		// Left out, the listeners serve both loopback addresses; given,
		// even as the default's own value, exactly what the file says.
		{"http_listen left out", "", func(c *Config) any { return c.HTTPListenDefault }, true},
		{"http_listen given", `http_listen = "127.0.0.1:0";`, func(c *Config) any { return c.HTTPListenDefault }, false},
		{"https_listen left out", "", func(c *Config) any { return c.HTTPSListenDefault }, true},
		{"https_listen given", `https_listen = "127.0.0.1:0";`, func(c *Config) any { return c.HTTPSListenDefault }, false},
		{"https_listen none default", `https_listen = none;`, func(c *Config) any { return c.HTTPSListenDefault }, false},
		{"refresh_at_least default", "", func(c *Config) any { return c.RefreshAtLeast }, 90 * time.Minute},
		{"refresh_at_least", "refresh_at_least = 1d;", func(c *Config) any { return c.RefreshAtLeast }, 24 * time.Hour},
		{"refresh_before_expiry default", "", func(c *Config) any { return c.RefreshBeforeExpiry }, 90 * time.Second},
		{"refresh_before_expiry", "refresh_before_expiry = 0s;", func(c *Config) any { return c.RefreshBeforeExpiry }, time.Duration(0)},
		{"refresh_retry default", "", func(c *Config) any { return c.RefreshRetry }, 40 * time.Second},
		{"refresh_retry", "refresh_retry = 007m;", func(c *Config) any { return c.RefreshRetry }, 7 * time.Minute},
		{"startup_cmd default", "", func(c *Config) any { return c.StartupCmd }, ""},
		{"startup_cmd", `startup_cmd = "touch ready";`, func(c *Config) any { return c.StartupCmd }, "touch ready"},
		{"token_event_cmd default", "", func(c *Config) any { return c.TokenEventCmd }, ""},
		{"token_event_cmd", `token_event_cmd = "pizauth dump";`, func(c *Config) any { return c.TokenEventCmd }, "pizauth dump"},
		{"transient_error_if_cmd default", "", func(c *Config) any { return c.TransientErrorIfCmd }, ""},
		{"transient_error_if_cmd", `transient_error_if_cmd = "true";`, func(c *Config) any { return c.TransientErrorIfCmd }, "true"},
		{"multi-line string", "startup_cmd = \"a\nb\";", func(c *Config) any { return c.StartupCmd }, "a\nb"},
		{"comment and no spaces", "startup_cmd=\"x\";// c\n", func(c *Config) any { return c.StartupCmd }, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, tt.src+"\n"+minimal)
			if got := tt.get(c); got != tt.want {
				t.Errorf("got %#v; want %#v", got, tt.want)
			}
		})
	}
}

// account parses one account block with the given body after the
// mandatory options, and globals before it.
func account(t *testing.T, globals, body string) *Account {
	t.Helper()
	c := mustParse(t, globals+`
account "x" {
    auth_uri = "https://idp.example/auth";
    token_uri = "https://idp.example/token";
    client_id = "id";
`+body+"\n}\n")
	return c.Accounts[0]
}

func TestAccountOptions(t *testing.T) {
	tests := []struct {
		name          string
		globals, body string
		get           func(*Account) any
		want          any
	}{
		{"auth_uri", "", "", func(a *Account) any { return a.AuthURI }, "https://idp.example/auth"},
		{"token_uri", "", "", func(a *Account) any { return a.TokenURI }, "https://idp.example/token"},
		{"client_id", "", "", func(a *Account) any { return a.ClientID }, "id"},
		{"client_secret default", "", "", func(a *Account) any { return a.ClientSecret.IsZero() }, true},
		{"client_secret", "", `client_secret = "s\"3";`, func(a *Account) any { return a.ClientSecret.Reveal() }, `s"3`},
		{"redirect_uri default", "", "", func(a *Account) any { return a.RedirectURI }, "http://localhost/"},
		{"redirect_uri", "", `redirect_uri = "https://localhost:1/cb";`, func(a *Account) any { return a.RedirectURI }, "https://localhost:1/cb"},
		{"scopes default", "", "", func(a *Account) any { return len(a.Scopes) }, 0},
		{"scopes empty", "", `scopes = [];`, func(a *Account) any { return len(a.Scopes) }, 0},
		{"scopes", "", `scopes = ["a", "b"];`, func(a *Account) any { return slices.Equal(a.Scopes, []string{"a", "b"}) }, true},
		{"scopes trailing comma", "", "scopes = [\n \"a\",\n \"b\",\n];", func(a *Account) any { return slices.Equal(a.Scopes, []string{"a", "b"}) }, true},
		{"auth_uri_fields default", "", "", func(a *Account) any { return len(a.AuthURIFields) }, 0},
		{"auth_uri_fields empty", "", "auth_uri_fields = {};", func(a *Account) any { return len(a.AuthURIFields) }, 0},
		{"auth_uri_fields ordered, repeated keys", "", `auth_uri_fields = { "z": "1", "a": "2", "z": "3", };`,
			func(a *Account) any {
				return slices.Equal(a.AuthURIFields, []Field{{"z", "1"}, {"a", "2"}, {"z", "3"}})
			}, true},
		{"refresh_at_least inherits default", "", "", func(a *Account) any { return a.RefreshAtLeast }, 90 * time.Minute},
		{"refresh_at_least inherits global", "refresh_at_least = 3h;", "", func(a *Account) any { return a.RefreshAtLeast }, 3 * time.Hour},
		{"refresh_at_least override", "refresh_at_least = 3h;", "refresh_at_least = 4h;", func(a *Account) any { return a.RefreshAtLeast }, 4 * time.Hour},
		{"refresh_at_least override default", "", "refresh_at_least = 5m;", func(a *Account) any { return a.RefreshAtLeast }, 5 * time.Minute},
		{"refresh_before_expiry inherits default", "", "", func(a *Account) any { return a.RefreshBeforeExpiry }, 90 * time.Second},
		{"refresh_before_expiry inherits global", "refresh_before_expiry = 1m;", "", func(a *Account) any { return a.RefreshBeforeExpiry }, time.Minute},
		{"refresh_before_expiry override", "refresh_before_expiry = 1m;", "refresh_before_expiry = 0s;", func(a *Account) any { return a.RefreshBeforeExpiry }, time.Duration(0)},
		{"auth_flow default", "", "", func(a *Account) any { return a.AuthFlow }, "code"},
		{"auth_flow code", "", `auth_flow = "code";`, func(a *Account) any { return a.AuthFlow }, "code"},
		{"auth_flow device", "", `auth_flow = "device"; device_auth_uri = "https://idp.example/device";`, func(a *Account) any { return a.AuthFlow }, "device"},
		{"issuer", "", `issuer = "https://idp.example/tenant/v2.0";`, func(a *Account) any { return a.Issuer }, "https://idp.example/tenant/v2.0"},
		{"issuer makes auth_uri and token_uri optional", "", "", func(a *Account) any {
			return mustParse(t, `account "d" { issuer = "https://i/t"; client_id = "c"; }`).Accounts[0].TokenURI
		}, ""},
		{"issuer makes device_auth_uri optional", "", "", func(a *Account) any {
			return mustParse(t, `account "d" { issuer = "https://i/t"; auth_flow = "device"; client_id = "c"; }`).Accounts[0].AuthFlow
		}, "device"},
		{"device flow needs no redirect listener", "", "", func(a *Account) any {
			return len(mustParse(t, `http_listen = none; account "d" { auth_flow = "device"; device_auth_uri = "https://i/d"; token_uri = "https://i/t"; client_id = "c"; }`).Accounts)
		}, 1},
		{"device flow needs no auth_uri", "", "", func(a *Account) any {
			return len(mustParse(t, `account "d" { auth_flow = "device"; device_auth_uri = "https://i/d"; token_uri = "https://i/t"; client_id = "c"; }`).Accounts)
		}, 1},
		{"device_auth_uri", "", `device_auth_uri = "https://idp.example/device";`, func(a *Account) any { return a.DeviceAuthURI }, "https://idp.example/device"},
		{"revoke_uri default", "", "", func(a *Account) any { return a.RevokeURI }, ""},
		{"revoke_uri", "", `revoke_uri = "https://idp.example/revoke";`, func(a *Account) any { return a.RevokeURI }, "https://idp.example/revoke"},
		{"refresh_retry inherits default", "", "", func(a *Account) any { return a.RefreshRetry }, 40 * time.Second},
		{"refresh_retry inherits global", "refresh_retry = 10s;", "", func(a *Account) any { return a.RefreshRetry }, 10 * time.Second},
		{"refresh_retry override", "refresh_retry = 10s;", "refresh_retry = 2d;", func(a *Account) any { return a.RefreshRetry }, 48 * time.Hour},
		{"refresh_token_warn inherits default", "", "", func(a *Account) any { return a.RefreshTokenWarn }, 24 * time.Hour},
		{"refresh_token_warn inherits global", "refresh_token_warn = 2d;", "", func(a *Account) any { return a.RefreshTokenWarn }, 48 * time.Hour},
		{"refresh_token_warn override", "refresh_token_warn = 2d;", "refresh_token_warn = 3h;", func(a *Account) any { return a.RefreshTokenWarn }, 3 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.get(account(t, tt.globals, tt.body)); got != tt.want {
				t.Errorf("got %#v; want %#v", got, tt.want)
			}
		})
	}
}

func TestHTTPListenNone(t *testing.T) {
	c := mustParse(t, "http_listen = none;\n"+httpsAccount)
	if got, want := c.HTTPListen, ""; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
}

// TestNoListener: with both listeners none, accounts of either scheme are
// accepted; their logins are finished with pizauth complete.
func TestNoListener(t *testing.T) {
	c := mustParse(t, "http_listen = none;\nhttps_listen = none;\n"+minimal+httpsAccount)
	if !c.NoListener() || c.HTTPListenDefault || c.HTTPSListenDefault {
		t.Errorf("got NoListener %t, defaults %t %t; want true, false, false", c.NoListener(), c.HTTPListenDefault, c.HTTPSListenDefault)
	}
	if mustParse(t, "http_listen = none;\n"+httpsAccount).NoListener() {
		t.Errorf("NoListener with HTTPS on; want false")
	}
}

func TestGlobalAfterAccountStillApplies(t *testing.T) {
	c := mustParse(t, minimal+"refresh_retry = 9s;\n")
	if got, want := c.Accounts[0].RefreshRetry, 9*time.Second; got != want {
		t.Errorf("got %v; want %v", got, want)
	}
}

func TestLoginHint(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []Field
	}{
		{"alone", `login_hint = "me@example.com";`, []Field{{"login_hint", "me@example.com"}}},
		{"appended after fields", `login_hint = "me"; auth_uri_fields = { "prompt": "consent" };`,
			[]Field{{"prompt", "consent"}, {"login_hint", "me"}}},
		{"as a field", `auth_uri_fields = { "login_hint": "me" };`, []Field{{"login_hint", "me"}}},
		{"empty", `login_hint = "";`, []Field{{"login_hint", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := account(t, "", tt.body).AuthURIFields; !slices.Equal(got, tt.want) {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

func TestAccountsSortedAndFound(t *testing.T) {
	c := mustParse(t, `
account "b" { auth_uri = "https://i/a"; token_uri = "https://i/t"; client_id = "1"; }
account "a b" { auth_uri = "https://i/a"; token_uri = "https://i/t"; client_id = "2"; };
account "C" { auth_uri = "https://i/a"; token_uri = "https://i/t"; client_id = "3"; }
`)
	var names []string
	for _, a := range c.Accounts {
		names = append(names, a.Name)
	}
	if want := []string{"C", "a b", "b"}; !slices.Equal(names, want) {
		t.Errorf("got %q; want %q", names, want)
	}
	for _, tt := range []struct{ name, wantID string }{{"a b", "2"}, {"b", "1"}, {"C", "3"}} {
		if a := c.Account(tt.name); a == nil || a.ClientID != tt.wantID {
			t.Errorf("Account(%q) got %+v; want client_id %q", tt.name, a, tt.wantID)
		}
	}
	for _, name := range []string{"", "c", "a", "bb"} {
		if a := c.Account(name); a != nil {
			t.Errorf("Account(%q) got %q; want nil", name, a.Name)
		}
	}
}

func TestExamples(t *testing.T) {
	files, err := filepath.Glob("testdata/*.conf")
	if err != nil || len(files) < 4 {
		t.Fatalf("got %d example files (%v); want at least 4", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			c, err := parseFile(f)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(c.Accounts) == 0 {
				t.Errorf("got no accounts; want some")
			}
		})
	}
}

// parseFile parses the file at path. The checkout's files are parsed
// rather than loaded: Load refuses files that another user could change,
// and a checkout may belong to another user (a CI container run as root).
func parseFile(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src)
}

func TestEverything(t *testing.T) {
	c, err := parseFile("testdata/everything.conf")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.HTTPSListen, "[::1]:8443"; got != want {
		t.Errorf("https_listen got %q; want %q", got, want)
	}
	p, w := c.Account("personal"), c.Account("work")
	if got, want := p.AuthURIFields, []Field{{"login_hint", "me@example.com"}}; !slices.Equal(got, want) {
		t.Errorf("personal fields got %q; want %q", got, want)
	}
	if got, want := [3]time.Duration{p.RefreshAtLeast, p.RefreshBeforeExpiry, p.RefreshRetry}, [3]time.Duration{2 * time.Hour, 5 * time.Minute, time.Minute}; got != want {
		t.Errorf("personal timings got %v; want %v", got, want)
	}
	if got, want := [3]time.Duration{w.RefreshAtLeast, w.RefreshBeforeExpiry, w.RefreshRetry}, [3]time.Duration{time.Hour, 2 * time.Minute, 0}; got != want {
		t.Errorf("work timings got %v; want %v", got, want)
	}
	if got, want := w.ClientSecret.Reveal(), `work "quoted" secret with a \ backslash`; got != want {
		t.Errorf("work secret got %q; want %q", got, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "pizauth.conf"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v; want an error wrapping fs.ErrNotExist", err)
	}
}

func TestConfigDoesNotAliasSource(t *testing.T) {
	src := []byte(acct + "client_secret = \"s\";\nscopes = [\"x\"];\nauth_uri_fields = { \"k\": \"v\" };\n}\n")
	c, err := Parse("p.conf", src)
	if err != nil {
		t.Fatal(err)
	}
	for i := range src {
		src[i] = '#'
	}
	a := c.Accounts[0]
	got := []string{a.Name, a.AuthURI, a.TokenURI, a.ClientID, a.ClientSecret.Reveal(), a.Scopes[0], a.AuthURIFields[0].Key, a.AuthURIFields[0].Value}
	want := []string{"a", "https://i/a", "https://i/t", "c", "s", "x", "k", "v"}
	if !slices.Equal(got, want) {
		t.Errorf("after overwriting the source got %q; want %q", got, want)
	}
}
