package config

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const validConfig = `account "a" {
    auth_uri = "https://example.com/authorize";
    token_uri = "https://example.com/token";
    client_id = "id";
}
`

// TestLoadOnlyRegularFiles checks that Load refuses, at once, what is not a
// regular file of a sane size: a FIFO with no writer would otherwise block
// the server's reload (and its shutdown) for ever.
func TestLoadOnlyRegularFiles(t *testing.T) {
	tests := []struct {
		name    string
		make    func(t *testing.T, path string)
		wantErr string // "" for success
	}{
		{"regular", func(t *testing.T, path string) { write(t, path, validConfig) }, ""},
		{"symlink to regular", func(t *testing.T, path string) {
			write(t, path+".real", validConfig)
			if err := os.Symlink(path+".real", path); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"fifo", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "is not a regular file"},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "is not a regular file"},
		{"device", func(t *testing.T, path string) {
			if err := os.Symlink(os.DevNull, path); err != nil {
				t.Fatal(err)
			}
		}, "is not a regular file"},
		{"too large", func(t *testing.T, path string) {
			write(t, path, validConfig+strings.Repeat("// padding\n", MaxFileSize/10))
		}, "is larger than 16 MiB"},
		{"ten thousand accounts", func(t *testing.T, path string) { // pizbench rss's, 2.1 MB
			write(t, path, string(manyAccounts(10000)))
		}, ""},
		{"largest allowed", func(t *testing.T, path string) {
			pad := MaxFileSize - len(validConfig) - 1
			write(t, path, validConfig+"//"+strings.Repeat("x", pad-2)+"\n")
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pizauth.conf")
			tt.make(t, path)
			done := make(chan error, 1)
			go func() {
				_, err := Load(path)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second): // a bound on a broken Load, not a timing assertion
				t.Fatalf("Load(%s) did not return", tt.name)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Load() = %v; want success", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Load() = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
