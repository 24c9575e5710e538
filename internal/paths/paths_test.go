package paths

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// env returns a getenv that reads from m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigFile(t *testing.T) {
	tests := []struct {
		name string
		flag string
		env  map[string]string
		want string
	}{
		{"flag wins", "my.conf", map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "my.conf"},
		{"xdg", "", map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "/x/pizauth.conf"},
		{"home", "", map[string]string{"HOME": "/h"}, "/h/.config/pizauth.conf"},
		{"empty xdg", "", map[string]string{"XDG_CONFIG_HOME": "", "HOME": "/h"}, "/h/.config/pizauth.conf"},
		{"relative xdg ignored", "", map[string]string{"XDG_CONFIG_HOME": "rel", "HOME": "/h"}, "/h/.config/pizauth.conf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFile(tt.flag, env(tt.env))
			if err != nil {
				t.Fatalf("ConfigFile: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

func TestConfigFileNoHome(t *testing.T) {
	for _, e := range []map[string]string{{}, {"HOME": "relative"}} {
		if got, err := ConfigFile("", env(e)); err == nil {
			t.Errorf("env %v: got %q, nil; want an error", e, got)
		}
	}
}

func TestRuntimeDir(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"xdg", map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000", "USER": "u"}, "/run/user/1000/pizauth"},
		{"tmp default", map[string]string{"USER": "alice"}, "/tmp/runtime-alice/pizauth"},
		{"tmpdir", map[string]string{"TMPDIR": "/var/tmp", "USER": "alice"}, "/var/tmp/runtime-alice/pizauth"},
		{"relative xdg ignored", map[string]string{"XDG_RUNTIME_DIR": "run", "USER": "alice"}, "/tmp/runtime-alice/pizauth"},
		{"relative tmpdir ignored", map[string]string{"TMPDIR": "tmp", "USER": "alice"}, "/tmp/runtime-alice/pizauth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RuntimeDir(env(tt.env))
			if err != nil {
				t.Fatalf("RuntimeDir: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

func TestRuntimeDirUserFallback(t *testing.T) {
	uid := strconv.Itoa(os.Getuid())
	tests := []struct {
		name   string
		lookup func(string) (string, error)
		want   string
	}{
		{"uid name", func(string) (string, error) { return "bob", nil }, "/tmp/runtime-bob/pizauth"},
		{"numeric uid", func(string) (string, error) { return "", errors.New("no such user") }, "/tmp/runtime-" + uid + "/pizauth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := lookupUID
			lookupUID = tt.lookup
			t.Cleanup(func() { lookupUID = old })
			got, err := RuntimeDir(env(nil))
			if err != nil {
				t.Fatalf("RuntimeDir: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

func TestRuntimeDirBadUser(t *testing.T) {
	for _, u := range []string{"../x", "a/b", "..", ".", "a\x00b"} {
		if got, err := RuntimeDir(env(map[string]string{"USER": u})); err == nil {
			t.Errorf("USER=%q: got %q, nil; want an error", u, got)
		}
	}
}

func mode(t *testing.T, p string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

func TestEnsureDirCreates(t *testing.T) {
	base := t.TempDir()
	tests := []struct {
		name string
		dir  string
		want []string // directories that must exist with mode 0700
	}{
		{"xdg layout", filepath.Join(base, "xdg", "pizauth"), []string{filepath.Join(base, "xdg", "pizauth")}},
		{"tmp layout", filepath.Join(base, "runtime-me", "pizauth"), []string{filepath.Join(base, "runtime-me"), filepath.Join(base, "runtime-me", "pizauth")}},
		{"missing xdg", filepath.Join(base, "run", "pizauth"), []string{filepath.Join(base, "run"), filepath.Join(base, "run", "pizauth")}},
	}
	if err := os.Mkdir(filepath.Join(base, "xdg"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := EnsureDir(tt.dir); err != nil {
				t.Fatalf("EnsureDir: %v", err)
			}
			for _, d := range tt.want {
				if got := mode(t, d); got != fs.ModeDir|0o700 {
					t.Errorf("mode of %q: got %v; want %v", d, got, fs.ModeDir|0o700)
				}
			}
		})
	}
	// Only a runtime-* or a missing parent is ours: an existing xdg parent
	// keeps its mode.
	if got := mode(t, filepath.Join(base, "xdg")); got != fs.ModeDir|0o755 {
		t.Errorf("mode of xdg parent: got %v; want %v", got, fs.ModeDir|0o755)
	}
}

func TestEnsureDirOneLevelOnly(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "no", "run", "pizauth")
	if err := EnsureDir(dir); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("EnsureDir(%q): got %v; want an error: only one missing level is created", dir, err)
	}
	if _, err := os.Lstat(filepath.Join(base, "no")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Lstat of the grandparent: got %v; want it not created", err)
	}
}

func TestEnsureDirTightens(t *testing.T) {
	base := t.TempDir()
	parent := filepath.Join(base, "runtime-me")
	dir := filepath.Join(parent, "pizauth")
	for _, d := range []string{parent, dir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for d, m := range map[string]fs.FileMode{parent: 0o777 | fs.ModeSticky, dir: 0o755} {
		if err := os.Chmod(d, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := EnsureDir(dir); err != nil {
		t.Fatalf("EnsureDir: %v", err)
	}
	for _, d := range []string{parent, dir} {
		if got := mode(t, d); got != fs.ModeDir|0o700 {
			t.Errorf("mode of %q: got %v; want %v", d, got, fs.ModeDir|0o700)
		}
	}
	// Idempotent.
	if err := EnsureDir(dir); err != nil {
		t.Errorf("second EnsureDir: %v", err)
	}
}

func TestEnsureDirRefuses(t *testing.T) {
	base := t.TempDir()
	target := filepath.Join(base, "target")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	linkParent := filepath.Join(base, "runtime-link")
	if err := os.Symlink(target, linkParent); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, want string
	}{
		{"symlink", link, "symbolic link"},
		{"file", file, "not a directory"},
		{"symlinked runtime parent", filepath.Join(linkParent, "pizauth"), "symbolic link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := EnsureDir(tt.dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("EnsureDir(%q): got %v; want an error containing %q", tt.dir, err, tt.want)
			}
		})
	}
	if got := mode(t, target); got != fs.ModeDir|0o755 {
		t.Errorf("symlink target mode: got %v; want it unchanged (%v)", got, fs.ModeDir|0o755)
	}
	if _, err := os.Lstat(filepath.Join(target, "pizauth")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Lstat of target/pizauth: got %v; want it not created", err)
	}
}

func TestEnsureDirOtherOwner(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to give a directory to another uid")
	}
	dir := filepath.Join(t.TempDir(), "pizauth")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := EnsureDir(dir); err == nil || !strings.Contains(err.Error(), "owned by uid 65534") {
		t.Errorf("EnsureDir: got %v; want an error about uid 65534", err)
	}
	if got := mode(t, dir); got.Perm() != 0o777 {
		t.Errorf("mode: got %v; want it unchanged", got)
	}
}

func TestPasswdName(t *testing.T) {
	const passwd = `root:x:0:0:root:/root:/bin/bash
+nis::::::
broken line
alice:x:1000:1000:Alice:/home/alice:/bin/sh
alice2:x:1000:1000::/home/alice2:/bin/sh
bob:x:10000:100::/home/bob:/bin/sh`
	tests := []struct{ uid, want string }{
		{"0", "root"},
		{"1000", "alice"}, // the first of two entries
		{"10000", "bob"},  // not a prefix match of 1000
		{"100", ""},       // a gid, not a uid
		{"1", ""},
	}
	for _, tt := range tests {
		got, err := passwdName(passwd, tt.uid)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("uid %s: got %q, %v; want %q", tt.uid, got, err, tt.want)
		}
	}
}

func TestSocket(t *testing.T) {
	env := map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000"}
	got, err := Socket(func(k string) string { return env[k] })
	if want := "/run/user/1000/pizauth/pizauth.sock"; err != nil || got != want {
		t.Errorf("Socket: got %q, %v; want %q", got, err, want)
	}
	env = map[string]string{"USER": "a/b"}
	if got, err := Socket(func(k string) string { return env[k] }); err == nil {
		t.Errorf("Socket with $USER a/b: got %q; want an error", got)
	}
}
