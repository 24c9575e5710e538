package persist

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// errInUse is lockFile's answer when another process holds the lock.
var errInUse = errors.New("in use by another pizauth server")

// lockName is the lock file of path: .BASE.lock beside it. It is left in
// place when the lock is released: removing it would let two servers lock
// two different files of that name.
func lockName(path string) string { return filepath.Join(filepath.Dir(path), tempPrefix(path)+"lock") }

// lockFile takes an exclusive lock on path's lock file for as long as the
// returned file stays open. Two servers (of different runtime directories)
// writing one persist_file would each overwrite the other's state: a token
// that one revoked would come back from the other's next write. The lock is
// not inherited by user commands (close-on-exec) and dies with the
// process.
func lockFile(path string) (*os.File, error) {
	name := lockName(path)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY, 0o600)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%q is not a regular file (%v)", name, fi.Mode().Type())
	}
	if err == nil {
		if uid, ok := owner(fi); !ok || uid != os.Getuid() {
			err = fmt.Errorf("%q is owned by uid %d, not by uid %d", name, uid, os.Getuid())
		}
	}
	if err == nil {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if errors.Is(err, unix.EWOULDBLOCK) {
			err = fmt.Errorf("%w (it holds the lock %q): give each server a persist_file of its own", errInUse, name)
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
