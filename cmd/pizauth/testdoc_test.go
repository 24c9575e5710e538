package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/cmdline"
	"github.com/pizauth-go/pizauth/internal/mailcheck/plan"
)

// documentedTest matches the examples of pizauth test in the README
// (`pizauth test ...` and `$ pizauth test ...` lines) and the manual ($
// pizauth test ..., continued by \e and a newline), not its synopsis.
var documentedTest = regexp.MustCompile("(?:`|\\$ )pizauth test ((?:[^`\\n<\\[]|\\\\e\\n)+)")

// TestDocumentedTestCommands: every example of pizauth test that the
// README and pizauth(1) show is a valid command line.
func TestDocumentedTestCommands(t *testing.T) {
	n := 0
	for _, file := range []string{"../../README.md", "../../man/pizauth.1"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.NewReplacer("\\e\n", " ").Replace(string(b))
		// An inline `...` example may be wrapped over lines.
		text = regexp.MustCompile("`pizauth test [^`]*`").ReplaceAllStringFunc(text, func(m string) string {
			return strings.ReplaceAll(m, "\n", " ")
		})
		for _, m := range documentedTest.FindAllStringSubmatch(text, -1) {
			n++
			args := append([]string{"test"}, strings.Fields(m[1])...)
			c, p, err := cmdline.Parse(args)
			if err == nil && c.Name == "test" {
				_, err = plan.FromArgs(p)
			}
			if err != nil {
				t.Errorf("%s: pizauth test %s: %v", file, m[1], err)
			}
		}
	}
	if n < 3 {
		t.Errorf("found %d examples of pizauth test; want at least 3", n)
	}
}
