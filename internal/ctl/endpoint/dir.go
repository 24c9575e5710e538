// Package endpoint is the server's end of the control socket (package ctl
// has the wire format and the client). It has two jobs, one type each:
//
//   - Dir holds the runtime directory for one server: a lock file that
//     keeps a second server out, and the listening socket, made 0600 before
//     anything can connect, touched so that cleaners leave it alone, and
//     re-created when the directory is removed; or the socket that systemd
//     socket activation passed.
//   - Server accepts connections on a Dir's socket and serves them: it
//     refuses peers whose uid is not its own, bounds every connection in
//     size, time and number, and serves waiting requests apart.
package endpoint

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/paths"
)

// ErrAlreadyRunning is wrapped by Claim when another server holds the lock
// of the runtime directory.
var ErrAlreadyRunning = errors.New("already running")

// touchEvery is how often Keep touches the socket and lock file: well within
// the 6 hours of the XDG runtime-directory rule.
const touchEvery = time.Hour

// Dir is a server's hold on its runtime directory: the lock, held from
// Claim until Close, and the listening control socket in it.
type Dir struct {
	path string // the socket's

	// The socket and lock are replaced when the runtime directory is
	// removed under a running server (see keep.go).
	recreating sync.Mutex // held by recreateIfGone, one at a time
	mu         sync.Mutex // guards ln, sock, lock, closed and stopping
	closed     bool
	stopping   bool              // see Stopping
	ln         *net.UnixListener // the listening socket; Close leaves its file to close
	sock       os.FileInfo       // the socket file as created, recognised again by Close
	// inherited is the socket file of a socket passed by the service
	// manager (ClaimInherited), which Close leaves in place; nil otherwise.
	inherited os.FileInfo
	lock      *os.File // flock'ed for the life of the Dir

	// watch is an inotify watch of the directory, nil without inotify;
	// fixed by Claim.
	watch   *os.File
	watchFD int

	closeOnce sync.Once
	closeErr  error
}

// Claim takes an exclusive lock on dir/pizauth.lock (held until Close; the
// file's content is the server's pid), removes a stale dir/pizauth.sock (with
// the lock held, any socket there is stale), listens on it, and makes it 0600
// before accepting anything. If another process holds the lock, the error
// wraps ErrAlreadyRunning. dir should have been made private with
// paths.EnsureDir.
func Claim(dir string) (*Dir, error) {
	path := socketIn(dir)
	if err := ctl.CheckSocketPath(path); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir, stoppingWait)
	if err != nil {
		return nil, err
	}
	ln, fi, err := listenLocked(path)
	if err != nil {
		lock.Close()
		return nil, err
	}
	d := &Dir{path: path, ln: ln, sock: fi, lock: lock}
	d.watch, d.watchFD = newDirWatch(dir)
	return d, nil
}

// socketIn is the control socket's path in the runtime directory dir.
func socketIn(dir string) string { return filepath.Join(dir, paths.SocketName) }

// lockDir opens dir/pizauth.lock, takes an exclusive flock and writes our pid
// into it. The lock lasts as long as the returned file is open. A holder
// that is stopping is waited for, up to wait (see lockUnlessServing).
func lockDir(dir string, wait time.Duration) (*os.File, error) {
	path := filepath.Join(dir, paths.LockName)
	f, err := openLockFile(path)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := lockUnlessServing(f, socketIn(dir), wait); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s holds the lock %q)", ErrAlreadyRunning, holder(f), path)
		}
		return nil, fmt.Errorf("lock %q: %w", path, err)
	}
	if err := writePID(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("write lock file %q: %w", path, err)
	}
	return f, nil
}

