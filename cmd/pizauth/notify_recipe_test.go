package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestNotifyRecipeDocumented checks that the clickable-notification recipe
// that README.md and pizauth.conf(5) recommend is the one notify_click.txtar
// proves works.
func TestNotifyRecipeDocumented(t *testing.T) {
	script, err := os.ReadFile("testdata/script/notify_click.txtar")
	if err != nil {
		t.Fatal(err)
	}
	recipe := regexp.MustCompile(`(?m)^auth_notify_cmd = .*$`).Find(script)
	if recipe == nil {
		t.Fatal("no auth_notify_cmd in notify_click.txtar")
	}
	docs := map[string]string{
		"../../README.md":          string(recipe),
		"../../man/pizauth.conf.5": strings.ReplaceAll(string(recipe), `\`, `\e`), // mdoc escapes backslashes
	}
	for path, want := range docs {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want+"\n") {
			t.Errorf("%s does not give the tested recipe:\n%s", path, want)
		}
	}
}
