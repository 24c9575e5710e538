package server

import (
	"github.com/pizauth-go/pizauth/internal/dump"
	"github.com/pizauth-go/pizauth/internal/oauth"
)

// Snapshot is every active token, as a dump holds them.
func (s *Server) Snapshot() []dump.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	var tokens []dump.Token
	for _, ac := range s.cfg.Accounts {
		a := s.accounts[ac.Name]
		if a.phase != phaseActive {
			continue
		}
		t := a.token
		tokens = append(tokens, dump.Token{
			Name: ac.Name, Digest: ac.SecurityDigest(),
			Access: t.access, Refresh: t.refresh, Obtained: t.obtained, Expiry: t.expiry,
			RefreshExpiry: t.refreshExpiry, RefreshWarned: t.refreshWarned,
		})
	}
	return tokens
}

// Restore makes the dumped tokens active where restore allows it (see
// applyDump), returns how many it restored, and saves them to
// persist_file.
func (s *Server) Restore(tokens []dump.Token) int {
	restored := s.applyDump(tokens, nil)
	s.persister.Changed()
	return restored
}

// RestoreSaved makes the tokens read back from persist_file active, as
// Restore does, except for the accounts for which skip is true. It
// implements persist.Host.
func (s *Server) RestoreSaved(tokens []dump.Token, skip func(account string) bool) int {
	return s.applyDump(tokens, skip)
}

// applyDump makes the dumped tokens active where restore allows it, except
// for accounts for which skip (when not nil) is true, and returns how many
// it restored. Each skipped account is logged once.
func (s *Server) applyDump(tokens []dump.Token, skip func(account string) bool) int {
	s.resolveForRestore(tokens)
	s.mu.Lock()
	defer s.mu.Unlock()
	restored := 0
	skipped := make(map[string]string) // configured account -> why
	for _, t := range tokens {
		a := s.accounts[t.Name]
		switch {
		case a == nil:
			// removed by a reload since the dump was decoded
		case skip != nil && skip(t.Name):
			skipped[t.Name] = "its token was revoked or invalidated since the server started"
		case a.cfg.SecurityDigest() != t.Digest:
			skipped[t.Name] = "its security-relevant settings changed"
		case a.phase == phaseActive:
			skipped[t.Name] = "it already has a token"
		case oauth.ValidToken(t.Access.Reveal()) != nil || !t.Refresh.IsZero() && oauth.ValidToken(t.Refresh.Reveal()) != nil:
			skipped[t.Name] = "its token holds characters no provider may send (RFC 6749)"
		default:
			s.restoreLocked(a, t)
			restored++
		}
	}
	for name, why := range skipped {
		s.log.Info("restore: skipping an account: "+why, "account", name)
	}
	s.log.Info("restore applied", "restored", restored, "considered", len(tokens))
	return restored
}

// restoreLocked makes a dumped token a's active token.
func (s *Server) restoreLocked(a *account, t dump.Token) {
	s.dropLocked(a)
	a.phase = phaseActive
	a.token = &activeToken{access: t.Access, refresh: t.Refresh, obtained: wall(t.Obtained), expiry: wall(t.Expiry),
		refreshExpiry: wall(t.RefreshExpiry), refreshWarned: t.RefreshWarned, refreshIssued: wall(t.Obtained)}
	s.scheduleTokenLocked(a)
}
