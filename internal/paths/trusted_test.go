package paths

import (
	"os"
	"path/filepath"
	"testing"
)

// TestResolveTrustedDotDotAfterLink: ".." in a symbolic link's target
// leads, as the kernel follows it, to the parent of where the link before
// it leads, not to a name cut off the text. Resolving it on the text made
// the configuration read, and the directory of persist_file checked, other
// than those the name leads to.
func TestResolveTrustedDotDotAfterLink(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mkdir := func(p string) {
		if err := os.MkdirAll(filepath.Join(dir, p), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, p string) {
		if err := os.Symlink(target, filepath.Join(dir, p)); err != nil {
			t.Fatal(err)
		}
	}
	mkdir("real/sub")
	write("real/c", "right")
	write("c", "wrong")
	link("real/sub", "sub")    // dir/sub -> dir/real/sub
	link("sub/../c", "viadot") // the kernel: dir/real/sub/../c = dir/real/c
	link("sub/./..", "up")     // dir/real
	tests := []struct{ path, want string }{
		{filepath.Join(dir, "viadot"), filepath.Join(dir, "real/c")},
		{filepath.Join(dir, "up"), filepath.Join(dir, "real")},
		{filepath.Join(dir, "up/c"), filepath.Join(dir, "real/c")},
	}
	for _, tt := range tests {
		got, err := ResolveTrusted(tt.path, "the file")
		if err != nil {
			t.Errorf("ResolveTrusted(%q): %v", tt.path, err)
			continue
		}
		if kernel, err := filepath.EvalSymlinks(tt.path); err != nil || kernel != tt.want {
			t.Fatalf("the test's premise: %q leads to %q (%v); want %q", tt.path, kernel, err, tt.want)
		}
		if got != tt.want {
			t.Errorf("ResolveTrusted(%q) = %q; want %q, where the name leads", tt.path, got, tt.want)
		}
	}
	if _, err := ResolveTrusted(dir+"/c/../real", "the file"); err == nil {
		t.Errorf("ResolveTrusted of a path through a file's \"..\" succeeded; want ENOTDIR as the kernel gives")
	}
}
