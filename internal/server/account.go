package server

import (
	"context"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/secret"
)

// phase is where an account is in its life cycle.
type phase int

const (
	phaseNone    phase = iota // no token and no request under way
	phasePending              // an authorisation URL awaits the user
	phaseActive               // a token is held (it may have expired)
)

// account is one account's state. Every field is guarded by Server.mu.
type account struct {
	cfg *config.Account
	// gen is bumped by every change that makes in-flight work stale: a new
	// request, a new or dropped token, revoke, a reload that changes the
	// account. Slow work captures it and writes its result only if unchanged.
	gen   uint64
	phase phase
	// due is when the scheduler should next look at this account; zero when
	// nothing is due. The scheduler ignores heap entries that disagree.
	due     time.Time
	pending *pendingAuth
	token   *activeToken
	// changed, when not nil, is closed at the next change of phase or token
	// (resetLocked), and when a pending request's URL becomes known:
	// `show --wait` and a show awaiting its URL wait on it.
	changed chan struct{}
	// warnDue is when the refresh token's expiry warning is due; zero when
	// none is scheduled (see refreshwarn.go).
	warnDue time.Time
	// lastRefreshWarn is when the user was last warned of the account's
	// refresh token; zero since the last login.
	lastRefreshWarn time.Time
	// lastError is the last failure the user was told of, and when.
	lastError   string
	lastErrorAt time.Time
}

// pendingAuth is an authorisation request awaiting the user's login.
type pendingAuth struct {
	url         string
	state       string
	verifier    secret.String
	redirectURI string
	// pasteOnly is set when no listener can receive the redirect: the user
	// finishes the login with `pizauth complete`, which show's answer says.
	pasteOnly bool
	// notified is when the user was last told (auth_notify_cmd, or the log
	// without one); zero before the first time.
	notified time.Time
	// exchanging is set once the redirect arrived and the code is being
	// exchanged; the state can no longer be used.
	exchanging bool
	// Device flow only: url is the verification_uri; userCode and
	// notifyURL are "" until the device code arrives; cancel stops the
	// request and the polling.
	device    bool
	userCode  string
	notifyURL string // verification_uri_complete, else verification_uri
	cancel    context.CancelFunc
}

// replaceable reports whether a new request may replace p. Not while its
// code is being exchanged (the user has just logged in), nor while it is
// still being prepared (credential commands, discovery, the device code):
// nothing was notified yet and the notification is on its way.
func (p *pendingAuth) replaceable() bool {
	if p.device {
		return p.userCode != ""
	}
	return p.url != "" && !p.exchanging
}

// activeToken is a token obtained from the provider. Times are wall-clock
// times (no monotonic reading) so that suspend and clock changes are seen.
type activeToken struct {
	access   secret.String
	refresh  secret.String
	obtained time.Time
	expiry   time.Time
	// refreshing is true while a refresh request is under way (single flight).
	refreshing bool
	// failures counts consecutive transient refresh failures.
	failures    int
	lastAttempt time.Time
	// refreshExpiry is when the refresh token dies, when the provider said
	// (refresh_token_expires_in); zero when unknown. refreshIssued is when
	// that was learnt, and refreshWarned whether the user was warned.
	refreshIssued time.Time
	refreshExpiry time.Time
	refreshWarned bool
}

// wall strips the monotonic clock reading so that comparisons use wall-clock
// time, which keeps running while a laptop sleeps.
func wall(t time.Time) time.Time { return t.Round(0) }

// now is the current wall-clock time.
func now() time.Time { return wall(time.Now()) }

// resetLocked moves a to phase p, clearing what belongs to other phases and
// bumping the generation. The caller unregisters pending states.
func (a *account) resetLocked(p phase) {
	a.wakeLocked()
	if a.pending != nil && a.pending.cancel != nil {
		a.pending.cancel()
	}
	a.gen++
	a.phase = p
	a.pending = nil
	a.token = nil
	a.due = time.Time{}
}

// expiredAt reports whether the token is unusable at t.
func (t *activeToken) expiredAt(at time.Time) bool { return !at.Before(t.expiry) }

// recordErrorLocked remembers msg as a's last failure, for status -j and
// for a show awaiting the URL.
func (a *account) recordErrorLocked(msg string) {
	a.lastError, a.lastErrorAt = msg, now()
}

// wakeLocked wakes those waiting on changedLocked.
func (a *account) wakeLocked() {
	if a.changed != nil {
		close(a.changed)
		a.changed = nil
	}
}

// changedLocked returns a channel closed at a's next change.
func (a *account) changedLocked() <-chan struct{} {
	if a.changed == nil {
		a.changed = make(chan struct{})
	}
	return a.changed
}
