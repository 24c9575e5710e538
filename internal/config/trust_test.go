package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadRefusesFilesOthersCanChange: the configuration names the
// commands the server runs and where it sends the client secret and the
// tokens, so a file that another user could write, or swap through a
// directory or link of theirs, is refused: they would run their commands
// as the user at the next reload.
func TestLoadRefusesFilesOthersCanChange(t *testing.T) {
	me := os.Getuid()
	type test struct {
		name    string
		make    func(t *testing.T, dir string) string // returns the path to load
		wantErr string                                // "" for success
	}
	tests := []test{
		{"private", func(t *testing.T, dir string) string {
			return writeMode(t, filepath.Join(dir, "c"), 0o600)
		}, ""},
		{"readable by all", func(t *testing.T, dir string) string {
			return writeMode(t, filepath.Join(dir, "c"), 0o644)
		}, ""},
		{"writable by the user's own group", func(t *testing.T, dir string) string {
			p := writeMode(t, filepath.Join(dir, "c"), 0o664)
			chown(t, p, me, os.Getgid())
			return p
		}, ""},
		{"writable by all", func(t *testing.T, dir string) string {
			return writeMode(t, filepath.Join(dir, "c"), 0o666)
		}, "is writable by other users"},
		{"in a directory writable by all", func(t *testing.T, dir string) string {
			sub := mkdirMode(t, filepath.Join(dir, "open"), 0o777)
			return writeMode(t, filepath.Join(sub, "c"), 0o600)
		}, "writable by other users"},
		{"in a sticky directory writable by all", func(t *testing.T, dir string) string {
			sub := mkdirMode(t, filepath.Join(dir, "tmp"), os.ModeSticky|0o777)
			return writeMode(t, filepath.Join(sub, "c"), 0o600)
		}, ""},
		{"through a link in a directory writable by all", func(t *testing.T, dir string) string {
			real := writeMode(t, filepath.Join(dir, "c"), 0o600)
			sub := mkdirMode(t, filepath.Join(dir, "open"), 0o777)
			link := filepath.Join(sub, "link")
			if err := os.Symlink(real, link); err != nil {
				t.Fatal(err)
			}
			return link
		}, "writable by other users"},
		{"a link to a file writable by all", func(t *testing.T, dir string) string {
			real := writeMode(t, filepath.Join(dir, "c"), 0o666)
			link := filepath.Join(dir, "link")
			if err := os.Symlink(real, link); err != nil {
				t.Fatal(err)
			}
			return link
		}, "is writable by other users"},
	}
	if me == 0 {
		tests = append(tests,
			test{"owned by another user", func(t *testing.T, dir string) string {
				p := writeMode(t, filepath.Join(dir, "c"), 0o644)
				chown(t, p, 65534, 65534)
				return p
			}, "is owned by uid 65534"},
			test{"writable by another group", func(t *testing.T, dir string) string {
				p := writeMode(t, filepath.Join(dir, "c"), 0o664)
				chown(t, p, 0, 65534)
				return p
			}, "is writable by other users"},
			test{"in another user's directory", func(t *testing.T, dir string) string {
				sub := mkdirMode(t, filepath.Join(dir, "theirs"), 0o755)
				p := writeMode(t, filepath.Join(sub, "c"), 0o600)
				chown(t, sub, 65534, 65534)
				return p
			}, "is owned by uid 65534"},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := Load(tt.make(t, dir))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Load() = %v; want success", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Load() = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// writeMode writes validConfig to path with mode perm, whatever the umask.
func writeMode(t *testing.T, path string, perm os.FileMode) string {
	t.Helper()
	write(t, path, validConfig)
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
	return path
}

// mkdirMode makes the directory path with mode perm, whatever the umask.
func mkdirMode(t *testing.T, path string, perm os.FileMode) string {
	t.Helper()
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
	return path
}

func chown(t *testing.T, path string, uid, gid int) {
	t.Helper()
	if err := os.Lchown(path, uid, gid); err != nil {
		t.Fatal(err)
	}
}
