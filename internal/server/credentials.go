package server

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/dump"
	"github.com/pizauth-go/pizauth/internal/secret"
)

// credentialTimeout bounds client_id_cmd and client_secret_cmd.
const credentialTimeout = 10 * time.Second

// needsCredentials reports whether ac has credential commands whose output
// is not known yet. Accounts hold the filled-in copy once they have run.
func needsCredentials(ac *config.Account) bool {
	return ac.ClientIDCmd != "" && ac.ClientID == "" || ac.ClientSecretCmd != "" && ac.ClientSecret.IsZero()
}

// resolveCredentials returns a copy of ac with the output of its credential
// commands filled in, or ac itself when there is nothing to run. It blocks:
// never call it with the lock held.
func (s *Server) resolveCredentials(ctx context.Context, ac *config.Account) (*config.Account, error) {
	if !needsCredentials(ac) {
		return ac, nil
	}
	c := *ac
	if ac.ClientIDCmd != "" && ac.ClientID == "" {
		v, err := s.credential(ctx, ac.Name, "client_id_cmd", ac.ClientIDCmd)
		if err != nil {
			return nil, err
		}
		c.ClientID = v
	}
	if ac.ClientSecretCmd != "" && ac.ClientSecret.IsZero() {
		v, err := s.credential(ctx, ac.Name, "client_secret_cmd", ac.ClientSecretCmd)
		if err != nil {
			return nil, err
		}
		c.ClientSecret = secret.String(v)
	}
	return &c, nil
}

// credential runs one credential command; its output, less a trailing
// newline, is the value. The output is never logged.
func (s *Server) credential(ctx context.Context, account, name, command string) (string, error) {
	out, err := s.output(ctx, s.log, name, command, []string{"PIZAUTH_ACCOUNT=" + account}, credentialTimeout)
	if err != nil {
		return "", fmt.Errorf("account %q: %s failed: %w", account, name, err)
	}
	v := strings.TrimSuffix(strings.TrimSuffix(string(out), "\n"), "\r")
	switch {
	case v == "":
		return "", fmt.Errorf("account %q: %s printed nothing", account, name)
	case strings.ContainsAny(v, "\r\n\x00"):
		return "", fmt.Errorf("account %q: %s printed more than one line (for pass, add | head -n 1)", account, name)
	}
	return v, nil
}

// startCredentialsLocked runs a's credential commands before authorising
// it; see prepareThenAuthoriseLocked. A failure is reported for this
// account only.
func (s *Server) startCredentialsLocked(a *account) error {
	ac := a.cfg
	return s.prepareThenAuthoriseLocked(a, func(ctx context.Context) (func(), error) {
		resolved, err := s.resolveCredentials(ctx, ac)
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
		if !needsCredentials(ac) {
			continue
		}
		resolved, err := s.resolveCredentials(ctx, ac)
		if err == nil {
			cfg.Accounts[i] = resolved
			continue
		}
		if ctx.Err() != nil {
			return // cancelled, not failed: the caller gives up
		}
		if old := running[ac.Name]; old != nil && !needsCredentials(old) &&
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
		if a := s.accounts[t.Name]; a != nil && needsCredentials(a.cfg) {
			need[a] = a.cfg
		}
	}
	s.mu.Unlock()
	for a, ac := range need {
		resolved, err := s.resolveCredentials(s.ctx, ac)
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
