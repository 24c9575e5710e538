package control

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// AccountState is one account's state as status tells it: never a secret,
// only states and times (zero when there is none).
type AccountState struct {
	Name               string
	State              string // none, pending, active or expired
	Flow               string // code or device
	Obtained           time.Time
	Expires            time.Time
	LastRefreshAttempt time.Time
	LastNotification   time.Time
	// RefreshTokenExpires is when the refresh token dies, when the
	// provider said (refresh_token_expires_in).
	RefreshTokenExpires time.Time
	// LastError is the account's last failure, in the provider's words
	// where it gave any (redacted of the secrets sent), and when it was.
	LastError     string
	LastErrorTime time.Time
}

// statusTime is RFC 2822 in the local zone as the original's chrono writes
// it: the day of the month is not zero-padded ("Tue, 1 Jul 2003 10:52:37
// +0200"), unlike time.RFC1123Z.
const statusTime = "Mon, 2 Jan 2006 15:04:05 -0700"

// FormatTime is t as status writes it.
func FormatTime(t time.Time) string { return t.Local().Format(statusTime) }

// status describes every account, one line each, sorted as the original
// sorts them: by the whole line, not only by name.
func status(accounts []AccountState) string {
	lines := make([]string, 0, len(accounts))
	for _, st := range accounts {
		lines = append(lines, st.Name+": "+describe(st)+"\n")
	}
	slices.Sort(lines)
	return strings.Join(lines, "")
}

// describe is st's status line without its name.
func describe(st AccountState) string {
	switch st.State {
	case "pending":
		if st.LastNotification.IsZero() {
			return "Access token pending authentication"
		}
		return "Access token pending authentication (last notification " + FormatTime(st.LastNotification) + ")"
	case "active":
		return "Active access token (obtained " + FormatTime(st.Obtained) + "; expires " + FormatTime(st.Expires) + ")"
	case "expired":
		if st.LastRefreshAttempt.IsZero() {
			return "Access token expired (refresh not yet attempted)"
		}
		return "Access token expired (last refresh attempt " + FormatTime(st.LastRefreshAttempt) + ")"
	}
	return "No access token"
}

// AccountStatus is one account in `pizauth status -j`.
type AccountStatus struct {
	Name                string     `json:"name"`
	State               string     `json:"state"`
	Obtained            *time.Time `json:"obtained"`
	Expires             *time.Time `json:"expires"`
	LastRefreshAttempt  *time.Time `json:"last_refresh_attempt"`
	LastNotification    *time.Time `json:"last_notification"`
	RefreshTokenExpires *time.Time `json:"refresh_token_expires"`
	Flow                string     `json:"flow"`
	LastError           *string    `json:"last_error"`
	LastErrorTime       *time.Time `json:"last_error_time"`
}

// statusJSON describes every account as a JSON array sorted by name.
func statusJSON(accounts []AccountState) ctl.Response {
	list := make([]AccountStatus, 0, len(accounts))
	for _, st := range accounts {
		js := AccountStatus{Name: st.Name, State: st.State, Flow: st.Flow,
			Obtained: timeOrNull(st.Obtained), Expires: timeOrNull(st.Expires),
			LastRefreshAttempt: timeOrNull(st.LastRefreshAttempt), LastNotification: timeOrNull(st.LastNotification),
			RefreshTokenExpires: timeOrNull(st.RefreshTokenExpires)}
		if st.LastError != "" {
			js.LastError, js.LastErrorTime = &st.LastError, timeOrNull(st.LastErrorTime)
		}
		list = append(list, js)
	}
	b, err := json.Marshal(list)
	if err != nil {
		return errorf("encoding status: %v", err)
	}
	return ok(string(b) + "\n")
}

// timeOrNull is t in UTC to the second, or nil (JSON null) when zero.
func timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}
