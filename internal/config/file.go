package config

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/pizauth-go/pizauth/internal/paths"
)

// MaxFileSize bounds the configuration file: ten thousand accounts take
// about 2 MB, and the file is read whole at every start and reload.
const MaxFileSize = 16 << 20

// readFile reads the configuration file at path. Only a regular file (or a
// symbolic link to one) of at most MaxFileSize bytes is read: a FIFO, a
// device or a huge file planted at the path must not stall or exhaust the
// server, which re-reads the file on every reload. The file is opened
// without blocking, so that even opening a FIFO returns at once.
//
// The file names the commands the server runs and where it sends the
// client secret and the tokens: one that another user could change is
// refused, as are the directories and links on the way to it that would
// let them swap it (see trusted).
func readFile(path string) ([]byte, error) {
	real, err := paths.ResolveTrusted(path, "the configuration file")
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%q is not a regular file", path)
	}
	if err := trusted(path, fi); err != nil {
		return nil, err
	}
	tooLarge := fmt.Errorf("%q is larger than %d MiB", path, MaxFileSize>>20)
	if fi.Size() > MaxFileSize {
		return nil, tooLarge
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxFileSize {
		return nil, tooLarge // it grew while being read
	}
	return src, nil
}

// trusted refuses a configuration file fi (at path) that another user
// could write: owned by another user than root or the current one, or
// writable by every user or by a group other than the user's own.
func trusted(path string, fi fs.FileInfo) error {
	if uid, ok := paths.Owner(fi); !ok || uid != 0 && uid != os.Getuid() {
		return fmt.Errorf("%q is owned by uid %d, neither root nor uid %d: refusing to read it", path, uid, os.Getuid())
	}
	if paths.WritableByOthers(fi) {
		return fmt.Errorf("%q is writable by other users (mode %v): refusing to read it (chmod go-w it)", path, fi.Mode().Perm())
	}
	return nil
}
