package server

import (
	"fmt"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// dump answers with every active token, sealed (see dumpfmt.go).
func (s *Server) dump() ctl.Response {
	b, err := s.encodeState()
	if err != nil {
		return errorf("dump: %v", err)
	}
	return ok(string(b))
}

// encodeState returns every active token as a dump.
func (s *Server) encodeState() ([]byte, error) {
	s.mu.Lock()
	var tokens []dumpedToken
	for _, ac := range s.cfg.Accounts {
		a := s.accounts[ac.Name]
		if a.phase != phaseActive {
			continue
		}
		t := a.token
		tokens = append(tokens, dumpedToken{
			name: ac.Name, digest: ac.SecurityDigest(),
			access: t.access, refresh: t.refresh, obtained: t.obtained, expiry: t.expiry,
		})
	}
	s.mu.Unlock()
	return encodeDump(tokens)
}

// restore applies a dump: per account, only when the dumped security
// settings equal the running ones and the running account has no active
// token. A damaged dump changes nothing.
func (s *Server) restore(data []byte) ctl.Response {
	tokens, err := decodeDump(data)
	if err != nil {
		return errorf("restore: %v", err)
	}
	restored := s.applyDump(tokens)
	s.events.changed()
	return ok(fmt.Sprint(restored))
}

// applyDump makes the dumped tokens active where restore allows it and
// returns how many it restored.
func (s *Server) applyDump(tokens []dumpedToken) int {
	s.resolveForRestore(tokens)
	s.mu.Lock()
	defer s.mu.Unlock()
	restored := 0
	for _, t := range tokens {
		a := s.accounts[t.name]
		switch {
		case a == nil:
			s.log.Info("restore: skipping an account that is not configured", "account", t.name)
		case a.cfg.SecurityDigest() != t.digest:
			s.log.Info("restore: skipping an account whose security-relevant settings changed", "account", t.name)
		case a.phase == phaseActive:
			s.log.Info("restore: skipping an account that already has a token", "account", t.name)
		default:
			s.restoreLocked(a, t)
			restored++
		}
	}
	s.log.Info("restore applied", "restored", restored, "in_dump", len(tokens))
	return restored
}

// restoreLocked makes a dumped token a's active token.
func (s *Server) restoreLocked(a *account, t dumpedToken) {
	s.dropLocked(a)
	a.phase = phaseActive
	a.token = &activeToken{access: t.access, refresh: t.refresh, obtained: wall(t.obtained), expiry: wall(t.expiry)}
	s.scheduleTokenLocked(a)
}
