package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"filippo.io/age"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/shellcmd"
)

// Encrypted persistence (persist_file): after every token change the state
// that dump gives is encrypted with age to persist_recipients and written
// atomically to persist_file; at start it is decrypted with the identity
// persist_identity_cmd prints and applied like restore. Without persist_file
// nothing touches the disk.

const (
	// maxPersisted bounds what is read back from persist_file, sealed or
	// not: dumps of even thousands of accounts are far smaller.
	maxPersisted = 16 << 20
	// identityTimeout bounds persist_identity_cmd, which may wait for a
	// hardware key to be touched or a password manager to be unlocked.
	identityTimeout = 2 * time.Minute
)

var errNoIdentity = errors.New("no persist_identity_cmd")

// persistLoop saves the token state whenever a token changes, until ctx is
// done. Changes that happen while it writes are coalesced into one more
// write, which reads the state afresh.
func (s *Server) persistLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.events.tokens:
		}
		if file, err := s.persist(); err != nil {
			s.log.Warn("cannot save the token state to persist_file", "file", file, "err", err)
		}
	}
}

// persist writes the token state to persist_file, if one is configured,
// and returns its name.
func (s *Server) persist() (string, error) {
	s.mu.Lock()
	file, recipients := s.cfg.PersistFile, s.cfg.PersistRecipients
	s.mu.Unlock()
	if file == "" {
		return "", nil
	}
	data, err := s.encodeState()
	if err != nil {
		return file, err
	}
	sealed, err := seal(data, recipients)
	if err != nil {
		return file, err
	}
	if err := writeFileAtomic(file, sealed); err != nil {
		return file, err
	}
	s.log.Debug("token state saved to persist_file", "file", file)
	return file, nil
}

// seal encrypts data with age to recipients.
func seal(data []byte, recipients []string) ([]byte, error) {
	recs := make([]age.Recipient, len(recipients))
	for i, r := range recipients {
		rec, err := config.ParseRecipient(r)
		if err != nil {
			return nil, fmt.Errorf("persist_recipients %q: %w", r, err)
		}
		recs[i] = rec
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recs...)
	if err != nil {
		return nil, fmt.Errorf("age: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("age: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("age: %w", err)
	}
	return buf.Bytes(), nil
}

// restorePersisted applies the token state in persist_file, when there is
// one that persist_identity_cmd's identity decrypts. Any failure is logged
// and ignored: a corrupt or foreign file never stops the server.
func (s *Server) restorePersisted(ctx context.Context) {
	s.mu.Lock()
	file, identityCmd := s.cfg.PersistFile, s.cfg.PersistIdentityCmd
	s.mu.Unlock()
	if file == "" {
		return
	}
	n, err := s.loadPersisted(ctx, file, identityCmd)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.log.Info("persist_file does not exist yet: nothing to restore", "file", file)
	case errors.Is(err, errNoIdentity):
		s.log.Info("persist_file not restored: persist_identity_cmd is not set", "file", file)
	case err != nil:
		s.log.Warn("persist_file ignored: cannot restore the token state from it", "file", file, "err", err)
	default:
		s.log.Info("token state restored from persist_file", "file", file, "restored", n)
	}
}

// loadPersisted decrypts persist_file and applies it like restore.
func (s *Server) loadPersisted(ctx context.Context, file, identityCmd string) (int, error) {
	sealed, err := readLimited(file)
	if err != nil {
		return 0, err
	}
	if identityCmd == "" {
		return 0, errNoIdentity
	}
	out, err := shellcmd.Output(ctx, s.log, "persist_identity_cmd", identityCmd, nil, identityTimeout)
	if err != nil {
		return 0, fmt.Errorf("persist_identity_cmd: %w", err)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(out))
	clear(out) // the identity's text need not linger in memory
	if err != nil {
		return 0, fmt.Errorf("persist_identity_cmd did not print an age identity: %w", err)
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), ids...)
	if err != nil {
		return 0, fmt.Errorf("decrypting: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxPersisted))
	if err != nil {
		return 0, fmt.Errorf("decrypting: %w", err)
	}
	tokens, err := decodeDump(data)
	if err != nil {
		return 0, err
	}
	return s.applyDump(tokens), nil
}

// readLimited reads a file of at most maxPersisted bytes.
func readLimited(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPersisted+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxPersisted {
		return nil, fmt.Errorf("larger than %d bytes: not a pizauth state file", maxPersisted)
	}
	return data, nil
}
