package shellcmd

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// guard bounds how long a test waits for Run before failing instead of
// hanging. It is not a timing assertion: commands under test end (or are
// killed) far sooner.
const guard = 30 * time.Second

// logRecorder is a slog.Handler keeping the attributes of each record.
type logRecorder struct {
	mu      sync.Mutex // guards records
	records []map[string]any
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }

func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	m := map[string]any{"msg": rec.Message, "level": rec.Level}
	rec.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.Any()
		return true
	})
	r.mu.Lock()
	r.records = append(r.records, m)
	r.mu.Unlock()
	return nil
}

// finished returns the "command finished" record.
func (r *logRecorder) finished(t *testing.T) map[string]any {
	t.Helper()
	m := r.find("command finished")
	if m == nil {
		t.Fatalf("no \"command finished\" record in %v", r.records)
	}
	return m
}

// find returns the first record whose message starts with prefix, or nil.
func (r *logRecorder) find(prefix string) map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.records {
		if msg, _ := m["msg"].(string); strings.HasPrefix(msg, prefix) {
			return m
		}
	}
	return nil
}

// runResult is what a bounded run returned.
type runResult struct {
	err    error
	logs   *logRecorder
	pgid   int
	output string // what the command wrote to its standard output and error
}

// runBounded runs command under ctx with a test guard: the test fails if
// Run has not returned within guard. The command's standard output and
// error are a file, as the server's are when they are a terminal or the
// journal.
func runBounded(t *testing.T, ctx context.Context, command string, env []string, timeout time.Duration) runResult {
	t.Helper()
	out, err := os.Create(filepath.Join(t.TempDir(), "output"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	r := runWith(t, ctx, command, env, timeout, runOptions{stdout: out, stderr: out})
	b, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	r.output = string(b)
	return r
}

// runWith runs command with o under ctx with a test guard.
func runWith(t *testing.T, ctx context.Context, command string, env []string, timeout time.Duration, o runOptions) runResult {
	t.Helper()
	logs := &logRecorder{}
	pgid := make(chan int, 1)
	done := make(chan error, 1)
	o.started = func(p int) { pgid <- p }
	go func() { done <- run(ctx, slog.New(logs), "test_cmd", command, env, timeout, o) }()
	select {
	case err := <-done:
		r := runResult{err: err, logs: logs}
		select {
		case r.pgid = <-pgid:
		default:
		}
		return r
	case <-time.After(guard):
		t.Fatalf("Run(%q) did not return within %v", command, guard)
		return runResult{}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestRun(t *testing.T) {
	t.Setenv("PIZAUTH_TEST_BASE", "base")
	tests := []struct {
		name       string
		command    string
		env        []string
		wantErr    string
		wantOutput string
	}{
		{"exit 0", "exit 0", nil, "", ""},
		{"exit 3", "exit 3", nil, "exit status 3", ""},
		{"signal", "kill -9 $$", nil, "killed by signal 9 (killed)", ""},
		{"env", `echo "$PIZAUTH_ACCOUNT"`, []string{"PIZAUTH_ACCOUNT=work"}, "", "work\n"},
		{"environ kept", `echo "$PIZAUTH_TEST_BASE"`, nil, "", "base\n"},
		{"env overrides environ", `echo "$PIZAUTH_TEST_BASE"`, []string{"PIZAUTH_TEST_BASE=mine"}, "", "mine\n"},
		{"later env wins", `echo "$X"`, []string{"X=1", "X=2"}, "", "2\n"},
		{"stdin empty", `if read -r x; then echo got "$x"; else echo eof; fi`, nil, "", "eof\n"},
		{"stdout and stderr", `echo out; echo err >&2; exit 1`, nil, "exit status 1", "out\nerr\n"},
		{"not found", `no-such-command-pizauth`, nil, "exit status 127", "no-such-command-pizauth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBounded(t, t.Context(), tt.command, tt.env, 0)
			if got := errString(r.err); got != tt.wantErr {
				t.Errorf("got error %q; want %q", got, tt.wantErr)
			}
			m := r.logs.finished(t)
			if out := r.output; !strings.Contains(out, tt.wantOutput) || (tt.wantOutput == "" && out != "") {
				t.Errorf("got output %q; want %q", out, tt.wantOutput)
			}
			wantResult := tt.wantErr
			if wantResult == "" {
				wantResult = "exit status 0"
			}
			if m["name"] != "test_cmd" || m["result"] != wantResult || m["level"] != slog.LevelDebug {
				t.Errorf("got log %v; want name test_cmd, result %q at debug level", m, wantResult)
			}
		})
	}
}

func TestCommandLoggedAtDebugOnly(t *testing.T) {
	logs := &logRecorder{}
	const command = "echo private-looking-text"
	if err := Run(t.Context(), slog.New(logs), "auth_notify_cmd", command, nil, 0); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	for _, m := range logs.records {
		if m["level"] != slog.LevelDebug {
			t.Errorf("got record at %v: %v; want only debug records", m["level"], m)
		}
	}
}

func TestShell(t *testing.T) {
	tests := []struct {
		name    string
		shell   string // "" unsets SHELL
		want    string
		wantErr bool
	}{
		{"unset", "", "/bin/sh\n", false},
		{"bash", "/bin/bash", "/bin/bash\n", false},
		{"missing", "/nonexistent/shell", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SHELL", tt.shell)
			if tt.shell == "" {
				os.Unsetenv("SHELL") // t.Setenv restores it
			} else if _, err := os.Stat(tt.shell); err != nil && !tt.wantErr {
				t.Skipf("no %s: %v", tt.shell, err)
			}
			r := runBounded(t, t.Context(), `echo "$0"`, nil, 0)
			if tt.wantErr {
				if r.err == nil {
					t.Errorf("Run() succeeded; want an error")
				}
				return
			}
			if r.err != nil {
				t.Fatalf("Run() = %v", r.err)
			}
			if r.output != tt.want {
				t.Errorf("got $0 %q; want %q", r.output, tt.want)
			}
		})
	}
}

func TestBadEnv(t *testing.T) {
	for _, env := range [][]string{{"NOEQUALS"}, {"=value"}, {"K=a\x00b"}} {
		err := Run(t.Context(), nil, "test_cmd", "exit 0", env, 0)
		if err == nil {
			t.Errorf("Run with env %q succeeded; want an error", env)
		} else if strings.Contains(err.Error(), "value") || strings.Contains(err.Error(), "a\x00b") {
			t.Errorf("got error %q; want no value in it", err)
		}
	}
}

func TestCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := Run(ctx, nil, "test_cmd", "exit 0", nil, 0); err == nil {
		t.Errorf("Run() with a cancelled context succeeded; want an error")
	}
}

// TestBackgroundHoldingOutput checks that a background process keeping
// the server's standard output open (here a pipe, as under `pizauth server
// -d | logger` or systemd) cannot make Run wait for it after the shell has
// exited: the command succeeds well before its timeout, and its output
// reaches the server's reader.
func TestBackgroundHoldingOutput(t *testing.T) {
	becomeSubreaper(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res := runWith(t, t.Context(), `sleep 100 & echo started`, nil, guard/2, runOptions{stdout: w, stderr: w})
	w.Close()
	defer killGroup(t, res.pgid)
	if res.err != nil {
		t.Errorf("Run() = %v; want nil", res.err)
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if line != "started\n" {
		t.Errorf("read %q, %v from the server's output; want %q", line, err, "started\n")
	}
}

// TestInheritsServerOutput checks that Run hands the command the server's
// own standard output and error, not a pipe of its own: what the command
// prints reaches the terminal or the journal.
func TestInheritsServerOutput(t *testing.T) {
	dir := t.TempDir()
	// The links are read before any redirection: dash applies a command's
	// redirection in the shell itself while the command runs.
	probe := `one=$(readlink /proc/$$/fd/1); two=$(readlink /proc/$$/fd/2)
printf '%s\n' "$one" > "$DIR/fd1"; printf '%s\n' "$two" > "$DIR/fd2"`
	if _, err := os.Stat("/proc/self/fd/1"); err != nil {
		t.Skip("no /proc")
	}
	if err := Run(t.Context(), nil, "test_cmd", probe, []string{"DIR=" + dir}, 0); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	for fd, f := range map[int]string{1: "fd1", 2: "fd2"} {
		want, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(got)) != want {
			t.Errorf("command's fd %d is %q; want the server's, %q", fd, strings.TrimSpace(string(got)), want)
		}
	}
}

func TestTimeoutKillsGroup(t *testing.T) {
	becomeSubreaper(t)
	r := runBounded(t, t.Context(), `sleep 100 & sleep 100`, nil, 200*time.Millisecond)
	if got, want := errString(r.err), "timed out after 200ms"; got != want {
		t.Errorf("got error %q; want %q", got, want)
	}
	checkGroupGone(t, r.pgid)
	if m := r.logs.find("command killed at its time limit"); m == nil || m["level"] != slog.LevelError || m["name"] != "test_cmd" {
		t.Errorf("got timeout record %v; want one at error level (shown without -v) naming test_cmd", m)
	}
}

// TestIgnoredTermKilled checks that a command ignoring SIGTERM, and its
// children, are killed after the grace period.
func TestIgnoredTermKilled(t *testing.T) {
	becomeSubreaper(t)
	r := runBounded(t, t.Context(), `trap '' TERM; sleep 100 & sleep 100`, nil, 200*time.Millisecond)
	if got, want := errString(r.err), "timed out after 200ms"; got != want {
		t.Errorf("got error %q; want %q", got, want)
	}
	checkGroupGone(t, r.pgid)
}

func TestCancelKillsGroup(t *testing.T) {
	becomeSubreaper(t)
	fifo := t.TempDir() + "/fifo"
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		// The command opens the FIFO once its background child runs.
		f, err := os.Open(fifo)
		if err == nil {
			f.Read(make([]byte, 1))
			f.Close()
		}
		cancel()
	}()
	r := runBounded(t, ctx, `sleep 100 & echo x > "$FIFO"; sleep 100`, []string{"FIFO=" + fifo}, 0)
	if got, want := errString(r.err), "cancelled: context canceled"; got != want {
		t.Errorf("got error %q; want %q", got, want)
	}
	checkGroupGone(t, r.pgid)
}

func TestMergeEnv(t *testing.T) {
	tests := []struct {
		name        string
		base, extra []string
		want        []string
	}{
		{"empty", nil, nil, []string{}},
		{"appended", []string{"A=1"}, []string{"B=2"}, []string{"A=1", "B=2"}},
		{"replaced in place", []string{"A=1", "B=2"}, []string{"A=3"}, []string{"A=3", "B=2"}},
		{"last wins", []string{"A=1"}, []string{"A=2", "A=3"}, []string{"A=3"}},
		{"duplicates in base", []string{"A=1", "A=2", "B="}, nil, []string{"A=2", "B="}},
		{"value with =", nil, []string{"A=b=c"}, []string{"A=b=c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mergeEnv(tt.base, tt.extra)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("got %q, %v; want %q, nil", got, err, tt.want)
			}
		})
	}
}
