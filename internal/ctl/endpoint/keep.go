package endpoint

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pizauth-go/pizauth/internal/paths"
)

// Session managers remove a user's runtime directory at logout, even under
// a server that keeps running (lingering users, a server started from cron
// or another login). A server whose socket is gone is unreachable, and
// without its lock file a second server could start, so Keep puts both
// back: at once when inotify reports the removal, and otherwise at the
// hourly touch.

// Keep looks after the directory until ctx is done: it touches the socket
// and lock file every hour, so that runtime-directory cleaners (which remove
// files not accessed for 6 hours) leave them alone, and re-creates them
// when they are removed, logging what it did. log may be nil.
func (d *Dir) Keep(ctx context.Context, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { d.watchDir(ctx, log) })
	t := time.NewTicker(touchEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.recreateIfGone(log)
			if err := d.touch(); err != nil {
				log.Warn("control socket: cannot refresh timestamps", "err", err)
			}
		}
	}
}

// touch refreshes the access and modification times of the socket and the
// lock file.
func (d *Dir) touch() error {
	d.mu.Lock()
	lock := d.lock.Name()
	d.mu.Unlock()
	now := time.Now()
	return errors.Join(os.Chtimes(d.path, now, now), os.Chtimes(lock, now, now))
}

// watchDir re-creates the socket whenever the directory watch reports a
// removal, until ctx is done. Without a watch it returns and the hourly
// check in Keep remains.
func (d *Dir) watchDir(ctx context.Context, log *slog.Logger) {
	if d.watch == nil {
		return
	}
	stop := context.AfterFunc(ctx, func() { d.watch.Close() })
	defer stop()
	buf := make([]byte, 4096)
	for {
		if _, err := d.watch.Read(buf); err != nil {
			if ctx.Err() == nil {
				log.Debug("control socket: stopped watching the runtime directory", "err", err)
			}
			return
		}
		d.recreateIfGone(log)
	}
}

// Messages of re-creation, which tests wait for.
const (
	msgRecreated    = "control socket: re-created after it was removed"
	msgNotRecreated = "control socket: it was removed and cannot be re-created; clients cannot reach this server"
)

// recreateIfGone puts the socket and lock back if the socket file is no
// longer the one this Dir created, or the lock file no longer the one it
// holds: without its lock file, a second server would start and take the
// socket over.
func (d *Dir) recreateIfGone(log *slog.Logger) {
	// The hourly check and the watch may both find it gone.
	d.recreating.Lock()
	defer d.recreating.Unlock()
	d.mu.Lock()
	sock, done := d.sock, d.closed || d.stopping
	d.mu.Unlock()
	if done {
		return
	}
	if fi, err := os.Lstat(d.path); err == nil && os.SameFile(fi, sock) && d.lockInPlace() {
		return
	}
	if err := d.recreate(); err != nil {
		log.Error(msgNotRecreated, "err", err)
	} else {
		log.Warn(msgRecreated, "path", d.path)
	}
}

// recreate makes the directory, takes the lock and listens again, then
// swaps the new socket in; Server.Serve's accept on the old one fails once
// it is closed and Serve moves on to the new one.
func (d *Dir) recreate() error {
	// The runtime directory holds the lock; a socket that the service
	// manager passed may be elsewhere.
	d.mu.Lock()
	dir := filepath.Dir(d.lock.Name())
	d.mu.Unlock()
	for _, dir := range []string{filepath.Dir(d.path), dir} {
		if err := paths.EnsureDir(dir); err != nil {
			return err
		}
		if d.watch != nil {
			// The old directory's watch ended with it; watch the new one.
			addDirWatch(d.watchFD, dir)
		}
	}
	// The lock we hold is kept while its file is still there: a lock of
	// ours taken again through another open file would be refused.
	var lock *os.File
	if !d.lockInPlace() {
		var err error
		lock, err = lockDir(dir, 0)
		if errors.Is(err, ErrAlreadyRunning) {
			return fmt.Errorf("another server took over the runtime directory: %w", err)
		}
		if err != nil {
			return err
		}
	}
	ln, fi, err := listenLocked(d.path)
	if err != nil {
		closeIfSet(lock)
		return err
	}
	d.mu.Lock()
	if d.closed || d.stopping {
		d.mu.Unlock()
		ln.Close()
		// Unless a server started since Close has replaced it.
		if cur, err := os.Lstat(d.path); err == nil && os.SameFile(cur, fi) {
			os.Remove(d.path)
		}
		closeIfSet(lock)
		return errors.New("closed meanwhile")
	}
	oldLn, oldLock := d.ln, d.lock
	d.ln, d.sock = ln, fi
	if lock != nil {
		d.lock = lock
	}
	d.mu.Unlock()
	oldLn.Close()
	if lock != nil {
		oldLock.Close()
	}
	return nil
}

// lockInPlace reports whether the lock file in the directory is still the
// one whose lock this Dir holds.
func (d *Dir) lockInPlace() bool {
	d.mu.Lock()
	lock := d.lock
	d.mu.Unlock()
	held, err := lock.Stat()
	if err != nil {
		return false
	}
	fi, err := os.Lstat(lock.Name())
	return err == nil && os.SameFile(fi, held)
}

// closeIfSet closes f unless it is nil.
func closeIfSet(f *os.File) {
	if f != nil {
		f.Close()
	}
}
