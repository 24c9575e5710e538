package server

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/dump"
	"github.com/pizauth-go/pizauth/internal/oauth"
)

// dump answers with every active token, sealed (see package dump).
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
	s.mu.Unlock()
	return dump.Encode(tokens)
}

// largeRestore is the size of a restore after which the server collects
// its garbage and returns it to the OS at once: the daemon's GC tuning
// (internal/daemon/gctune.go) would otherwise keep the decoded copies mapped until the heap grows again.
const largeRestore = 1 << 20

// restore applies a dump: per account, only when the dumped security
// settings equal the running ones and the running account has no active
// token. A damaged dump changes nothing. Restores run one at a time, so
// that concurrent ones cost no more memory than one; one whose client hung
// up while it waited for its turn stops.
func (s *Server) restore(ctx context.Context, data []byte) ctl.Response {
	select {
	case s.restoreTurn <- struct{}{}:
		defer func() { <-s.restoreTurn }()
	case <-ctx.Done():
		return errorf("restore abandoned: %v", context.Cause(ctx))
	}
	if len(data) >= largeRestore {
		defer debug.FreeOSMemory()
	}
	tokens, err := s.decodeForRestore(data)
	if err != nil {
		return errorf("restore: %v", err)
	}
	restored := s.applyDump(tokens, nil)
	s.persister.Changed()
	return ok(fmt.Sprint(restored))
}

// decodeForRestore decodes a dump, keeping only the tokens of configured
// accounts (the first of each): the rest could never be restored.
func (s *Server) decodeForRestore(data []byte) ([]dump.Token, error) {
	s.mu.Lock()
	configured := make(map[string]bool, len(s.accounts))
	for name := range s.accounts {
		configured[name] = true
	}
	s.mu.Unlock()
	return dump.DecodeFor(data, func(name string) bool { return configured[name] })
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
