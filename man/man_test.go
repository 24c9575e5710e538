// Package man holds pizauth's manual pages, pizauth.1 and pizauth.conf.5,
// written in mdoc. Its test lints them with mandoc.
package man

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/testtool"
)

var pages = []string{"pizauth.1", "pizauth.conf.5"}

// ignored are mandoc messages that depend on which other manuals the
// machine has installed, not on the pages.
var ignored = []string{"referenced manual not found", "mandoc.db"}

// TestLint runs `mandoc -Tlint -Wall` on every page: any message, style
// suggestions and warnings included, is a failure.
func TestLint(t *testing.T) {
	testtool.Require(t, "mandoc")
	for _, page := range pages {
		t.Run(page, func(t *testing.T) {
			out, _ := exec.Command("mandoc", "-Tlint", "-Wall", page).CombinedOutput()
			var bad []string
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if line != "" && !containsAny(line, ignored) {
					bad = append(bad, line)
				}
			}
			if len(bad) > 0 {
				t.Errorf("mandoc -Tlint -Wall %s:\n%s", page, strings.Join(bad, "\n"))
			}
		})
	}
}

// TestRender checks that each page formats to text under its own name.
func TestRender(t *testing.T) {
	testtool.Require(t, "mandoc")
	for _, page := range pages {
		out, err := exec.Command("mandoc", "-Tascii", page).Output()
		if err != nil {
			t.Fatalf("mandoc -Tascii %s: %v", page, err)
		}
		name := strings.ToUpper(strings.TrimSuffix(page, page[strings.LastIndexByte(page, '.'):]))
		if !strings.HasPrefix(string(out), name+"(") {
			t.Errorf("mandoc -Tascii %s starts with %.40q; want %s(", page, out, name)
		}
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
