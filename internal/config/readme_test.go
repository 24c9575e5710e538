package config

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fencedBlock matches the code blocks of a Markdown file.
var fencedBlock = regexp.MustCompile("(?ms)^```[a-z]*\\n(.*?)^```$")

// literalBlock matches the literal displays of an mdoc page.
var literalBlock = regexp.MustCompile(`(?ms)^\.Bd -literal[^\n]*\n(.*?)^\.Ed$`)

// configStart matches the first line of a configuration snippet: a
// comment, an account block or an option with a value as pizauth.conf
// writes them (other programs' "key = value" lines have bare values).
var configStart = regexp.MustCompile(`^(//|account "|[a-z_]+ = ("|\[|\{|none\b|[0-9]))`)

// anyAccount stands for the "{ ... }" of snippets that show only global
// options beside an account.
const anyAccount = `{ auth_uri = "https://auth.example/a"; token_uri = "https://auth.example/t"; client_id = "c"; }`

// roff undoes the escapes of mdoc text in literal displays.
var roff = strings.NewReplacer(`\e`, `\`, `\(aq`, `'`, `\&`, "", `\-`, "-", `\(dq`, `"`)

// TestDocSnippets parses every configuration snippet in the README and in
// both manual pages, so that what users copy stays valid. A "{ ... }"
// placeholder becomes a minimal account; a snippet of global options alone
// gets one.
func TestDocSnippets(t *testing.T) {
	for _, doc := range []struct {
		file  string
		block *regexp.Regexp
		min   int
	}{
		{"../../README.md", fencedBlock, 10},
		{"../../man/pizauth.1", literalBlock, 1},
		{"../../man/pizauth.conf.5", literalBlock, 6},
	} {
		b, err := os.ReadFile(doc.file)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range doc.block.FindAllStringSubmatch(string(b), -1) {
			block := m[1]
			if doc.block == literalBlock {
				block = roff.Replace(block)
			}
			if !isConfigSnippet(block) {
				continue
			}
			n++
			text := strings.ReplaceAll(block, "{ ... }", anyAccount)
			if !strings.Contains(text, `account "`) {
				text += "account \"any\" " + anyAccount + "\n"
			}
			if _, err := Parse(doc.file, []byte(text)); err != nil {
				t.Errorf("%s: snippet does not parse: %v\n%s", doc.file, err, block)
			}
		}
		if n < doc.min {
			t.Errorf("found %d configuration snippets in %s; want at least %d", n, doc.file, doc.min)
		}
	}
}

// isConfigSnippet reports whether block is pizauth.conf text, not a shell
// command, another program's configuration or the syntax of a statement
// ("option = value").
func isConfigSnippet(block string) bool {
	first, _, _ := strings.Cut(strings.TrimLeft(block, "\n"), "\n")
	return configStart.MatchString(first) && !strings.Contains(block, "option = value")
}

// securityRelevant are the settings whose change makes reload drop an
// account's tokens and restore refuse its dump, as the documents list
// them, each with a way to change it.
var securityRelevant = []struct {
	name   string
	change func(*Account)
}{
	{"name", func(a *Account) { a.Name = "other" }},
	{"auth_uri", func(a *Account) { a.AuthURI = "https://other.example/a" }},
	{"auth_uri_fields", func(a *Account) { a.AuthURIFields = []Field{{Key: "login_hint", Value: "x"}} }},
	{"client_id", func(a *Account) { a.ClientID = "other" }},
	{"client_secret", func(a *Account) { a.ClientSecret = "other" }},
	{"redirect_uri", func(a *Account) { a.RedirectURI = "http://127.0.0.1/" }},
	{"scopes", func(a *Account) { a.Scopes = []string{"other"} }},
	{"token_uri", func(a *Account) { a.TokenURI = "https://other.example/t" }},
	{"auth_flow", func(a *Account) { a.AuthFlow = FlowDevice }},
	{"device_auth_uri", func(a *Account) { a.DeviceAuthURI = "https://other.example/d" }},
	{"issuer", func(a *Account) { a.Issuer = "https://other.example" }},
	{"revoke_uri", func(a *Account) { a.RevokeURI = "https://other.example/r" }},
}

// securityListings are where the README and the manual pages list the
// security-relevant settings: the text from start to end.
var securityListings = []struct{ file, start, end string }{
	{"../../README.md", "`restore` only restores accounts whose security-relevant settings", ")"},
	{"../../man/pizauth.1", "Accounts whose security-relevant settings", ".Pc"},
	{"../../man/pizauth.conf.5", "\n.Pp\nThe name,\n", "when they are set"},
}

// TestSecurityRelevantListings checks the lists of security-relevant
// settings in README, pizauth(1) and pizauth.conf(5) against the security
// digest: each listed setting changes the digest, each list names every
// one, and the settings that are not listed leave the digest alone.
func TestSecurityRelevantListings(t *testing.T) {
	base := func() *Account {
		return &Account{Name: "mail", AuthURI: "https://auth.example/a", TokenURI: "https://auth.example/t",
			ClientID: "c", RedirectURI: "http://localhost/", AuthFlow: FlowCode,
			RefreshAtLeast: time.Hour, RefreshBeforeExpiry: time.Minute, RefreshRetry: time.Minute, RefreshTokenWarn: time.Hour}
	}
	for _, s := range securityRelevant {
		a := base()
		s.change(a)
		if a.SameSecurity(base()) {
			t.Errorf("changing %s leaves the security digest alone, but the documents list it", s.name)
		}
	}
	for name, change := range map[string]func(*Account){
		"refresh_at_least":      func(a *Account) { a.RefreshAtLeast *= 2 },
		"refresh_before_expiry": func(a *Account) { a.RefreshBeforeExpiry *= 2 },
		"refresh_retry":         func(a *Account) { a.RefreshRetry *= 2 },
		"refresh_token_warn":    func(a *Account) { a.RefreshTokenWarn *= 2 },
		"client_id_cmd":         func(a *Account) { a.ClientIDCmd = "echo c" },
	} {
		a := base()
		change(a)
		if !a.SameSecurity(base()) {
			t.Errorf("changing %s changes the security digest; list it in the documents and in securityRelevant", name)
		}
	}
	for _, l := range securityListings {
		b, err := os.ReadFile(l.file)
		if err != nil {
			t.Fatal(err)
		}
		_, after, ok := strings.Cut(string(b), l.start)
		if !ok {
			t.Errorf("%s: no list of security-relevant settings (%q)", l.file, l.start)
			continue
		}
		list, _, _ := strings.Cut(after, l.end)
		list = strings.ToLower(l.start + list)
		for _, s := range securityRelevant {
			if !regexp.MustCompile(`\b` + s.name + `\b`).MatchString(list) {
				t.Errorf("%s: the list of security-relevant settings lacks %s:\n%s", l.file, s.name, list)
			}
		}
	}
}

// TestREADMEOptionLists checks that README's Configuration section names
// every option the parser knows.
func TestREADMEOptionLists(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, _ := strings.Cut(string(b), "\n## Configuration\n")
	sec, _, _ = strings.Cut(sec, "\n## ")
	for _, o := range append(globalOptions[:], accountOptions[:]...) {
		if !strings.Contains(sec, "`"+o.name+"`") {
			t.Errorf("README's Configuration section does not list %s", o.name)
		}
	}
}
