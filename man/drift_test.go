package man

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// internalEnv are the variables pizauth and pizauth-server pass each
// other, which users never set.
var internalEnv = []string{"PIZAUTH_AUTOSTARTING", "PIZAUTH_READY_FD"}

var envLiteral = regexp.MustCompile(`"(PIZAUTH_[A-Z_]+)`)

// TestEnvironmentDocumented checks that every PIZAUTH_ variable the
// programs read or give user commands is described under ENVIRONMENT in
// pizauth(1).
func TestEnvironmentDocumented(t *testing.T) {
	page := read(t, "pizauth.1")
	used := map[string]string{}
	for _, dir := range []string{"../cmd", "../internal"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			for _, m := range envLiteral.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = path
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(used) < 5 {
		t.Fatalf("found only %d PIZAUTH_ variables in the code", len(used))
	}
	for name, path := range used {
		if !slices.Contains(internalEnv, name) && !strings.Contains(page, "\n.It Ev "+name+"\n") {
			t.Errorf("%s (used in %s) is not described in pizauth(1)", name, path)
		}
	}
}

var (
	cmdOption   = regexp.MustCompile(`(?m)^\.It Ic ([a-z_]+_cmd) No = `)
	userCmdsRow = regexp.MustCompile(`(?m)^\.It Ic ([a-z_]+_cmd) Ta `)
)

// TestUserCommandsTable checks that the table under USER COMMANDS in
// pizauth.conf(5) has a row, with its environment and time limit, for
// every command option the page documents.
func TestUserCommandsTable(t *testing.T) {
	page := read(t, "pizauth.conf.5")
	var rows []string
	for _, m := range userCmdsRow.FindAllStringSubmatch(page, -1) {
		rows = append(rows, m[1])
	}
	opts := cmdOption.FindAllStringSubmatch(page, -1)
	if len(opts) < 5 {
		t.Fatalf("found only %d command options in pizauth.conf(5)", len(opts))
	}
	for _, m := range opts {
		if !slices.Contains(rows, m[1]) {
			t.Errorf("%s has no row in the USER COMMANDS table", m[1])
		}
	}
}

func read(t *testing.T, page string) string {
	t.Helper()
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
