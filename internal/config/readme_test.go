package config

import (
	"os"
	"regexp"
	"strings"
	"testing"
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
