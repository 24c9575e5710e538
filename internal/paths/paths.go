// Package paths knows where pizauth keeps things: the configuration file and
// the per-user runtime directory that holds the control socket.
//
// Lookups take a getenv function (os.Getenv in production) so that tests can
// describe an environment without touching the process's own. Following the
// XDG Base Directory Specification, an environment variable that is empty or
// holds a relative path is treated as unset.
package paths

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// SocketName is the control socket's name inside the runtime directory.
const SocketName = "pizauth.sock"

// LockName is the name of the lock file, inside the runtime directory, that
// makes sure only one server runs per runtime directory.
const LockName = "pizauth.lock"

const (
	confLeaf      = "pizauth.conf"
	runtimeLeaf   = "pizauth"
	runtimePrefix = "runtime-"
)

// ConfigFile returns the configuration file to use: flag if non-empty, else
// $XDG_CONFIG_HOME/pizauth.conf, else $HOME/.config/pizauth.conf. It does not
// check that the file exists.
func ConfigFile(flag string, getenv func(string) string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if d := absEnv(getenv, "XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, confLeaf), nil
	}
	if h := absEnv(getenv, "HOME"); h != "" {
		return filepath.Join(h, ".config", confLeaf), nil
	}
	return "", errors.New("cannot locate the config file: neither $XDG_CONFIG_HOME nor $HOME is an absolute path (use -c PATH)")
}

// RuntimeDir returns the runtime directory: $XDG_RUNTIME_DIR/pizauth, else
// ${TMPDIR:-/tmp}/runtime-$USER/pizauth. $USER falls back to the name of the
// process's uid, then to the numeric uid. It does not create anything.
func RuntimeDir(getenv func(string) string) (string, error) {
	if d := absEnv(getenv, "XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, runtimeLeaf), nil
	}
	tmp := absEnv(getenv, "TMPDIR")
	if tmp == "" {
		tmp = "/tmp"
	}
	name := getenv("USER")
	if name == "" {
		name = uidName(os.Getuid())
	}
	if name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return "", fmt.Errorf("cannot use $USER %q in a directory name", name)
	}
	return filepath.Join(tmp, runtimePrefix+name, runtimeLeaf), nil
}

// Socket returns the control socket's path: pizauth.sock in RuntimeDir.
func Socket(getenv func(string) string) (string, error) {
	dir, err := RuntimeDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, SocketName), nil
}

// lookupUID returns the login name of uid from /etc/passwd; replaceable in
// tests. It reads the file itself rather than using os/user, whose cgo
// version would make every client a dynamically linked program (a slower
// start on each `pizauth show`); client and server must agree on the name,
// so both use this. Users known only to NSS services (LDAP, sssd) have $USER
// set by their login.
var lookupUID = func(uid string) (string, error) {
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return "", err
	}
	return passwdName(string(b), uid)
}

// passwdName returns the name of the first entry of a passwd(5) file whose
// uid field is uid.
func passwdName(passwd, uid string) (string, error) {
	for line := range strings.Lines(passwd) {
		f := strings.SplitN(strings.TrimSuffix(line, "\n"), ":", 4)
		if len(f) == 4 && f[2] == uid && f[0] != "" && !strings.HasPrefix(f[0], "+") && !strings.HasPrefix(f[0], "-") {
			return f[0], nil
		}
	}
	return "", fmt.Errorf("uid %s not in the passwd file", uid)
}

// uidName returns the login name of uid, or the number when it has none.
func uidName(uid int) string {
	id := strconv.Itoa(uid)
	if name, err := lookupUID(id); err == nil && name != "" {
		return name
	}
	return id
}

// absEnv returns getenv(key) when it is an absolute path, else "".
func absEnv(getenv func(string) string, key string) string {
	if v := getenv(key); filepath.IsAbs(v) {
		return v
	}
	return ""
}

