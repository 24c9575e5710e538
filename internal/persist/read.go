package persist

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pizauth-go/pizauth/internal/dump"
)

// Configure takes the persist_* settings, at start and at every reload.
// For a file it has not read yet (at start, after a failed read, or a new
// persist_file) it checks the directory, removes temporary files an
// interrupted write left, and reads the file back in the background, so
// that nothing waits for persist_identity_cmd; until that succeeds the file
// is never written. The error says why the file cannot be used at all (an
// unsafe directory, not a regular file, another owner, too large); then it
// is neither read nor written until a later Configure succeeds. Settings
// for a file already read are written at once (the recipients may have
// changed). ctx bounds the read back.
func (p *Persister) Configure(ctx context.Context, s Settings) error {
	p.mu.Lock()
	same := s.File == p.settings.File
	p.settings = s
	switch {
	case s.File == "":
		p.state, p.dirty, p.dropped = fileOff, false, make(map[string]bool)
		p.gen++
		p.mu.Unlock()
		return p.holdLock("")
	case same && p.state == fileLoaded:
		p.dirty = true
		p.mu.Unlock()
		p.kick()
		return nil
	case same && p.state == fileReading:
		p.mu.Unlock()
		return nil // the read under way will do
	}
	p.gen++
	gen := p.gen
	p.state = fileUnread
	p.mu.Unlock()
	return p.open(ctx, gen, s)
}

// open checks, locks and reads s.File, then restores it in the background.
func (p *Persister) open(ctx context.Context, gen uint64, s Settings) error {
	dir := filepath.Dir(s.File)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("persist_file: %w", err)
	}
	if err := CheckDir(dir); err != nil {
		return fmt.Errorf("persist_file: %w", err)
	}
	if err := p.holdLock(s.File); err != nil {
		return fmt.Errorf("persist_file %q: %w", s.File, err)
	}
	RemoveStaleTemps(s.File, p.log)
	sealed, err := ReadFile(s.File)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.log.Info("persist_file does not exist yet: nothing to restore", "file", s.File)
		p.loaded(gen)
		return nil
	case err != nil:
		return fmt.Errorf("persist_file: %w", err)
	case s.IdentityCmd == "" && !Sealed(sealed):
		// It would be replaced at the first token change, unread: a
		// path mistyped as that of a file of the user's is not lost.
		return fmt.Errorf("persist_file %q exists and is not an age-encrypted file: refusing to overwrite it", s.File)
	case s.IdentityCmd == "":
		// Written but never read back: the user restores it by hand,
		// so it is not written before the first token change.
		p.log.Info("persist_file not restored: persist_identity_cmd is not set", "file", s.File)
		p.setState(gen, fileLoaded)
		return nil
	}
	p.setState(gen, fileReading)
	p.goFunc(func() { p.readBack(ctx, gen, s, sealed) })
	return nil
}

// setState sets the file's state unless the file changed since gen.
func (p *Persister) setState(gen uint64, st fileState) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen != gen {
		return false
	}
	p.state = st
	return true
}

// readBack restores sealed, the content of s.File. On success the file may
// be written again, and is at once with the merged state; on failure it is
// left alone and the user hears why.
func (p *Persister) readBack(ctx context.Context, gen uint64, s Settings, sealed []byte) {
	defer p.host.ReadBackEnded()
	n, err := p.restore(ctx, s, sealed)
	if err != nil {
		p.setState(gen, fileUnread)
		if ctx.Err() != nil {
			p.log.Info("persist_file not restored: the server is stopping", "file", s.File)
			return
		}
		p.host.ReportError(fmt.Sprintf("persist_file %q not restored: %v; it is not overwritten until it is: fix this, then run pizauth reload", s.File, err))
		return
	}
	if p.loaded(gen) {
		p.log.Info("token state restored from persist_file", "file", s.File, "restored", n)
	}
}

// loaded records that the file may be written now, unless it changed
// since gen, and has it written at once: it then holds the current state,
// and a file that cannot be written is reported now rather than at the
// first token change.
func (p *Persister) loaded(gen uint64) bool {
	if !p.setState(gen, fileLoaded) {
		return false
	}
	p.changed("")
	return true
}

// restore decrypts sealed with the identity persist_identity_cmd prints and
// gives it to the host, which skips the accounts dropped since start: a
// revoke that happened while the command ran is not undone.
func (p *Persister) restore(ctx context.Context, s Settings, sealed []byte) (int, error) {
	identity, err := p.output(ctx, p.log, "persist_identity_cmd", s.IdentityCmd, nil, identityTimeout)
	if err != nil {
		return 0, fmt.Errorf("persist_identity_cmd: %w", err)
	}
	state, err := Open(sealed, identity)
	clear(identity) // the identity's text need not linger in memory
	if err != nil {
		return 0, err
	}
	tokens, err := dump.DecodeNamed(state, p.host.Names())
	if err != nil {
		return 0, err
	}
	return p.host.RestoreSaved(tokens, p.droppedSinceWrite), nil
}

// droppedSinceWrite reports whether account's token was dropped since the
// last write; Host.RestoreSaved calls it with its lock held.
func (p *Persister) droppedSinceWrite(account string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped[account]
}

// holdLock makes the lock held that of file ("": none), taking it if it is
// not held yet and releasing that of any other file. A file whose lock
// another server holds is neither read nor written: its lock is not held.
func (p *Persister) holdLock(file string) error {
	p.mu.Lock()
	old, oldFile := p.lock, p.lockedFile
	p.mu.Unlock()
	if old != nil && oldFile == file {
		return nil
	}
	var f *os.File
	var err error
	if file != "" {
		f, err = lockFile(file)
	}
	p.mu.Lock()
	p.lock, p.lockedFile = f, ""
	if f != nil {
		p.lockedFile = file
	}
	p.mu.Unlock()
	if old != nil {
		old.Close() // releases its lock
	}
	return err
}
