package persist

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/pizauth-go/pizauth/internal/paths"
)

// MaxFile bounds what is read back from persist_file: the states of even
// thousands of accounts are far smaller.
const MaxFile = 16 << 20

// CheckDir refuses a directory that another user could write in: one owned
// by another uid, or writable by group or others. They could swap the file
// for one of theirs, encrypted to the same public recipients. It refuses as
// well a directory that another user could swap for another one, or point
// elsewhere: every directory above it, and every symbolic link on the way
// to it, must belong to root or to the current uid, and none of those
// directories may be writable by others (see paths.TrustedAbove). A missing
// directory is fine: WriteFileAtomic creates it with mode 0700.
func CheckDir(dir string) error {
	real, err := paths.ResolveTrusted(dir, "persist_file")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	}
	fi, err := os.Stat(real)
	switch {
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%q is not a directory", dir)
	}
	if uid, ok := owner(fi); !ok || uid != os.Getuid() {
		return fmt.Errorf("directory %q is owned by uid %d, not by uid %d: refusing to use it", dir, uid, os.Getuid())
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("directory %q is writable by other users (mode %v): refusing to use it (chmod go-w it)", dir, fi.Mode().Perm())
	}
	return nil
}

// owner returns the uid that owns fi.
func owner(fi fs.FileInfo) (int, bool) { return paths.Owner(fi) }

// ReadFile reads a regular file (not a symbolic link) of at most MaxFile
// bytes owned by the current uid. It opens the file without blocking, so
// that a FIFO or a device in its place is refused instead of hanging the
// reader.
func ReadFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, syscall.ELOOP) {
		// Every write replaces the file, and so would replace the link:
		// what it leads to would silently stop being written.
		return nil, fmt.Errorf("%q is a symbolic link: set persist_file to the file it leads to", path)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%q is not a regular file (%v): refusing to read it", path, fi.Mode().Type())
	}
	if uid, ok := owner(fi); !ok || uid != os.Getuid() {
		return nil, fmt.Errorf("%q is owned by uid %d, not by uid %d: refusing to read it", path, uid, os.Getuid())
	}
	if fi.Size() > MaxFile {
		return nil, fmt.Errorf("%q is larger than %d bytes: not a pizauth state file", path, MaxFile)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFile {
		return nil, fmt.Errorf("%q is larger than %d bytes: not a pizauth state file", path, MaxFile)
	}
	return data, nil
}

// WriteFileAtomic replaces the file at path with data so that a reader, or
// a crash at any moment, sees either the old file or the new one, never a
// partial one: data goes to a temporary file (mode 0600) in the same
// directory, which is synced, then renamed over path; the directory is
// synced last so that the rename survives a crash. A missing directory is
// created with mode 0700; one that CheckDir refuses is not used.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := CheckDir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, tempPrefix(path)+"*"+tempSuffix) // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err := writeSync(f, data); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// Temporary files are named .BASE.RANDOM.tmp beside the file.
const tempSuffix = ".tmp"

func tempPrefix(path string) string { return "." + filepath.Base(path) + "." }

// writeSync writes data to f, syncs and closes it.
func writeSync(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// RemoveStaleTemps removes the temporary files that WriteFileAtomic left
// beside path when the process died between creating and renaming one.
// Only regular files of the current uid are removed. Call it only while no
// write to path is under way.
func RemoveStaleTemps(path string, log *slog.Logger) {
	dir, prefix := filepath.Dir(path), tempPrefix(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return // a missing directory has none
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, tempSuffix) || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		if uid, ok := owner(fi); !ok || uid != os.Getuid() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err == nil {
			log.Info("removed a temporary file left by an interrupted write of persist_file", "file", filepath.Join(dir, name))
		}
	}
}
