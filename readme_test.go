// Package pizauth_test checks the README's promises against the program:
// its quick start must work as written on a fresh machine.
package pizauth_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pizauth-go/pizauth/internal/testtool"
)

// fencedBlock matches a Markdown code block: its info string and its text.
var fencedBlock = regexp.MustCompile("(?ms)^```([a-z]*)\\n(.*?)^```$")

// wantURL is what the quick start's last command must print: the
// Microsoft preset's authorisation URL.
var wantURL = regexp.MustCompile(`(?m)^ERROR - Access token unavailable until authorised with URL https://login\.microsoftonline\.com/common/oauth2/v2\.0/authorize\?\S*client_id=%3Cyour-client-id%3E`)

// TestQuickStart runs the README's first code block as a new user would
// paste it, in a home directory of its own: it must install pizauth, write
// a configuration, start the server and end with a `pizauth show` that
// prints an authorisation URL. The command that runs the tests must be
// next to it.
func TestQuickStart(t *testing.T) {
	testtool.Require(t, "make")
	blocks := readmeBlocks(t)
	if len(blocks) < 3 || blocks[0][1] != "sh" {
		t.Fatalf("the README's first code block is not a shell block")
	}
	quick := blocks[0][2]
	if last := lastCommand(quick); !regexp.MustCompile(`^pizauth show \w+$`).MatchString(last) {
		t.Fatalf("the quick start ends with %q; want a pizauth show", last)
	}
	if !hasBlock(blocks[:3], "make test\n") {
		t.Errorf("no `make test` block right after the quick start")
	}

	home, runtime := testtool.ShortDir(t), testtool.ShortDir(t)
	env := freshEnv(t, home, runtime)
	t.Cleanup(func() { stopServer(t, env, filepath.Join(home, ".local/bin/pizauth"), runtime) })
	cmd := exec.Command("sh", "-e", "-c", quick)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !wantURL.Match(out) {
		t.Fatalf("the quick start exited %d (%v); want 1 after printing the authorisation URL:\n%s", code, err, out)
	}
	for _, f := range []string{".local/bin/pizauth", ".local/bin/pizauth-server", ".config/pizauth.conf"} {
		if _, err := os.Stat(filepath.Join(home, f)); err != nil {
			t.Errorf("after the quick start: %v", err)
		}
	}
}

func readmeBlocks(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	return fencedBlock.FindAllStringSubmatch(string(b), -1)
}

// lastCommand is the last line of a shell block, without its comment.
func lastCommand(block string) string {
	lines := strings.Split(strings.TrimSpace(block), "\n")
	cmd, _, _ := strings.Cut(lines[len(lines)-1], "#")
	return strings.TrimSpace(cmd)
}

func hasBlock(blocks [][]string, text string) bool {
	for _, b := range blocks {
		if b[2] == text {
			return true
		}
	}
	return false
}

// freshEnv is this process's environment as a new user's would be: HOME
// and XDG_RUNTIME_DIR new and empty, no XDG or pizauth settings. Go keeps
// using this machine's build and module caches, so that `make install`
// builds offline and quickly.
func freshEnv(t *testing.T, home, runtime string) []string {
	t.Helper()
	goEnv, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH", "GOENV").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	vals := strings.Split(strings.TrimSpace(string(goEnv)), "\n")
	env := []string{"HOME=" + home, "XDG_RUNTIME_DIR=" + runtime}
	for i, name := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOENV"} {
		if i < len(vals) {
			env = append(env, name+"="+vals[i])
		}
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "HOME", strings.HasPrefix(name, "XDG_"), strings.HasPrefix(name, "PIZAUTH_"),
			strings.HasPrefix(name, "GOCOVERDIR"), name == "GOCACHE", name == "GOMODCACHE", name == "GOPATH", name == "GOENV":
		default:
			env = append(env, kv)
		}
	}
	return env
}

// stopServer shuts down the server the quick start started, and waits
// (30 s at most, then kills it) until it has exited, which releases its
// lock file, so that no process outlives the test.
func stopServer(t *testing.T, env []string, pizauth, runtime string) {
	shutdown := exec.Command(pizauth, "shutdown")
	shutdown.Env = env
	shutdown.Run()
	lock := filepath.Join(runtime, "pizauth", "pizauth.lock")
	f, err := os.Open(lock)
	if err != nil {
		return // no server ever ran
	}
	defer f.Close()
	released := make(chan struct{})
	go func() {
		unix.Flock(int(f.Fd()), unix.LOCK_EX)
		close(released)
	}()
	select {
	case <-released:
	case <-time.After(30 * time.Second):
		b, _ := os.ReadFile(lock)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
			unix.Kill(pid, unix.SIGKILL)
		}
		t.Errorf("the server did not stop within 30 s of pizauth shutdown")
	}
}

