// Package completions holds pizauth's shell completions: pizauth.bash,
// _pizauth (zsh) and pizauth.fish. Its tests run each in the real shell
// against a real pizauth binary.
package completions

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/testtool"
)

// defaultConfig is the default configuration file, which the completions
// read when no server answers; configAccounts are its accounts.
const defaultConfig = `// account "commented-out"
account "work" {
    auth_uri = "https://auth.example/a"; token_uri = "https://auth.example/t"; client_id = "c";
}
  account "with \"quote\"" {
    auth_uri = "https://auth.example/a"; token_uri = "https://auth.example/t"; client_id = "c";
}
account "two words" { auth_uri = "https://auth.example/a"; token_uri = "https://auth.example/t"; client_id = "c"; }
`

var configAccounts = []string{"two words", "with \"quote\"", "work"}

// serverConfig is what the running server is started with (by -c): its
// accounts differ from the default file's, so the test can tell where the
// names came from.
const serverConfig = `https_listen = none;
account "srv-mail" {
    auth_uri = "https://auth.example/a"; token_uri = "https://auth.example/t"; client_id = "c";
}
account "srv other" {
    auth_uri = "https://auth.example/a"; token_uri = "https://auth.example/t"; client_id = "c";
}
`

var serverAccounts = []string{"srv other", "srv-mail"}

var commands = []string{"complete", "dump", "help", "info", "refresh", "reload", "restore", "revoke", "server", "show", "shutdown", "status", "test"}

var showOptions = []string{"--auto-start", "--min-valid", "--sasl", "--user", "--wait", "-u"}

// A shell runs its completion for each command line and returns the
// candidates of each.
type shell struct {
	name     string
	prog     string
	complete func(t *testing.T, e *env, lines []string) [][]string
}

// completion is a command line, ending where TAB is pressed, and the
// candidates it must offer.
type completion struct {
	line string
	want []string
}

func check(t *testing.T, sh shell, e *env, cs []completion) {
	t.Helper()
	var lines []string
	for _, c := range cs {
		lines = append(lines, c.line)
	}
	results := sh.complete(t, e, lines)
	if len(results) != len(cs) {
		t.Fatalf("%s: got %d results for %d command lines", sh.name, len(results), len(cs))
	}
	for i, c := range cs {
		got := results[i]
		slices.Sort(got)
		got = slices.Compact(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: completing %q: got %q; want %q", sh.name, c.line, got, c.want)
		}
	}
}

// each runs complete for each line.
func each(complete func(t *testing.T, e *env, line string) []string) func(*testing.T, *env, []string) [][]string {
	return func(t *testing.T, e *env, lines []string) [][]string {
		var out [][]string
		for _, l := range lines {
			out = append(out, complete(t, e, l))
		}
		return out
	}
}

var shells = []shell{
	{"bash", "bash", completeBash},
	{"zsh", "zsh", completeZsh},
	{"fish", "fish", each(completeFish)},
}

