package server

import (
	"strings"
	"time"
)

// statusTime is RFC 2822 in the local zone, as the original prints it.
const statusTime = time.RFC1123Z

// status describes every account, one line each, sorted by name.
func (s *Server) status() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	t := now()
	for _, ac := range s.cfg.Accounts {
		a := s.accounts[ac.Name]
		b.WriteString(ac.Name)
		b.WriteString(": ")
		b.WriteString(a.describeLocked(t))
		b.WriteByte('\n')
	}
	return b.String()
}

// describeLocked is a's status line without its name.
func (a *account) describeLocked(t time.Time) string {
	switch a.phase {
	case phasePending:
		if a.pending.notified.IsZero() {
			return "Access token pending authentication"
		}
		return "Access token pending authentication (last notification " + formatTime(a.pending.notified) + ")"
	case phaseActive:
		tok := a.token
		if !tok.expiredAt(t) {
			return "Active access token (obtained " + formatTime(tok.obtained) + "; expires " + formatTime(tok.expiry) + ")"
		}
		if tok.lastAttempt.IsZero() {
			return "Access token expired (refresh not yet attempted)"
		}
		return "Access token expired (last refresh attempt " + formatTime(tok.lastAttempt) + ")"
	}
	return "No access token"
}

func formatTime(t time.Time) string { return t.Local().Format(statusTime) }
