package persist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/pizauth-go/pizauth/internal/dump"
)

// save writes the state if it changed since the last write and the file
// may be written. A failure is reported once until a write succeeds again;
// when the state that could not be written drops a token, the old file is
// removed (and that reported too), so that a restart cannot bring the
// token back.
func (p *Persister) save() error {
	p.mu.Lock()
	if p.state != fileLoaded || !p.dirty {
		p.mu.Unlock()
		return nil
	}
	s, dropped, upto := p.settings, p.dropped, p.changes
	p.dirty, p.dropped = false, make(map[string]bool)
	p.mu.Unlock()

	err := p.writeState(s)
	p.mu.Lock()
	if err == nil {
		p.writtenLocked(upto)
		recovered := p.failing
		p.failing = false
		p.mu.Unlock()
		if recovered {
			p.log.Info("token state saved to persist_file again", "file", s.File)
		}
		p.log.Debug("token state saved to persist_file", "file", s.File)
		return nil
	}
	p.dirty = true
	removed := len(dropped) > 0 && p.removeLocked(s.File)
	if removed {
		p.writtenLocked(upto) // what was dropped cannot come back
	} else {
		for name := range dropped {
			p.dropped[name] = true
		}
	}
	first := !p.failing
	p.failing = true
	p.mu.Unlock()
	if first || removed {
		p.host.ReportError(failureMessage(s.File, err, removed))
	}
	return err
}

// writeState seals the host's state and writes it to file.
func (p *Persister) writeState(s Settings) error {
	state, err := dump.Encode(p.host.Snapshot())
	if err != nil {
		return err
	}
	sealed, err := Seal(state, s.Recipients)
	if err != nil {
		return err
	}
	if len(sealed) > MaxFile {
		// It could never be read back, and so never be overwritten.
		return fmt.Errorf("the sealed token state is %d bytes, more than the %d that can be read back", len(sealed), MaxFile)
	}
	return p.write(s.File, sealed)
}

// removeLocked removes file, which holds a token that was dropped since,
// and reports whether it is gone.
func (p *Persister) removeLocked(file string) bool {
	err := os.Remove(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		p.log.Error("persist_file holds a revoked or invalidated token and cannot be removed", "file", file, "err", err)
		return false
	}
	return true
}

func failureMessage(file string, err error, removed bool) string {
	msg := fmt.Sprintf("cannot save the token state to persist_file %q (retrying): %v", file, err)
	if removed {
		msg += "; the old file was removed so that a revoked or invalidated token cannot come back"
	}
	return msg
}
