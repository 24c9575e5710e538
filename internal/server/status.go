package server

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl"
)

// statusTime is RFC 2822 in the local zone as the original's chrono writes
// it: the day of the month is not zero-padded ("Tue, 1 Jul 2003 10:52:37
// +0200"), unlike time.RFC1123Z.
const statusTime = "Mon, 2 Jan 2006 15:04:05 -0700"

// status describes every account, one line each, sorted as the original
// sorts them: by the whole line, not only by name.
func (s *Server) status() string {
	s.mu.Lock()
	t := now()
	lines := make([]string, 0, len(s.cfg.Accounts))
	for _, ac := range s.cfg.Accounts {
		lines = append(lines, ac.Name+": "+s.accounts[ac.Name].describeLocked(t)+"\n")
	}
	s.mu.Unlock()
	slices.Sort(lines)
	return strings.Join(lines, "")
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

// AccountStatus is one account in `pizauth status -j`. It never holds a
// secret: only states and times.
type AccountStatus struct {
	Name               string     `json:"name"`
	State              string     `json:"state"` // none, pending, active or expired
	Obtained           *time.Time `json:"obtained"`
	Expires            *time.Time `json:"expires"`
	LastRefreshAttempt *time.Time `json:"last_refresh_attempt"`
	LastNotification   *time.Time `json:"last_notification"`
	// RefreshTokenExpires is when the refresh token dies, when the
	// provider said (refresh_token_expires_in).
	RefreshTokenExpires *time.Time `json:"refresh_token_expires"`
	Flow                string     `json:"flow"` // code or device
	// LastError is the account's last failure, in the provider's words
	// where it gave any (redacted of the secrets sent), and when it was.
	LastError     *string    `json:"last_error"`
	LastErrorTime *time.Time `json:"last_error_time"`
}

// statusJSON describes every account as a JSON array sorted by name.
func (s *Server) statusJSON() ctl.Response {
	s.mu.Lock()
	list := make([]AccountStatus, 0, len(s.cfg.Accounts))
	t := now()
	for _, ac := range s.cfg.Accounts {
		list = append(list, s.accounts[ac.Name].statusLocked(t))
	}
	s.mu.Unlock()
	b, err := json.Marshal(list)
	if err != nil {
		return errorf("encoding status: %v", err)
	}
	return ok(string(b) + "\n")
}

// statusLocked is a's machine-readable status at t.
func (a *account) statusLocked(t time.Time) AccountStatus {
	st := AccountStatus{Name: a.cfg.Name, State: "none", Flow: flowName(a.cfg)}
	if a.lastError != "" {
		st.LastError, st.LastErrorTime = &a.lastError, timeOrNull(a.lastErrorAt)
	}
	switch a.phase {
	case phasePending:
		st.State = "pending"
		st.LastNotification = timeOrNull(a.pending.notified)
	case phaseActive:
		tok := a.token
		st.State = "active"
		if tok.expiredAt(t) {
			st.State = "expired"
		}
		st.Obtained, st.Expires = timeOrNull(tok.obtained), timeOrNull(tok.expiry)
		st.LastRefreshAttempt = timeOrNull(tok.lastAttempt)
		st.RefreshTokenExpires = timeOrNull(tok.refreshExpiry)
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

// timeOrNull is t in UTC to the second, or nil (JSON null) when zero.
func timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}
