package mailcheck

import (
	"bytes"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadToken(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{in: "at-1\n", want: "at-1"},
		{in: "at-1", want: "at-1"},
		{in: "", err: "no access token on standard input"},
		{in: "\n", err: "no access token on standard input"},
		{in: "at\r\n", err: "control character"},
		{in: "a\x01t\n", err: "control character"},
		{in: strings.Repeat("a", maxToken+1), err: "longer than"},
	}
	for _, tt := range tests {
		got, err := readToken(strings.NewReader(tt.in))
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("readToken(%.20q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// HelperMain fails before any login on a bad command line or token,
// saying why as the client's errors are printed.
func TestHelperMainSetupErrors(t *testing.T) {
	// Not /nonexistent: the home of nobody, which another test may create.
	missing := filepath.Join(t.TempDir(), "missing.pem")
	tests := []struct{ args, stdin, want string }{
		{"--imap=h --user=me -- acct", "", "ERROR - no access token on standard input\n"},
		{"--imap=h -- acct", "at-1\n", "ERROR - test needs --user ADDRESS, the user to log in as (usually the email address)\n"},
		{"--imap=h --user=me --ca-file=" + missing + " -- acct", "at-1\n", "ERROR - --ca-file: open " + missing + ": no such file or directory\n"},
		{"--imap=h --user=me --ca-file=/dev/null -- acct", "at-1\n", "ERROR - --ca-file \"/dev/null\": not a regular file\n"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		status := HelperMain(strings.Fields(tt.args), strings.NewReader(tt.stdin), &stdout, &stderr)
		if status != 1 || stdout.Len() != 0 || stderr.String() != tt.want {
			t.Errorf("%s: got %d, stdout %q, stderr %q; want 1 and %q", tt.args, status, stdout.String(), stderr.String(), tt.want)
		}
	}
}

// TestCAFileFIFO gives --ca-file a FIFO that nobody writes to: it is
// refused at once, not waited on for ever (the logins' 30 s only start
// after the setup).
func TestCAFileFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "ca.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := caConfig(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("caConfig(FIFO) = %v; want it refused as not a regular file", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("caConfig waits on a FIFO without a writer")
	}
}