func TestCompletions(t *testing.T) {
	for _, sh := range shells {
		t.Run(sh.name, func(t *testing.T) {
			testtool.Require(t, sh.prog)
			e := newEnv(t)
			check(t, sh, e, []completion{
				{"pizauth ", commands},
				{"pizauth h", []string{"help"}},
				{"pizauth sh", []string{"show", "shutdown"}},
				{"pizauth --", []string{"--help", "--version"}},
				{"pizauth server -c my", []string{"my.conf"}},
				{"pizauth info -c my", []string{"my.conf"}},
				{"pizauth server -", []string{"-c", "-d", "-v"}},
				{"pizauth info -", []string{"-c", "-j"}},
				{"pizauth show -", showOptions},
				{"pizauth refresh -", []string{"-u"}},
				{"pizauth status -", []string{"-j"}},
				{"pizauth show --sasl ", []string{"oauthbearer", "xoauth2"}},
				{"pizauth show ", configAccounts},
				{"pizauth refresh -u ", configAccounts},
				{"pizauth revoke w", []string{"with \"quote\"", "work"}},
				{"pizauth complete ", configAccounts},
				{"pizauth complete work ", nil},
				// Options' arguments, separate or attached with "=" (which
				// bash splits into words of their own).
				{"pizauth show --min-valid 10m ", configAccounts},
				{"pizauth show --min-valid=10m ", configAccounts},
				{"pizauth show --wait=5m ", configAccounts},
				{"pizauth show --wait ", configAccounts},
				{"pizauth show --sasl=xoauth2 --user me@example.com ", configAccounts},
				{"pizauth show --sasl xoauth2 --user=me@example.com ", configAccounts},
				{"pizauth server --config=my.conf -", []string{"-c", "-d", "-v"}},
				// Options after the account, as pizauth reads them, each
				// only once.
				{"pizauth show work -", showOptions},
				{"pizauth refresh work -", []string{"-u"}},
				{"pizauth show -u work --wait=1m -", []string{"--auto-start", "--min-valid", "--sasl", "--user"}},
				{"pizauth server -d -", []string{"-c", "-v"}},
				{"pizauth test -", []string{"--ca-file", "--imap", "--pop", "--smtp", "--user", "-u"}},
				{"pizauth test --imap imap.example.com -", []string{"--ca-file", "--pop", "--smtp", "--user", "-u"}},
				{"pizauth test --imap imap.example.com --user me@example.com --ca-file my", []string{"my.conf"}},
				{"pizauth test --imap imap.example.com --user me@example.com ", configAccounts},
				{"pizauth test --smtp=smtp.example.com:587 --user=me@example.com ", configAccounts},
			})
			// Once the account is given, zsh offers the options without a
			// "-" (its custom); bash and fish offer nothing.
			afterAccount := []string(nil)
			if sh.name == "zsh" {
				afterAccount = []string{"--auto-start", "--min-valid", "--sasl", "--user"}
			}
			check(t, sh, e, []completion{{"pizauth show -u work --wait=1m ", afterAccount}})
			e.startServer(t)
			check(t, sh, e, []completion{
				{"pizauth show ", serverAccounts},
				{"pizauth revoke srv-", []string{"srv-mail"}},
				{"pizauth complete srv", serverAccounts},
				{"pizauth refresh ", serverAccounts},
			})
		})
	}
}

// TestCompletionsNeverStartAServer: the completions list accounts with
// `pizauth status`, which PIZAUTH_AUTOSTART=1 (as the README suggests for
// mail programs) would make start a server; they must not.
func TestCompletionsNeverStartAServer(t *testing.T) {
	for _, sh := range shells {
		t.Run(sh.name, func(t *testing.T) {
			testtool.Require(t, sh.prog)
			e := newEnv(t)
			e.extra = []string{"PIZAUTH_AUTOSTART=1"}
			lock := filepath.Join(e.runtimeDir, "pizauth", "pizauth.lock")
			t.Cleanup(func() { killServer(lock) })
			check(t, sh, e, []completion{{"pizauth show ", configAccounts}, {"pizauth revoke w", []string{"with \"quote\"", "work"}}})
			if _, err := os.Stat(filepath.Join(e.runtimeDir, "pizauth", "pizauth.sock")); err == nil {
				t.Errorf("completing started a server")
			}
		})
	}
}