// TestGitCredentialHelper runs the README's git credential helper through
// git itself, with a pizauth that has a token and one that has none: git
// must get the token as the password, or no credential at all, never an
// empty password.
func TestGitCredentialHelper(t *testing.T) {
	testtool.Require(t, "git")
	var gitconfig string
	for _, b := range readmeBlocks(t) {
		if strings.HasPrefix(b[2], "[credential ") {
			gitconfig = b[2]
		}
	}
	if gitconfig == "" {
		t.Fatal("the README has no git credential helper")
	}
	for _, tc := range []struct {
		name, fakePizauth, want string
	}{
		{"token", "echo tok-123", "protocol=https\nhost=git.example.com\nusername=oauth2\npassword=tok-123\n"},
		{"no token", "echo 'ERROR - Access token unavailable until authorised with URL https://a.example/' >&2; exit 1", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			bin := filepath.Join(home, "bin")
			if err := os.Mkdir(bin, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(bin, "pizauth"), []byte("#!/bin/sh\n"+tc.fakePizauth+"\n"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(gitconfig), 0o600); err != nil {
				t.Fatal(err)
			}
			fill := exec.Command("git", "credential", "fill")
			fill.Env = []string{"HOME=" + home, "PATH=" + bin + ":" + os.Getenv("PATH"),
				"GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "GIT_ASKPASS=", "SSH_ASKPASS="}
			fill.Stdin = strings.NewReader("protocol=https\nhost=git.example.com\n\n")
			out, _ := fill.Output()
			if string(out) != tc.want {
				t.Errorf("git credential fill printed %q; want %q", out, tc.want)
			}
		})
	}
}

// TestCodeLayout checks the README's package map against the tree: every
// directory it names exists, and every Go package under cmd/ and internal/
// is named, on a line of its own or as "name/" in its parent's line.
func TestCodeLayout(t *testing.T) {
	sec := readmeSection(t, "Code layout")
	_, block, ok := strings.Cut(sec, "```\n")
	block, _, _ = strings.Cut(block, "```")
	if !ok || block == "" {
		t.Fatal("Code layout has no code block")
	}
	described := map[string]string{} // directory: its line's description
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		fields := strings.Fields(line)
		if strings.HasPrefix(fields[0], "internal/") || strings.HasPrefix(fields[0], "cmd/") {
			described[strings.TrimSuffix(fields[0], "/")] = strings.Join(fields[1:], " ")
			continue
		}
		for _, f := range fields { // the last line: the other directories and files
			if strings.HasSuffix(f, "/") || strings.HasSuffix(f, ".go") {
				described[strings.TrimSuffix(f, "/")] = ""
			}
		}
	}
	for name := range described {
		if _, err := os.Stat(name); err != nil {
			t.Errorf("Code layout names %s, which is not in the tree: %v", name, err)
		}
	}
	for _, top := range []string{"cmd", "internal"} {
		err := filepath.WalkDir(top, func(path string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			if d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if gos, _ := filepath.Glob(filepath.Join(path, "*.go")); len(gos) == 0 {
				return nil
			}
			if _, ok := described[path]; ok {
				return nil
			}
			parent, ok := described[filepath.Dir(path)]
			if !ok || !regexp.MustCompile(`(^|[\s(])`+regexp.QuoteMeta(d.Name())+`/`).MatchString(parent) {
				t.Errorf("Code layout does not name the package %s (a line of its own, or %q in its parent's)", path, d.Name()+"/")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// goFileInDocs matches a source file of the tree named in prose.
var goFileInDocs = regexp.MustCompile(`\b(?:internal|cmd)/[a-z0-9_/-]+\.go\b`)

// TestDocsNameExistingFiles checks that every Go file the README, the man
// pages and the benchmark notes point a reader to is in the tree: code
// moves between packages, and a stale path sends the reader nowhere.
func TestDocsNameExistingFiles(t *testing.T) {
	docs := []string{"README.md"}
	for _, glob := range []string{"bench/*.md", "man/*"} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, m...)
	}
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range goFileInDocs.FindAllString(string(b), -1) {
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s names %s, which is not in the tree", doc, path)
			}
		}
	}
}
