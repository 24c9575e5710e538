package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// trusted checks that no other user than root can have put the program at
// path there or changed it, since pizauth runs it (auto-start may run it
// for root): the file, and every symbolic link on the way to it, must be
// owned by root or by us, the file not writable by every user, and so must
// every directory above each of them, except that a directory with the
// sticky bit (like /tmp) may be writable by all. A link in a directory that
// others can write in could be pointed elsewhere between the check and the
// exec. Group write permission is allowed: groups that share an install
// directory (staff, admin) are trusted like its owner.
func trusted(path string) error {
	for hops := 0; ; hops++ {
		if hops > maxLinks {
			return fmt.Errorf("%s: too many levels of symbolic links", path)
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		if err := ownedByUs(path, fi); err != nil {
			return err
		}
		dir, err := filepath.EvalSymlinks(filepath.Dir(path))
		if err != nil {
			return err
		}
		if err := trustedDirs(dir); err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return trustedFile(path, fi)
		}
		target, err := os.Readlink(path)
		if err != nil {
			return err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target) // relative to the link's real directory
		}
		path = target
	}
}

// maxLinks bounds the symbolic links followed, as the kernel does (40 on
// Linux).
const maxLinks = 40

// trustedFile checks the program itself: a regular file that not every
// user may write.
func trustedFile(path string, fi fs.FileInfo) error {
	switch {
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", path)
	case fi.Mode().Perm()&0o002 != 0:
		return fmt.Errorf("%s is writable by every user", path)
	}
	return nil
}

// trustedDirs checks dir, a path without symbolic links, and every
// directory above it.
func trustedDirs(dir string) error {
	for {
		fi, err := os.Stat(dir)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o002 != 0 && fi.Mode()&fs.ModeSticky == 0 {
			return fmt.Errorf("%s is writable by every user", dir)
		}
		if err := ownedByUs(dir, fi); err != nil {
			return err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
}

// ownedByUs checks that fi, the file at path, belongs to root or to us.
func ownedByUs(path string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return errors.New("cannot read the owner of " + path)
	}
	if uid := int(st.Uid); uid != 0 && uid != os.Geteuid() {
		return fmt.Errorf("%s is owned by uid %d, neither root nor you", path, uid)
	}
	return nil
}
