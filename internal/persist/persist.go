// Package persist keeps the server's token state across restarts in a file
// encrypted with age (persist_file). It writes the state after every
// change, atomically, retrying failures, and once more when the server
// stops; it reads the file back at start with the identity that
// persist_identity_cmd prints. The state is the host's active tokens, in
// the format of package dump.
//
// Two rules keep tokens from being lost or coming back: a file that exists
// is never overwritten before it has been read successfully (a locked
// password manager at start must not wipe the saved tokens), and when a
// write that drops a token (revoke, invalidation) fails, the old file is
// removed, so that a restart cannot bring that token back. A third keeps
// them from being overwritten by another server: one server at a time uses
// a file (see lockFile).
package persist

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/dump"
	"github.com/pizauth-go/pizauth/internal/shellcmd"
)

const (
	// identityTimeout bounds persist_identity_cmd, which may wait for a
	// hardware key to be touched or a password manager to be unlocked.
	identityTimeout = 2 * time.Minute
	// A failed write is retried after retryFirst, doubling up to retryMax.
	retryFirst = time.Second
	retryMax   = time.Minute
	// closeTries bounds the final write at shutdown, closeDelay apart.
	closeTries = 3
	closeDelay = 200 * time.Millisecond
)

// Settings are the persist_* options.
type Settings struct {
	File        string // "" when persistence is off
	Recipients  []string
	IdentityCmd string
}

// SettingsOf returns cfg's persist_* options.
func SettingsOf(cfg *config.Config) Settings {
	return Settings{File: cfg.PersistFile, Recipients: cfg.PersistRecipients, IdentityCmd: cfg.PersistIdentityCmd}
}

// Host is the server as the persister sees it. Its methods may be called
// with the host's own lock not held, and call Changed, Dropped and skip
// with it held.
type Host interface {
	// Snapshot returns every active token.
	Snapshot() []dump.Token
	// Names are the configured accounts' names: the tokens of others are
	// not read back.
	Names() []string
	// RestoreSaved makes tokens read back active, except those of the
	// accounts for which skip is true, and returns how many it restored.
	RestoreSaved(tokens []dump.Token, skip func(account string) bool) int
	// ReportError tells the user of a failure (error_notify_cmd).
	ReportError(msg string)
	// ReadBackEnded says that the read-back has ended, restored or not:
	// Reading is false from then on.
	ReadBackEnded()
}

// OutputFunc runs a user command for its output; shellcmd.Output is one.
type OutputFunc func(ctx context.Context, log *slog.Logger, name, command string, env []string, timeout time.Duration) ([]byte, error)

// Options configure a Persister.
type Options struct {
	Host   Host
	Logger *slog.Logger
	Output OutputFunc                           // runs persist_identity_cmd; nil: shellcmd.Output
	Write  func(path string, data []byte) error // nil: WriteFileAtomic
	// Go runs the read back in the background, among the host's own
	// work, so that what it starts (ReportError) is waited for with the
	// rest; nil: a goroutine that Close waits for.
	Go func(f func())
}

// fileState is what the persister knows of the configured file.
type fileState int

const (
	fileOff     fileState = iota // no persist_file
	fileUnread                   // it exists and could not be read: never written
	fileReading                  // being read back: not written yet
	fileLoaded                   // read back, or missing: written after changes
)

// Persister writes the token state to persist_file after every change.
type Persister struct {
	host   Host
	log    *slog.Logger
	output OutputFunc
	write  func(path string, data []byte) error
	goFunc func(f func())
	wake   chan struct{}  // buffered 1: something may need writing
	wg     sync.WaitGroup // background work started without Options.Go

	mu       sync.Mutex // guards the fields below
	settings Settings
	gen      uint64 // bumped when the file changes: late reads are ignored
	state    fileState
	dirty    bool            // a change is not on disk yet
	changes  uint64          // bumped by every change
	written  uint64          // how many of changes are on disk, or can no longer come back
	saved    chan struct{}   // closed and replaced when written grows or Run stops
	stopped  bool            // Run has returned: Close writes what is left
	dropped  map[string]bool // accounts whose token was dropped since the last write
	failing  bool            // the last write failed (and was reported)
	lock     *os.File        // the lock of lockedFile (see lockFile), or nil
	// lockedFile is the persist_file whose lock is held. Only Configure
	// and Close, which are never called at once, change lock and it.
	lockedFile string
}

