package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/persist"
)

// Reload re-reads the configuration file, as `pizauth reload` and SIGHUP
// ask. A broken file changes nothing and is the error.
//
// Reloads run one at a time, whether asked for by a client or by SIGHUP:
// a slow one (a credential command that takes seconds) must not finish
// after a later one and install the older file. Each reads the file once
// it has its turn, so the last one asked for installs the newest file.
func (s *Server) Reload(ctx context.Context) error {
	select {
	case s.reloadTurn <- struct{}{}:
		defer func() { <-s.reloadTurn }()
	case <-ctx.Done():
		return fmt.Errorf("reload abandoned: %w", context.Cause(ctx))
	case <-s.ctx.Done():
		return errors.New("reload abandoned: the server is shutting down")
	}
	s.notifier.Reloading()
	defer s.notifier.Reloaded()
	cfg, err := LoadConfig(s.configPath)
	if err != nil {
		s.log.Error("reload refused: the configuration is invalid", "err", err)
		return err
	}
	s.mu.Lock()
	running := make(map[string]*config.Account, len(s.accounts))
	for name, a := range s.accounts {
		running[name] = a.cfg
	}
	s.mu.Unlock()
	s.resolveAll(s.ctx, cfg, running)
	if s.ctx.Err() != nil {
		// The shutdown cancelled credential commands: the file was not
		// read whole, and nothing should change now anyway.
		return errors.New("reload abandoned: the server is shutting down")
	}
	s.mu.Lock()
	s.applyConfigLocked(cfg)
	s.mu.Unlock()
	s.log.Info("configuration reloaded", "accounts", len(cfg.Accounts))
	s.reconfigurePersistFile() // persist_file and its recipients may have changed
	return nil
}

// LoadConfig reads the configuration file at path and checks it whole, as
// the server does at start and on reload: package config checks all but
// the age recipients, which package persist checks.
func LoadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	if err := persist.CheckRecipients(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// applyConfigLocked swaps cfg in. Accounts whose security-relevant settings
// are unchanged keep their state; changed and removed accounts lose it.
func (s *Server) applyConfigLocked(cfg *config.Config) {
	if cfg.HTTPListen != s.cfg.HTTPListen || cfg.HTTPSListen != s.cfg.HTTPSListen ||
		cfg.HTTPListenDefault != s.cfg.HTTPListenDefault || cfg.HTTPSListenDefault != s.cfg.HTTPSListenDefault {
		s.log.Warn("http_listen and https_listen changes take effect when the server restarts")
	}
	old := s.accounts
	s.accounts = make(map[string]*account, len(cfg.Accounts))
	s.cfg = cfg
	for _, ac := range cfg.Accounts {
		a := old[ac.Name]
		if a == nil || !a.cfg.SameSecurity(ac) {
			s.accounts[ac.Name] = &account{cfg: ac}
			continue
		}
		delete(old, ac.Name)
		a.cfg = ac
		s.accounts[ac.Name] = a
		s.rescheduleLocked(a)
	}
	for name, a := range old {
		had := a.phase == phaseActive
		s.dropLocked(a)
		if had {
			s.emitLocked(name, eventInvalidated)
		}
	}
}

// rescheduleLocked recomputes a's due time after its timing settings may
// have changed.
func (s *Server) rescheduleLocked(a *account) {
	switch {
	case a.phase == phasePending && !a.pending.notified.IsZero():
		s.scheduleLocked(a, a.pending.notified.Add(max(s.cfg.AuthNotifyInterval, minInterval)))
	case a.phase == phaseActive && !a.token.refreshing && a.token.failures == 0:
		s.scheduleTokenLocked(a)
	}
}
