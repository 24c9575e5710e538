package server

import (
	"context"
	"time"

	"github.com/pizauth-go/pizauth/internal/persist"
)

// Encrypted persistence (persist_file) is package persist's; the server
// tells it of every token change, and is its persist.Host.

// newPersister returns the server's persister, off until OpenPersistFile.
func (s *Server) newPersister() *persist.Persister {
	return persist.New(persist.Options{
		Host:   s,
		Logger: s.log,
		Output: s.hooks.Output,
		Go:     s.wg.Go, // Wait waits for the read back before Close
	})
}

// OpenPersistFile starts persistence for the running configuration: the
// file is read back in the background. The error says why persist_file
// cannot be used at all.
func (s *Server) OpenPersistFile() error {
	s.mu.Lock()
	settings := persist.SettingsOf(s.cfg)
	s.mu.Unlock()
	return s.persister.Configure(s.ctx, settings)
}

// reconfigurePersistFile follows a reload: a new persist_file, or one that
// could not be read so far, is read back; new recipients are written at
// once. A file that cannot be used is reported.
func (s *Server) reconfigurePersistFile() {
	if err := s.OpenPersistFile(); err != nil {
		s.mu.Lock()
		s.notifyErrorLocked("", err.Error()+"; the token state is not saved")
		s.mu.Unlock()
	}
}

// msgRestoring answers show and refresh for an account without a token
// while persist_file is being read back.
const msgRestoring = "Access token unavailable: the saved tokens are being restored from persist_file (persist_identity_cmd is running); try again shortly"

// heldBackLocked reports whether a request for a, which has no token, must
// not start an authorisation yet: persist_file, which may hold its token,
// is being read back. The user is not asked to log in for nothing, and show
// does not wait for persist_identity_cmd.
func (s *Server) heldBackLocked(a *account) bool {
	return a.phase == phaseNone && s.persister.Reading()
}

// ReadBackEnded wakes the requests that waited for the read-back (show
// --wait): they now answer with a restored token, or start a login.
func (s *Server) ReadBackEnded() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		a.wakeLocked()
	}
}

// dropSaveWait bounds how long revoke waits for persist_file to be
// written: a disk that takes longer is failing, and the persister, which
// retries, reports it.
const dropSaveWait = 3 * time.Second

// awaitDropSaved waits, dropSaveWait at most, until a token just revoked
// can no longer come back from persist_file: `pizauth revoke` that has
// answered is not undone by a crash or kill -9 right after it.
func (s *Server) awaitDropSaved(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, dropSaveWait)
	defer cancel()
	if err := s.persister.Flush(ctx); err != nil {
		s.log.Warn("revoke: persist_file not written yet; a crash now would bring the token back", "err", err)
	}
}

// tokenChangedLocked tells the persister of a token event.
func (s *Server) tokenChangedLocked(account, kind string) {
	if kind == eventRevoked || kind == eventInvalidated {
		s.persister.Dropped(account)
		return
	}
	s.persister.Changed()
}