// New returns a persister with persistence off until Configure.
func New(o Options) *Persister {
	p := &Persister{host: o.Host, log: o.Logger, output: o.Output, write: o.Write, goFunc: o.Go,
		wake: make(chan struct{}, 1), dropped: make(map[string]bool), saved: make(chan struct{})}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.output == nil {
		p.output = shellcmd.Output
	}
	if p.write == nil {
		p.write = WriteFileAtomic
	}
	if p.goFunc == nil {
		p.goFunc = p.wg.Go
	}
	return p
}

// Changed records that the token state changed; it never blocks.
func (p *Persister) Changed() { p.changed("") }

// Dropped records that account's token was dropped (revoked or
// invalidated): until that is on disk, the old file must not be restored.
func (p *Persister) Dropped(account string) { p.changed(account) }

func (p *Persister) changed(dropped string) {
	p.mu.Lock()
	if dropped != "" {
		p.dropped[dropped] = true
	}
	p.dirty = true
	p.changes++
	p.mu.Unlock()
	p.kick()
}

// Flush waits until every change recorded before it is on disk, or at
// least can no longer be undone by a restart (the old file was removed
// because the write failed), or until ctx is done. It does not wait while
// the file is not written: persistence off, the file not read back yet
// (the read back skips the accounts dropped meanwhile), or Run stopped
// (the server is stopping, and Close writes the last changes).
func (p *Persister) Flush(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	target := p.changes
	for p.state == fileLoaded && p.written < target && !p.stopped {
		saved := p.saved
		p.mu.Unlock()
		select {
		case <-saved:
		case <-ctx.Done():
			p.mu.Lock()
			return context.Cause(ctx)
		}
		p.mu.Lock()
	}
	return nil
}

// writtenLocked records that the changes up to upto are on disk, and wakes
// Flush.
func (p *Persister) writtenLocked(upto uint64) {
	if upto > p.written {
		p.written = upto
		p.wakeFlushLocked()
	}
}

// stop records that Run has returned, and wakes Flush.
func (p *Persister) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	p.wakeFlushLocked()
}

func (p *Persister) wakeFlushLocked() {
	close(p.saved)
	p.saved = make(chan struct{})
}

// Reading reports whether the file is being read back.
func (p *Persister) Reading() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state == fileReading
}

// kick wakes Run.
func (p *Persister) kick() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run writes the state after changes until ctx is done; a failed write is
// retried with a growing delay. Call Close once everything that changes
// tokens has stopped: it writes what Run had no time to.
func (p *Persister) Run(ctx context.Context) {
	var delay time.Duration
	retry := time.NewTimer(0)
	<-retry.C
	defer retry.Stop()
	defer p.stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-retry.C:
		}
		if err := p.save(); err != nil {
			delay = min(max(2*delay, retryFirst), retryMax)
			retry.Reset(delay)
			continue
		}
		delay = 0
	}
}

// Close waits for a read back under way (its context should be done; with
// Options.Go the host waits for it before) and writes the last changes,
// trying a few times.
func (p *Persister) Close() {
	p.wg.Wait()
	for i := range closeTries {
		if i > 0 {
			time.Sleep(closeDelay)
		}
		if p.save() == nil {
			p.holdLock("")
			return
		}
	}
	p.log.Error("persist_file: the last token changes could not be saved before the server stopped")
	p.holdLock("")
}
