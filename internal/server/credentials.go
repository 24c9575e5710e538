package server

import (
	"context"
	"fmt"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/dump"
	"github.com/pizauth-go/pizauth/internal/hooks"
)

// startCredentialsLocked runs a's credential commands before authorising
// it; see prepareThenAuthoriseLocked. A failure is reported for this
// account only.
func (s *Server) startCredentialsLocked(a *account) error {
	ac := a.cfg
	return s.prepareThenAuthoriseLocked(a, func(ctx context.Context) (func(), error) {
		resolved, err := s.hooks.Credentials(ctx, ac)
		return func() { a.cfg = resolved }, err
	})
}

// resolveAll fills in the credentials of cfg's accounts that have
// commands, for reload: a command that fails leaves its account as it was
// configured (an error is reported), unless the running account has the
// same command, whose earlier output is then kept so that a password
// manager that is briefly unavailable costs no token. It blocks; once ctx
// is done it stops, reporting nothing.
func (s *Server) resolveAll(ctx context.Context, cfg *config.Config, running map[string]*config.Account) {
	for i, ac := range cfg.Accounts {
		if !hooks.NeedsCredentials(ac) {
			continue
		}
		resolved, err := s.hooks.Credentials(ctx, ac)
		if err == nil {
			cfg.Accounts[i] = resolved
			continue
		}
		if ctx.Err() != nil {
			return // cancelled, not failed: the caller gives up
		}
		if old := running[ac.Name]; old != nil && !hooks.NeedsCredentials(old) &&
			old.ClientIDCmd == ac.ClientIDCmd && old.ClientSecretCmd == ac.ClientSecretCmd {
			kept := *ac
			if ac.ClientIDCmd != "" {
				kept.ClientID = old.ClientID
			}
			if ac.ClientSecretCmd != "" {
				kept.ClientSecret = old.ClientSecret
			}
			cfg.Accounts[i] = &kept
		}
		s.mu.Lock()
		s.notifyErrorLocked(ac.Name, fmt.Sprintf("reload: %v", err))
		s.mu.Unlock()
	}
}

// resolveForRestore runs the credential commands of the accounts a dump
// names, so that their digests can be compared. It blocks.
func (s *Server) resolveForRestore(tokens []dump.Token) {
	s.mu.Lock()
	need := make(map[*account]*config.Account)
	for _, t := range tokens {
		if a := s.accounts[t.Name]; a != nil && hooks.NeedsCredentials(a.cfg) {
			need[a] = a.cfg
		}
	}
	s.mu.Unlock()
	for a, ac := range need {
		resolved, err := s.hooks.Credentials(s.ctx, ac)
		if err != nil {
			s.log.Warn("restore: cannot compare the account's settings", "account", ac.Name, "err", err)
			continue
		}
		s.mu.Lock()
		if s.accounts[ac.Name] == a && a.cfg == ac {
			a.cfg = resolved
		}
		s.mu.Unlock()
	}
}
