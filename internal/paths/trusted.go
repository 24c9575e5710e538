package paths

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks bounds the symbolic links ResolveTrusted follows, as the kernel
// does (40 on Linux).
const maxLinks = 40

// ResolveTrusted returns the real path of path (made absolute), checking on
// the way every directory it looks a name up in with TrustedAbove and every
// symbolic link it follows (owned by root or by the current uid): otherwise
// another user could rename a directory, or point a link, elsewhere between
// the check and the use. what names the file for messages ("persist_file").
// The last name is resolved too, but the file it leads to is not checked.
func ResolveTrusted(path, what string) (string, error) {
	if !filepath.IsAbs(path) {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		path = wd + "/" + path // not filepath.Join, which would clean it
	}
	return resolveTrusted(path, what, new(int))
}

// resolveTrusted is ResolveTrusted of the absolute path; hops counts the
// links followed. The path is not cleaned: a ".." after a link leads to
// the parent of where the link leads, as the kernel follows it, not to a
// name cut off the text; cur, always a real path, has that parent.
func resolveTrusted(path, what string, hops *int) (string, error) {
	cur := "/"
	for _, name := range strings.Split(path, "/") {
		switch name {
		case "", ".":
			continue
		case "..":
			if fi, err := os.Stat(cur); err != nil || !fi.IsDir() {
				return "", &fs.PathError{Op: "lstat", Path: cur + "/..", Err: syscall.ENOTDIR}
			}
			cur = filepath.Dir(cur)
			continue
		}
		if err := TrustedAbove(cur, what); err != nil {
			return "", err
		}
		next := filepath.Join(cur, name)
		fi, err := os.Lstat(next)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if uid, ok := Owner(fi); !ok || uid != 0 && uid != os.Getuid() {
			return "", fmt.Errorf("symbolic link %q is owned by uid %d, neither root nor uid %d: refusing to follow it", next, uid, os.Getuid())
		}
		if *hops++; *hops > maxLinks {
			return "", fmt.Errorf("%q: too many levels of symbolic links", path)
		}
		target, err := os.Readlink(next)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = cur + "/" + target
		}
		if cur, err = resolveTrusted(target, what, hops); err != nil {
			return "", err
		}
	}
	return cur, nil
}

// TrustedAbove checks a directory above what (a file, for messages), in
// which a name is looked up: it must belong to root or to the current uid,
// and not be writable by every user, nor by a group other than the user's
// own, unless it has the sticky bit (like /tmp), which keeps others from
// renaming what is not theirs.
func TrustedAbove(dir, what string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if uid, ok := Owner(fi); !ok || uid != 0 && uid != os.Getuid() {
		return fmt.Errorf("directory %q above %s is owned by uid %d, neither root nor uid %d: refusing to use it", dir, what, uid, os.Getuid())
	}
	perm, sticky := fi.Mode().Perm(), fi.Mode()&fs.ModeSticky != 0
	if !sticky && WritableByOthers(fi) {
		return fmt.Errorf("directory %q above %s is writable by other users (mode %v): refusing to use it", dir, what, perm)
	}
	return nil
}

// WritableByOthers reports whether users other than the current one may
// write fi: every user, or a group other than the user's own.
func WritableByOthers(fi fs.FileInfo) bool {
	perm := fi.Mode().Perm()
	st, _ := fi.Sys().(*syscall.Stat_t)
	ownGroup := st != nil && int(st.Gid) == os.Getgid()
	return perm&0o002 != 0 || perm&0o020 != 0 && !ownGroup
}

// Owner returns the uid that owns fi.
func Owner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, false
	}
	return int(st.Uid), true
}
