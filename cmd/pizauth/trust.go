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
// for root): the file, and the file a symbolic link leads to, must be owned
// by root or by us and not writable by every user, and so must every
// directory above them, except that a directory with the sticky bit (like
// /tmp) may be writable by all. Group write permission is allowed: groups
// that share an install directory (staff, admin) are trusted like its
// owner.
func trusted(path string) error {
	link, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if err := ownedByUs(path, link); err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	fi, err := os.Stat(real)
	switch {
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", real)
	case fi.Mode().Perm()&0o002 != 0:
		return fmt.Errorf("%s is writable by every user", real)
	}
	if err := ownedByUs(real, fi); err != nil {
		return err
	}
	if err := trustedDirs(filepath.Dir(real)); err != nil {
		return err
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return err
	}
	return trustedDirs(dir)
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
