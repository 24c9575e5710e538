package server

import (
	"context"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// awaitURLFor bounds how long show and refresh wait for the authorisation
// URL of a request whose preparation (discovery, credential commands, the
// device code) is under way: long enough for a provider that answers, far
// shorter than a provider's 30 s timeout, which the background work still
// allows.
const awaitURLFor = 3 * time.Second

// awaitURL answers req with ask (show or refresh). When that answer is
// "pending" without the URL the client asked for, because the request is
// still being prepared, it waits (at most awaitURLFor, and never after
// the client hung up, which ends ctx) for the preparation to end, then
// answers with the URL, or with the error that ended the preparation.
// Without this, the first show after start of an account with an issuer
// printed no URL at all.
func (s *Server) awaitURL(ctx context.Context, req ctl.Request, ask func(name string, withURL bool) ctl.Response) ctl.Response {
	since := now() // before ask: a preparation may fail at once
	resp := ask(req.Account, req.WithURL)
	if !req.WithURL || resp.Kind != ctl.KindPending || resp.Payload != "" {
		return resp
	}
	timer := time.NewTimer(awaitURLFor)
	defer timer.Stop()
	for {
		s.mu.Lock()
		a := s.accounts[req.Account]
		if a == nil || !preparingLocked(a) {
			r := afterPreparedLocked(a, since, resp)
			s.mu.Unlock()
			return r
		}
		changed := a.changedLocked()
		s.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			return resp
		case <-ctx.Done():
			return resp
		}
	}
}

// preparingLocked reports whether a's pending request has no URL yet.
func preparingLocked(a *account) bool {
	if a.phase != phasePending {
		return false
	}
	if a.pending.device {
		return a.pending.userCode == ""
	}
	return a.pending.url == ""
}

// afterPreparedLocked is the answer once a's preparation has ended: the
// URL when a is pending, the failure the user was told of since since
// when the preparation failed, else the first answer.
func afterPreparedLocked(a *account, since time.Time, first ctl.Response) ctl.Response {
	switch {
	case a == nil:
		return first
	case a.phase == phasePending:
		return pendingResponse(a, true)
	case a.phase == phaseNone && a.lastError != "" && !a.lastErrorAt.Before(since):
		return errorf("%s", a.lastError)
	}
	return first
}
