package cmdline

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		args     []string
		command  string
		operands []string
		verbose  int
		usage    bool
	}{
		{args: []string{"show", "acct", "-u"}, command: "show", operands: []string{"acct"}},
		{args: []string{"status", "-vvvvvvvv"}, command: "status", verbose: MaxVerbosity},
		{args: []string{"info", "-c", "x.conf", "-j"}, command: "info"},
		{args: []string{"server", "-dc", "x.conf", "--verbose"}, command: "server", verbose: 1},
		{args: nil, usage: true},
		{args: []string{"frobnicate"}, usage: true},
		{args: []string{"show"}, usage: true},
		{args: []string{"show", "a", "b"}, usage: true},
		{args: []string{"status", "-h"}, usage: true},
		{args: []string{"dump", "--help"}, usage: true},
		{args: []string{"info", "-j", "-j"}, usage: true},
		{args: []string{"server", "-u"}, usage: true},
		{args: []string{"refresh", "--wait", "acct"}, usage: true}, // show's option
		{args: []string{"complete", "acct"}, command: "complete", operands: []string{"acct"}},
		{args: []string{"complete", "acct", "http://localhost/?x"}, command: "complete", operands: []string{"acct", "http://localhost/?x"}},
		{args: []string{"complete"}, usage: true},
		{args: []string{"complete", "a", "b", "c"}, usage: true},
		{args: []string{"test", "--imap", "h", "--user", "me", "acct"}, command: "test", operands: []string{"acct"}},
		{args: []string{"test", "--imap", "h", "--imap", "g", "--user", "me", "acct"}, usage: true}, // each once
		{args: []string{"test", "--imap", "h", "--user", "me"}, usage: true},
	}
	for _, tt := range tests {
		c, p, err := Parse(tt.args)
		if tt.usage {
			if !errors.Is(err, ErrUsage) {
				t.Errorf("%q: got %v; want a usage error", tt.args, err)
			}
			continue
		}
		if err != nil || c.Name != tt.command || !slices.Equal(p.Operands, tt.operands) || p.Count["verbose"] != tt.verbose {
			t.Errorf("%q: got %q %q -v×%d, %v; want %q %q -v×%d", tt.args, c.Name, p.Operands, p.Count["verbose"], err,
				tt.command, tt.operands, tt.verbose)
		}
	}
}

// TestUsage: the original's usage, word for word, where it has the line;
// then our own commands.
func TestUsage(t *testing.T) {
	original := []string{"dump", "info [-j]", "refresh [-u] <account>", "restore", "reload", "revoke <account>",
		"server [-c <config-path>] [-dv]", "show [-u] ", "shutdown", "status",
		"complete <account> [<address>]", "test [-u] "} // ours
	lines := strings.Split(strings.TrimSuffix(Usage("p"), "\n"), "\n")
	if lines[0] != "Usage:" || len(lines) != len(original)+1 {
		t.Fatalf("got\n%s", Usage("p"))
	}
	for i, want := range original {
		if !strings.HasPrefix(lines[i+1], "  p "+want) {
			t.Errorf("line %d: got %q; want %q at its start", i+1, lines[i+1], "  p "+want)
		}
	}
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if got, err := ConfigFile("given.conf"); got != "given.conf" || err != nil {
		t.Errorf("-c: got %q, %v; want it as it is, unchecked", got, err)
	}
	want := filepath.Join(dir, "pizauth.conf")
	if _, err := ConfigFile(""); err == nil || err.Error() != "No config file found at "+want {
		t.Errorf("no default file: got %v; want the original's message", err)
	}
	if err := os.WriteFile(want, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := ConfigFile(""); got != want || err != nil {
		t.Errorf("default file: got %q, %v; want %q", got, err, want)
	}
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", "")
	if _, err := ConfigFile(""); err == nil || err.Error() != "Neither $XDG_CONFIG_HOME or $HOME set" {
		t.Errorf("no $XDG_CONFIG_HOME, no $HOME: got %v; want the original's message", err)
	}
}