// EnsureDir makes dir a directory that only the current user can use: it
// creates it with mode 0700, or sets the mode of an existing one to exactly
// 0700. Its parent gets the same treatment first when it is missing (a
// $XDG_RUNTIME_DIR that does not exist yet: one level is created, not its
// parents, as the original does) or when it is a runtime-$USER directory (the
// fallback used when $XDG_RUNTIME_DIR is unset, typically under a shared
// /tmp); an existing $XDG_RUNTIME_DIR is left as it is. A path that is a
// symbolic link, not a directory, or owned by another uid is refused with an
// error and left alone.
func EnsureDir(dir string) error {
	parent := filepath.Dir(dir)
	if _, err := os.Lstat(parent); errors.Is(err, fs.ErrNotExist) || strings.HasPrefix(filepath.Base(parent), runtimePrefix) {
		if err := ensureOne(parent); err != nil {
			return err
		}
	}
	return ensureOne(dir)
}

// ensureOne creates or checks and tightens one directory level.
func ensureOne(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		//lint:ignore ST1005 the original's message, word for word
		return fmt.Errorf("Can't create cache dir: %w", err)
	}
	// A directory just made is checked like any other: another user may
	// have made it first, and the umask may have narrowed its mode.
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("check directory: %w", err)
	}
	if err := checkOwnDir(dir, fi); err != nil {
		return err
	}
	if fi.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) == 0o700 {
		return nil
	}
	return chmodNoFollow(dir, fi)
}

// checkOwnDir refuses anything but a real directory owned by the current uid.
func checkOwnDir(dir string, fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%q is a symbolic link; refusing to use it (remove it and retry)", dir)
	case !fi.IsDir():
		return fmt.Errorf("%q is not a directory (remove it and retry)", dir)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("cannot read the owner of %q", dir)
	}
	if uid := os.Getuid(); int(st.Uid) != uid {
		return fmt.Errorf("%q is owned by uid %d, not by uid %d; refusing to use it", dir, st.Uid, uid)
	}
	return nil
}

// chmodNoFollow sets dir's mode to 0700 through a descriptor opened without
// following symbolic links, after checking it is still the directory that was
// inspected, so that a swap between the check and the change cannot redirect it.
func chmodNoFollow(dir string, checked fs.FileInfo) error {
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return fmt.Errorf("open directory: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("check directory: %w", err)
	}
	if !os.SameFile(fi, checked) {
		return fmt.Errorf("%q changed while being checked; refusing to use it", dir)
	}
	if err := f.Chmod(0o700); err != nil {
		return fmt.Errorf("set mode of %q to 0700: %w", dir, err)
	}
	return nil
}

// CheckRuntimeDir checks, changing nothing, that dir and its runtime-$USER
// parent (when it has one, see EnsureDir) are directories of the current
// uid that no other user can write to: a client's check before it trusts
// the socket inside. Another user who created the directory, or may write
// to it, could have put a socket of their own there. A dir that does not
// exist passes: there is no socket to trust.
func CheckRuntimeDir(dir string) error {
	if parent := filepath.Dir(dir); strings.HasPrefix(filepath.Base(parent), runtimePrefix) {
		if err := checkPrivate(parent); err != nil {
			return err
		}
	}
	return checkPrivate(dir)
}

// checkPrivate refuses anything at dir but a directory of the current uid
// without write permission for its group or others.
func checkPrivate(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check runtime directory: %w", err)
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	switch uid := os.Getuid(); {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%q is a symbolic link", dir)
	case !fi.IsDir():
		return fmt.Errorf("%q is not a directory", dir)
	case st == nil:
		return fmt.Errorf("cannot read the owner of %q", dir)
	case int(st.Uid) != uid:
		return fmt.Errorf("%q is owned by uid %d, not by uid %d", dir, st.Uid, uid)
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("%q can be written by other users (mode %#o)", dir, fi.Mode().Perm())
	}
	return nil
}
