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
