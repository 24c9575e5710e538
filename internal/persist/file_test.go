package persist

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "pizauth")
	path := filepath.Join(dir, "state.age")
	for _, content := range []string{"first", "second, longer", "3"} {
		if err := WriteFileAtomic(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if got, err := ReadFile(path); err != nil || string(got) != content {
			t.Errorf("got %q, %v; want %q", got, err, content)
		}
	}
	checkMode(t, path, 0o600)
	checkMode(t, dir, 0o700|os.ModeDir)
	checkOnlyFile(t, dir, "state.age")

	// A failed rename leaves the old file and no temporary file.
	blocked := filepath.Join(dir, "sub")
	if err := os.Mkdir(blocked, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(blocked, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(blocked, []byte("new")); err == nil {
		t.Errorf("writing over a non-empty directory succeeded; want an error")
	}
	os.RemoveAll(blocked)
	checkOnlyFile(t, dir, "state.age")
}

// mkUnder makes dir/name, ours with mode 0700 (as root may, whoever owns
// dir).
func mkUnder(t *testing.T, dir, name string) string {
	t.Helper()
	sub := filepath.Join(dir, name)
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	return sub
}

// link makes dir/link, a symbolic link to target.
func link(t *testing.T, dir, target string) string {
	t.Helper()
	l := filepath.Join(dir, "link")
	if err := os.Symlink(target, l); err != nil {
		t.Fatal(err)
	}
	return l
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode(); got != want {
		t.Errorf("%s: got mode %v; want %v", path, got, want)
	}
}

func checkOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("got files %q in %s; want only %q", names, dir, name)
	}
}

// TestWriteFileAtomicNeverPartial reads the file while it is rewritten:
// every read sees one whole version.
func TestWriteFileAtomicNeverPartial(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.age")
	versions := [][]byte{bytes.Repeat([]byte("a"), 1<<20), bytes.Repeat([]byte("b"), 1<<19)}
	if err := WriteFileAtomic(path, versions[0]); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			got, err := os.ReadFile(path)
			if err != nil || !(bytes.Equal(got, versions[0]) || bytes.Equal(got, versions[1])) {
				t.Errorf("read %d bytes (%v); want one whole version", len(got), err)
				return
			}
		}
	})
	for i := range 50 {
		if err := WriteFileAtomic(path, versions[i%2]); err != nil {
			t.Error(err)
			break
		}
	}
	close(stop)
	wg.Wait()
}

// TestCheckDir refuses the directories another user can write in, as the
// runtime directory is refused.
func TestCheckDir(t *testing.T) {
	base := t.TempDir()
	mk := func(name string, mode os.FileMode, uid int) string {
		dir := filepath.Join(base, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		if uid != os.Getuid() {
			if err := os.Chown(dir, uid, uid); err != nil {
				t.Skipf("cannot give a directory to uid %d: %v", uid, err)
			}
		}
		return dir
	}
	me := os.Getuid()
	tests := []struct {
		name string
		dir  string
		want string // in the error; "" for none
	}{
		{"own 0700", mk("own0700", 0o700, me), ""},
		{"own 0755", mk("own0755", 0o755, me), ""},
		{"missing", filepath.Join(base, "missing"), ""},
		{"world-writable", mk("world", 0o777, me), "writable by other users"},
		{"group-writable", mk("group", 0o770, me), "writable by other users"},
		{"world-writable sticky", mk("sticky", 0o1777, me), "writable by other users"},
		{"under a world-writable directory", mkUnder(t, mk("open", 0o777, me), "mine"), "above persist_file is writable by other users"},
		{"under a sticky one", mkUnder(t, mk("tmp", 0o777|os.ModeSticky, me), "mine"), ""},
		{"through a link in a world-writable directory", link(t, mk("links", 0o777, me), filepath.Join(base, "own0700")), "above persist_file is writable by other users"},
		{"through a link of ours", link(t, mk("ownlinks", 0o755, me), filepath.Join(base, "own0700")), ""},
	}
	if me == 0 {
		tests = append(tests, struct{ name, dir, want string }{"another user's", mk("other", 0o755, 65534), "owned by uid 65534"})
		tests = append(tests, struct{ name, dir, want string }{"under another user's", mkUnder(t, mk("others", 0o755, 65534), "mine"), "above persist_file is owned by uid 65534"})
		other := link(t, mk("linkdir", 0o755, me), filepath.Join(base, "own0755"))
		if err := os.Lchown(other, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		tests = append(tests, struct{ name, dir, want string }{"through another user's link", other, "symbolic link .* is owned by uid 65534"})
	}
	for _, tt := range tests {
		err := CheckDir(tt.dir)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: CheckDir = %v; want nil", tt.name, err)
		case tt.want != "" && (err == nil || !regexp.MustCompile(tt.want).MatchString(err.Error())):
			t.Errorf("%s: CheckDir = %v; want an error containing %q", tt.name, err, tt.want)
		}
		if tt.want != "" {
			if err := WriteFileAtomic(filepath.Join(tt.dir, "state.age"), []byte("x")); err == nil {
				t.Errorf("%s: WriteFileAtomic succeeded; want it refused", tt.name)
			}
		}
	}
}

// TestReadFileRefusesWhatIsNotARegularFile opens a FIFO that no one
// writes to: ReadFile answers at once instead of blocking.
func TestReadFileRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxFile+1); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(big, link); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{fifo: "not a regular file", dir: "not a regular file", "/dev/null": "not a regular file", big: "larger than",
		link: "is a symbolic link: set persist_file to the file it leads to"} {
		done := make(chan error, 1)
		go func() { _, err := ReadFile(path); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("ReadFile(%s) = %v; want an error containing %q", path, err, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("ReadFile(%s) blocks", path)
		}
	}
}

func TestRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.age")
	stale := []string{".state.age.123456.tmp", ".state.age.9.tmp"}
	kept := []string{"state.age", ".other.age.1.tmp", ".state.age.1.bak", "notes"}
	for _, name := range append(append([]string{}, stale...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	RemoveStaleTemps(path, slog.New(slog.DiscardHandler))
	for _, name := range stale {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s is still there; want it removed", name)
		}
	}
	for _, name := range kept {
		if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v; want it kept", name, err)
		}
	}
}
