// Package listen is the server end of the control socket (package ctl has the
// wire format and the client). It keeps one server per runtime directory with
// a lock file, makes the socket 0600 before anything can connect, refuses
// peers whose uid is not its own, bounds every connection in size, time and
// number, re-creates the socket when the runtime directory is removed, and
// takes a socket passed by systemd socket activation.
package listen

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pizauth-go/pizauth/internal/paths"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// ErrAlreadyRunning is wrapped by Listen when another server holds the lock of
// the runtime directory.
var ErrAlreadyRunning = errors.New("already running")

// Listener is the server's end of the control socket. It holds the runtime
// directory's lock from Listen until Close.
type Listener struct {
	path string

	// The socket and lock are replaced when the runtime directory is
	// removed under a running server (see recreate.go).
	mu     sync.Mutex // guards ln, sock, lock and closed
	closed bool
	ln     *net.UnixListener // the listening socket; Close leaves its file to close
	sock   os.FileInfo       // the socket file as created, recognised again by Close
	// inherited is the socket file of a socket passed by the service
	// manager (FileListener), which Close leaves in place; nil otherwise.
	inherited os.FileInfo
	lock      *os.File // flock'ed for the life of the Listener

	// watch is an inotify watch of the socket's directory, nil without
	// inotify; fixed by Listen.
	watch   *os.File
	watchFD int

	// Limits, fixed by Listen; tests shorten them.
	readTimeout   time.Duration
	writeTimeout  time.Duration
	maxConns      int
	maxWaits      int
	busyAfter     time.Duration
	touchEvery    time.Duration
	testFull      func()      // when set, called whenever Serve waits for a free ordinary slot
	testRecreated func(error) // when set, called after each attempt to re-create the socket

	closeOnce sync.Once
	closeErr  error
}

// Listen takes an exclusive lock on dir/pizauth.lock (held until Close; the
// file's content is the server's pid), removes a stale dir/pizauth.sock (with
// the lock held, any socket there is stale), listens on it, and makes it 0600
// before accepting anything. If another process holds the lock, the error
// wraps ErrAlreadyRunning. dir should have been made private with
// paths.EnsureDir.
func Listen(dir string) (*Listener, error) {
	path := filepath.Join(dir, paths.SocketName)
	if err := ctl.CheckSocketPath(path); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	l, err := listenLocked(path)
	if err != nil {
		lock.Close()
		return nil, err
	}
	l.lock = lock
	l.watch, l.watchFD = newDirWatch(dir)
	return l, nil
}

// lockDir opens dir/pizauth.lock, takes an exclusive non-blocking flock and
// writes our pid into it. The lock lasts as long as the returned file is open.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, paths.LockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
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
	var b [32]byte
	n, _ := f.ReadAt(b[:], 0)
	pid := strings.TrimSpace(string(b[:n]))
	if _, err := strconv.Atoi(pid); err != nil {
		return "another process"
	}
	return "pid " + pid
}

// listenLocked creates the socket at path; the caller holds the lock.
func listenLocked(path string) (*Listener, error) {
	if err := removeStale(path); err != nil {
		return nil, err
	}
	ln, err := listenUnix(path)
	if err != nil {
		return nil, fmt.Errorf("listen on control socket: %w", err)
	}
	fi, err := secureSocket(path)
	if err != nil {
		ln.Close()
		os.Remove(path)
		return nil, err
	}
	return &Listener{
		path:         path,
		ln:           ln,
		sock:         fi,
		readTimeout:  ioTimeout,
		writeTimeout: ioTimeout,
		maxConns:     maxConns,
		maxWaits:     maxWaits,
		busyAfter:    busyAfter,
		touchEvery:   touchEvery,
	}, nil
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

// Path returns the socket's path.
func (l *Listener) Path() string { return l.path }

// Close stops accepting, removes the socket file if it is still the one Listen
// created (same inode), and releases the lock. The lock file itself stays: it
// is only ever locked, never trusted for its content. Close is idempotent.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.close() })
	return l.closeErr
}

func (l *Listener) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	var errs []error
	if fi, err := os.Lstat(l.path); err == nil && os.SameFile(fi, l.sock) && !os.SameFile(fi, l.inherited) {
		if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove control socket: %w", err))
		}
	}
	if err := l.ln.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close control socket: %w", err))
	}
	if err := l.lock.Close(); err != nil { // closing releases the flock
		errs = append(errs, fmt.Errorf("release lock: %w", err))
	}
	if l.watch != nil {
		l.watch.Close()
	}
	return errors.Join(errs...)
}

// touch refreshes the access and modification times of the socket and the lock
// file, so that runtime-directory cleaners (which remove files not accessed for
// 6 hours) leave them alone.
func (l *Listener) touch() error {
	l.mu.Lock()
	lock := l.lock.Name()
	l.mu.Unlock()
	now := time.Now()
	return errors.Join(os.Chtimes(l.path, now, now), os.Chtimes(lock, now, now))
}

// listener returns the current listening socket.
func (l *Listener) listener() *net.UnixListener {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ln
}

// isClosed reports whether Close was called.
func (l *Listener) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}
