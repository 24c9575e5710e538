package server

import (
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/control"
)

// Status is every account's state, in the configuration's order.
func (s *Server) Status() []control.AccountState {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]control.AccountState, 0, len(s.cfg.Accounts))
	t := now()
	for _, ac := range s.cfg.Accounts {
		list = append(list, s.accounts[ac.Name].stateLocked(t))
	}
	return list
}

// stateLocked is a's state at t.
func (a *account) stateLocked(t time.Time) control.AccountState {
	st := control.AccountState{Name: a.cfg.Name, State: "none", Flow: flowName(a.cfg)}
	st.LastError, st.LastErrorTime = a.lastError, a.lastErrorAt
	switch a.phase {
	case phasePending:
		st.State = "pending"
		st.LastNotification = a.pending.notified
	case phaseActive:
		tok := a.token
		st.State = "active"
		if tok.expiredAt(t) {
			st.State = "expired"
		}
		st.Obtained, st.Expires, st.LastRefreshAttempt = tok.obtained, tok.expiry, tok.lastAttempt
		st.RefreshTokenExpires = tok.refreshExpiry
	}
	return st
}

// flowName is the account's grant: "code" or "device".
func flowName(ac *config.Account) string {
	if ac.AuthFlow == config.FlowDevice {
		return config.FlowDevice
	}
	return config.FlowCode
}

// Names are the configured accounts' names.
func (s *Server) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.accounts))
	for name := range s.accounts {
		names = append(names, name)
	}
	return names
}
