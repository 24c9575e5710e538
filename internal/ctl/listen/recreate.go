package listen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/pizauth-go/pizauth/internal/paths"
)

// Session managers remove a user's runtime directory at logout, even under
// a server that keeps running (lingering users, a server started from cron
// or another login). A server whose socket is gone is unreachable, and
// without its lock file a second server could start, so the listener puts
// both back: at once when inotify reports the removal, and otherwise at the
// hourly touch.

// watchDir re-creates the socket whenever the directory watch reports a
// removal, until ctx is done. Without a watch it returns and the hourly
// check in keepFresh remains.
func (l *Listener) watchDir(ctx context.Context, log *slog.Logger) {
	if l.watch == nil {
		return
	}
	stop := context.AfterFunc(ctx, func() { l.watch.Close() })
	defer stop()
	buf := make([]byte, 4096)
	for {
		if _, err := l.watch.Read(buf); err != nil {
			if ctx.Err() == nil {
				log.Debug("control socket: stopped watching the runtime directory", "err", err)
			}
			return
		}
		l.recreateIfGone(log)
	}
}

// recreateIfGone puts the socket and lock back if the socket file is no
// longer the one this listener created.
func (l *Listener) recreateIfGone(log *slog.Logger) {
	l.mu.Lock()
	sock, closed := l.sock, l.closed
	l.mu.Unlock()
	if fi, err := os.Lstat(l.path); closed || err == nil && os.SameFile(fi, sock) {
		return
	}
	err := l.recreate()
	if err != nil {
		log.Error("control socket: it was removed and cannot be re-created; clients cannot reach this server", "err", err)
	} else {
		log.Warn("control socket: re-created after it was removed", "path", l.path)
	}
	if l.testRecreated != nil {
		l.testRecreated(err)
	}
}

// recreate makes the directory, takes the lock and listens again, then
// swaps the new socket in; Serve's accept on the old one fails once
// it is closed and Serve moves on to the new one.
func (l *Listener) recreate() error {
	dir := filepath.Dir(l.path)
	if err := paths.EnsureDir(dir); err != nil {
		return err
	}
	if l.watch != nil {
		// The old directory's watch ended with it; watch the new one.
		addDirWatch(l.watchFD, dir)
	}
	lock, err := lockDir(dir)
	if errors.Is(err, ErrAlreadyRunning) {
		return fmt.Errorf("another server took over the runtime directory: %w", err)
	}
	if err != nil {
		return err
	}
	fresh, err := listenLocked(l.path)
	if err != nil {
		lock.Close()
		return err
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		fresh.ln.Close()
		os.Remove(l.path)
		lock.Close()
		return errors.New("listener closed meanwhile")
	}
	oldLn, oldLock := l.ln, l.lock
	l.ln, l.sock, l.lock = fresh.ln, fresh.sock, lock
	l.mu.Unlock()
	oldLn.Close()
	oldLock.Close()
	return nil
}