// openLockFile opens the lock file at path, creating it if need be. One
// that is not a regular file of ours is refused, saying what to remove: it
// can only have been put there by another user while the directory was
// open to others (before paths.EnsureDir made it private), who may hold
// its lock for ever from a descriptor opened then; it used to be reported
// as a server already running. (Replacing it here could race another
// server starting at the same moment, and let both run.)
func openLockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%q is a symbolic link: remove it", path)
	}
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	var why string
	switch uid, _ := paths.Owner(fi); {
	case !fi.Mode().IsRegular():
		why = fmt.Sprintf("is not a regular file (%v)", fi.Mode().Type())
	case uid != os.Getuid():
		why = fmt.Sprintf("is owned by uid %d, not by uid %d: another user put it there", uid, os.Getuid())
	default:
		return f, nil
	}
	f.Close()
	return nil, fmt.Errorf("%q %s; remove it", path, why)
}

// writePID makes f (mode 0600) contain our pid and a newline.
func writePID(f *os.File) error {
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// holder describes the lock holder from the pid in the lock file.
func holder(f *os.File) string {
	if pid, ok := paths.LockHolder(f); ok {
		return "pid " + strconv.Itoa(pid)
	}
	return "another process"
}

// listenLocked creates the socket at path and returns it with the file's
// identity; the caller holds the lock.
func listenLocked(path string) (*net.UnixListener, os.FileInfo, error) {
	if err := removeStale(path); err != nil {
		return nil, nil, err
	}
	ln, err := listenUnix(path)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on control socket: %w", err)
	}
	fi, err := secureSocket(path)
	if err != nil {
		ln.Close()
		os.Remove(path)
		return nil, nil, err
	}
	return ln, fi, nil
}

// removeStale removes a leftover socket at path. Anything else there is
// refused rather than deleted.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check for a stale socket: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%q exists and is not a socket; refusing to replace it", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale socket: %w", err)
	}
	return nil
}

// listenUnix binds and listens on path. Where the system allows it (Linux),
// the socket is made 0600 before bind, so the file is born private and there is
// no moment at which another user could connect. Close removes the socket
// file only if it is still ours, so the listener must not unlink it.
func listenUnix(path string) (*net.UnixListener, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { preBind(int(fd)) })
	}}
	ln, err := lc.Listen(context.Background(), "unix", path)
	if err != nil {
		return nil, err
	}
	uln := ln.(*net.UnixListener)
	uln.SetUnlinkOnClose(false)
	return uln, nil
}

// secureSocket chmods the new socket 0600 (before anything is accepted) and
// returns its identity.
func secureSocket(path string) (os.FileInfo, error) {
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, fmt.Errorf("make control socket private: %w", err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, fmt.Errorf("check control socket: %w", err)
	}
	return fi, nil
}

// Socket returns the socket's path.
func (d *Dir) Socket() string { return d.path }

// Listener returns the current listening socket; re-creation replaces it
// (Server.Serve then moves to the new one). Close closes it.
func (d *Dir) Listener() *net.UnixListener {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ln
}

// Close stops the listening, removes the socket file if it is still the one
// Claim created (same inode), and releases the lock. The lock file itself
// stays: it is only ever locked, never trusted for its content. Close is
// idempotent.
func (d *Dir) Close() error {
	d.closeOnce.Do(func() { d.closeErr = d.close() })
	return d.closeErr
}

func (d *Dir) close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	errs := []error{d.removeSocketLocked()}
	if !d.stopping { // Stopping closed it
		if err := d.ln.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close control socket: %w", err))
		}
	}
	if err := d.lock.Close(); err != nil { // closing releases the flock
		errs = append(errs, fmt.Errorf("release lock: %w", err))
	}
	if d.watch != nil {
		d.watch.Close()
	}
	return errors.Join(errs...)
}

// removeSocketLocked removes the socket file if it is still the one this
// Dir created (same inode), never one passed by the service manager.
func (d *Dir) removeSocketLocked() error {
	fi, err := os.Lstat(d.path)
	if err != nil || !os.SameFile(fi, d.sock) || os.SameFile(fi, d.inherited) {
		return nil
	}
	if err := os.Remove(d.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove control socket: %w", err)
	}
	return nil
}
