package pizauth_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/testtool"
)

// exampleHome is the home directory the README's messages show.
const exampleHome = "/home/you"

// TestTroubleshootingMessages makes the common mistakes that README's
// Troubleshooting lists and checks that it quotes what pizauth prints for
// each, word for word (with the home directory written as /home/you).
func TestTroubleshootingMessages(t *testing.T) {
	section := readmeSection(t, "Troubleshooting")
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+"/", "./cmd/pizauth", "./cmd/pizauth-server")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building pizauth: %v\n%s", err, out)
	}
	pizauth := filepath.Join(bin, "pizauth")
	home, runtime := testtool.ShortDir(t), testtool.ShortDir(t)
	env := freshEnv(t, home, runtime)
	conf := filepath.Join(home, ".config", "pizauth.conf")
	t.Cleanup(func() { stopServer(t, env, pizauth, runtime) })
	run := func(prog string, args ...string) (string, int) {
		cmd := exec.Command(prog, args...)
		cmd.Env = env
		out, _ := cmd.CombinedOutput()
		return strings.ReplaceAll(strings.TrimRight(string(out), "\n"), home, exampleHome), cmd.ProcessState.ExitCode()
	}
	write := func(text string) {
		if err := os.MkdirAll(filepath.Dir(conf), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	quoted := func(what, out string, code, wantCode int) {
		t.Helper()
		if code != wantCode {
			t.Errorf("%s: exit status %d, want %d:\n%s", what, code, wantCode, out)
		}
		if !quotes(section, out) {
			t.Errorf("%s: Troubleshooting does not quote what pizauth prints:\n%s", what, out)
		}
	}
	const typo = "account \"work\" {\n    provder = \"microsoft\";\n    client_id = \"<your-client-id>\";\n}\n"
	const good = "account \"work\" {\n    provider = \"microsoft\";\n    client_id = \"<your-client-id>\";\n}\n"

	out, code := run(pizauth, "server")
	quoted("server without a configuration", out, code, 1)
	write(typo)
	out, code = run(pizauth, "server")
	quoted("server with a mistake in the file", out, code, 1)
	out, code = run(pizauth, "show", "mail")
	quoted("show without a server", out, code, 1)
	write(good)
	if out, code = run(pizauth, "server"); code != 0 {
		t.Fatalf("pizauth server: exit status %d:\n%s", code, out)
	}
	out, code = run(pizauth, "server")
	quoted("a second server", out, code, 1)
	out, code = run(pizauth, "show", "mail")
	quoted("show of an account the server lacks", out, code, 1)
	out, code = run(pizauth, "show", "work")
	const pending = "ERROR - Access token unavailable until authorised with URL https://"
	quoted("show without a token", out[:min(len(out), len(pending))], code, 1)
	write(typo)
	out, code = run(pizauth, "reload")
	quoted("reload with a mistake in the file", strings.TrimPrefix(out, "ERROR - "), code, 1)
	if !strings.HasPrefix(out, "ERROR - ") {
		t.Errorf("reload's error lacks the ERROR - prefix:\n%s", out)
	}

	lone := filepath.Join(home, "bin", "pizauth")
	if err := os.MkdirAll(filepath.Dir(lone), 0o700); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(pizauth); err != nil || os.WriteFile(lone, b, 0o700) != nil {
		t.Fatalf("copying pizauth: %v", err)
	}
	out, code = run(lone, "server")
	quoted("pizauth without pizauth-server", out, code, 1)
}

// quotes reports whether text holds msg: word for word for a message of
// several lines (quoted in a code block), else with any run of white space
// standing for any other, as Markdown wraps a paragraph.
func quotes(text, msg string) bool {
	if strings.Contains(msg, "\n") {
		return strings.Contains(text, msg)
	}
	return strings.Contains(strings.Join(strings.Fields(text), " "), strings.Join(strings.Fields(msg), " "))
}

// readmeSection is the text of the README's section called name.
func readmeSection(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "\n## "+name+"\n")
	if !ok {
		t.Fatalf("README.md has no section %s", name)
	}
	sec, _, _ := strings.Cut(after, "\n## ")
	return sec
}
