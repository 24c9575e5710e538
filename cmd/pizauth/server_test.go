package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServerBeside(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	libexec := filepath.Join(root, "libexec", "pizauth")
	for _, d := range []string{bin, libexec} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	exe := filepath.Join(bin, "pizauth")
	put := func(path string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil { // WriteFile keeps an existing file's mode
			t.Fatal(err)
		}
	}

	_, err := serverBeside(exe)
	if err == nil || !strings.Contains(err.Error(), "cannot find pizauth-server") || !strings.Contains(err.Error(), bin) {
		t.Errorf("nothing installed: got %v; want an error naming where it looked", err)
	}
	put(filepath.Join(libexec, serverProgram), 0o644)
	if _, err := serverBeside(exe); err == nil {
		t.Errorf("a non-executable pizauth-server was accepted")
	}
	put(filepath.Join(libexec, serverProgram), 0o755)
	if got, err := serverBeside(exe); err != nil || got != filepath.Join(libexec, serverProgram) {
		t.Errorf("in libexec: got %q, %v", got, err)
	}
	put(filepath.Join(bin, serverProgram), 0o755)
	if got, err := serverBeside(exe); err != nil || got != filepath.Join(bin, serverProgram) {
		t.Errorf("beside pizauth (first choice): got %q, %v", got, err)
	}
}

// TestServerBesideRefusesWhatOthersCanWrite: a pizauth-server that another
// user could have put or changed is never run.
func TestServerBesideRefusesWhatOthersCanWrite(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, bin, server string)
		want    string // "" for accepted
	}{
		{"ours, 0755", func(*testing.T, string, string) {}, ""},
		{"group-writable directory", func(t *testing.T, bin, _ string) { chmod(t, bin, 0o775) }, ""},
		{"sticky world-writable directory", func(t *testing.T, bin, _ string) { chmod(t, bin, 0o1777) }, ""},
		{"world-writable directory", func(t *testing.T, bin, _ string) { chmod(t, bin, 0o777) }, "is writable by every user"},
		{"world-writable parent", func(t *testing.T, bin, _ string) { chmod(t, filepath.Dir(bin), 0o777) }, "is writable by every user"},
		{"world-writable file", func(t *testing.T, _, server string) { chmod(t, server, 0o757) }, "is writable by every user"},
		{"link to a world-writable file", func(t *testing.T, bin, server string) {
			shared := filepath.Join(t.TempDir(), "shared")
			if err := os.Mkdir(shared, 0o777); err != nil {
				t.Fatal(err)
			}
			chmod(t, shared, 0o777)
			target := filepath.Join(shared, serverProgram)
			if err := os.Rename(server, target); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, server); err != nil {
				t.Fatal(err)
			}
		}, "is writable by every user"},
		{"link through a world-writable directory", func(t *testing.T, bin, server string) {
			// Anyone may point shared/link elsewhere between the check
			// and the exec; the file it leads to now is safe.
			target := filepath.Join(t.TempDir(), serverProgram)
			if err := os.Rename(server, target); err != nil {
				t.Fatal(err)
			}
			shared := filepath.Join(t.TempDir(), "shared")
			if err := os.Mkdir(shared, 0o777); err != nil {
				t.Fatal(err)
			}
			chmod(t, shared, 0o777)
			link := filepath.Join(shared, "link")
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(link, server); err != nil {
				t.Fatal(err)
			}
		}, "is writable by every user"},
		{"another user's file", func(t *testing.T, _, server string) { chown(t, server) }, "neither root nor you"},
		{"another user's link", func(t *testing.T, bin, server string) {
			target := filepath.Join(t.TempDir(), serverProgram)
			if err := os.Rename(server, target); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, server); err != nil {
				t.Fatal(err)
			}
			chown(t, server)
		}, "neither root nor you"},
		{"another user's directory", func(t *testing.T, bin, _ string) { chown(t, bin) }, "neither root nor you"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "x", "bin")
			if err := os.MkdirAll(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			server := filepath.Join(bin, serverProgram)
			if err := os.WriteFile(server, []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			tt.prepare(t, bin, server)
			got, err := serverBeside(filepath.Join(bin, "pizauth"))
			switch {
			case tt.want == "" && (err != nil || got != server):
				t.Errorf("got %q, %v; want %q accepted", got, err, server)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "refusing to run")):
				t.Errorf("got %q, %v; want an error saying %q", got, err, tt.want)
			}
		})
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if mode&0o1000 != 0 {
		mode = mode&0o777 | os.ModeSticky
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// chown gives path to another user, which only root can do.
func chown(t *testing.T, path string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("only root can give a file to another user")
	}
	if err := os.Lchown(path, 4242, 4242); err != nil {
		t.Fatal(err)
	}
}