// killServer kills the server whose pid the lock file holds, if any.
func killServer(lock string) {
	b, err := os.ReadFile(lock)
	if err != nil {
		return
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// env is a home directory with a default configuration file, a pizauth
// binary on PATH and a runtime directory for a server.
type env struct {
	home, runtimeDir, bin string
	extra                 []string // more environment variables
}

func newEnv(t *testing.T) *env {
	e := &env{home: t.TempDir(), runtimeDir: testtool.ShortDir(t), bin: pizauthBinDir(t)}
	conf := filepath.Join(e.home, ".config", "pizauth.conf")
	if err := os.MkdirAll(filepath.Dir(conf), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte(defaultConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	// For `server -c my<TAB>`: the shells run in home.
	if err := os.WriteFile(filepath.Join(e.home, "my.conf"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// environ is the environment the shells run in.
func (e *env) environ() []string {
	env := append(os.Environ(),
		"HOME="+e.home, "XDG_CONFIG_HOME=", "XDG_RUNTIME_DIR="+e.runtimeDir,
		"ZDOTDIR="+e.home, "PATH="+e.bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"NOTIFY_SOCKET=", "TERM=dumb", "PIZAUTH_AUTOSTART=")
	return append(env, e.extra...)
}

// startServer runs `pizauth server -d` with serverConfig until the test
// ends. It returns once the server has sent READY=1, when it answers.
func (e *env) startServer(t *testing.T) {
	conf := filepath.Join(e.home, "server.conf")
	if err := os.WriteFile(conf, []byte(serverConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(e.runtimeDir, "notify"), Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer notify.Close()
	cmd := exec.Command(filepath.Join(e.bin, "pizauth"), "server", "-d", "-c", conf)
	cmd.Env = append(e.environ(), "NOTIFY_SOCKET="+notify.LocalAddr().String())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("server: %v", err)
		}
	})
	notify.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 512)
	for {
		n, err := notify.Read(buf)
		if err != nil {
			t.Fatalf("waiting for the server's READY=1: %v", err)
		}
		if strings.TrimSpace(string(buf[:n])) == "READY=1" {
			return
		}
	}
}

// run runs a shell command line with a deadline that only a hung shell
// reaches.
func (e *env) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = e.environ()
	cmd.Dir = e.home
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s %q: %v\n%s%s", name, args, err, out, stderr)
	}
	return string(out)
}

// zshCapture starts an interactive zsh on a pseudo-terminal (zsh/zpty)
// with compinit loaded and $1 in fpath, then for each further argument types
// it and a TAB, printing each match compadd adds as <<match>>, then
// <<NEXT>>, and clears the line. (compinit is slow: one session serves all
// the lines.)
const zshCapture = `zmodload zsh/zpty || exit 2
zpty z zsh -f -i
zpty -w z 'PS1=""; RPS1=""; unsetopt beep'
zpty -w z "fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() { if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi; local -a __m; builtin compadd -O __m "$@"; (( $#__m )) && print -rl -- "" "<<"${^__m}">>"; builtin compadd "$@" }'
zpty -w z '_t() { zle complete-word; print -rl -- "" "<<""END>>" }; zle -N _t; bindkey "^I" _t; bindkey "^U" kill-whole-line'
shift
for line in "$@"; do
  zpty -w -n z "$line"$'\t'
  zpty -r -m z out '*<<END>>*' || exit 3
  print -r -- "$out"
  print -rl -- "" "<<NEXT>>"
  zpty -w -n z $'\C-u'
done
zpty -d z
`

func completeZsh(t *testing.T, e *env, lines []string) [][]string {
	script := filepath.Join(t.TempDir(), "capture.zsh")
	if err := os.WriteFile(script, []byte(zshCapture), 0o600); err != nil {
		t.Fatal(err)
	}
	out := e.run(t, "zsh", append([]string{"-f", script, abs(t, ".")}, lines...)...)
	var results [][]string
	var got []string
	for _, l := range strings.Split(strings.ReplaceAll(out, "\r", ""), "\n") {
		m, ok := strings.CutPrefix(l, "<<")
		if !ok || !strings.HasSuffix(m, ">>") {
			continue
		}
		switch m = strings.TrimSuffix(m, ">>"); m {
		case "END":
		case "NEXT":
			results, got = append(results, got), nil
		default:
			got = append(got, m)
		}
	}
	return results
}

// completeFish asks fish for the completions with `complete -C`.
func completeFish(t *testing.T, e *env, line string) []string {
	script := "source " + quote(abs(t, "pizauth.fish")) + "; or exit 1; complete -C" + quote(line)
	out := e.run(t, "fish", "--no-config", "-c", script)
	var got []string
	for _, l := range lines(out) {
		c, _, _ := strings.Cut(l, "\t")
		got = append(got, c)
	}
	return got
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// pizauthBinDir builds pizauth and pizauth-server once for all tests and returns the directory
// holding it.
func pizauthBinDir(t *testing.T) string {
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "pizauth-bin")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", buildDir+"/",
			"github.com/pizauth-go/pizauth/cmd/pizauth", "github.com/pizauth-go/pizauth/cmd/pizauth-server").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err, out}
		}
	})
	if buildErr != nil {
		t.Fatalf("building pizauth: %v", buildErr)
	}
	return buildDir
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func abs(t *testing.T, name string) string {
	p, err := filepath.Abs(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// quote quotes s in single quotes, which bash, zsh and fish read alike as
// long as s contains no single quote or backslash.
func quote(s string) string {
	if strings.ContainsAny(s, `'\`) {
		panic("quote: single quote or backslash in " + s)
	}
	return "'" + s + "'"
}

// unescape undoes bash's printf %q for the names the tests use.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
