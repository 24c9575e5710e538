package config

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// fencedBlock matches the code blocks of a Markdown file.
var fencedBlock = regexp.MustCompile("(?ms)^```[a-z]*\\n(.*?)^```$")

// TestREADMEConfigSnippets parses every complete account snippet in the
// README, so that the provider examples users copy stay valid.
func TestREADMEConfigSnippets(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range fencedBlock.FindAllStringSubmatch(string(b), -1) {
		block := m[1]
		if !strings.Contains(block, "account \"") || !strings.Contains(block, "token_uri") {
			continue // not a complete configuration
		}
		n++
		if _, err := Parse("README.md", []byte(block)); err != nil {
			t.Errorf("README snippet does not parse: %v\n%s", err, block)
		}
	}
	if n < 4 {
		t.Errorf("found %d complete account snippets in README.md; want at least 4", n)
	}
}
