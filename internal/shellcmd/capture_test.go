package shellcmd

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOutput(t *testing.T) {
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	out, err := output(t.Context(), log, "persist_identity_cmd", `printf 'AGE-SECRET-%s\n' KEY-1X; echo oops >&2`,
		nil, 10*time.Second, runOptions{stderr: stderr})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), "AGE-SECRET-KEY-1X\n"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	if strings.Contains(logged.String(), "AGE-SECRET-KEY") {
		t.Errorf("got log %q; want no standard output in it", logged.String())
	}
	if b, _ := os.ReadFile(stderr.Name()); string(b) != "oops\n" {
		t.Errorf("got standard error %q; want %q on the server's", b, "oops\n")
	}
}

func TestOutputErrors(t *testing.T) {
	tests := []struct {
		name, cmd string
		timeout   time.Duration
		want      string
	}{
		{"exit status", "echo secret; exit 3", time.Minute, "exit status 3"},
		{"timeout", "sleep 10", 100 * time.Millisecond, "timed out after 100ms"},
		{"too long", "head -c 70000 /dev/zero", time.Minute, "output longer than 64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Output(t.Context(), nil, "x", tt.cmd, nil, tt.timeout)
			if err == nil || err.Error() != tt.want || out != nil {
				t.Errorf("got %q, %v; want nil, %q", out, err, tt.want)
			}
		})
	}
}
