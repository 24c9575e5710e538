package server

import (
	"context"
	"time"

	"github.com/pizauth-go/pizauth/internal/control"
)

// awaitURLFor bounds how long show and refresh wait for the authorisation
// URL of a request whose preparation (discovery, credential commands, the
// device code) is under way: long enough for a provider that answers, far
// shorter than a provider's 30 s timeout, which the background work still
// allows.
const awaitURLFor = 3 * time.Second

// awaitURL answers with ask (show or refresh). When that answer is
// "pending" without the URL the client asked for, because the request is
// still being prepared, it waits (at most awaitURLFor, and never after
// the client hung up, which ends ctx) for the preparation to end, then
// answers with the URL, or with the error that ended the preparation.
// Without this, the first show after start of an account with an issuer
// printed no URL at all.
func (s *Server) awaitURL(ctx context.Context, name string, wantURL bool, ask func() (control.Answer, error)) (control.Answer, error) {
	since := now() // before ask: a preparation may fail at once
	first, err := ask()
	if !wantURL || err != nil || first.Kind != control.Pending || first.URL != "" {
		return first, err
	}
	timer := time.NewTimer(awaitURLFor)
	defer timer.Stop()
	for {
		s.mu.Lock()
		a := s.accounts[name]
		if a == nil || !preparingLocked(a) {
			answer, err := afterPreparedLocked(a, since, first)
			s.mu.Unlock()
			return answer, err
		}
		changed := a.changedLocked()
		s.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			return first, nil
		case <-ctx.Done():
			return first, nil
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
func afterPreparedLocked(a *account, since time.Time, first control.Answer) (control.Answer, error) {
	switch {
	case a == nil:
		return first, nil
	case a.phase == phasePending:
		return pendingAnswer(a), nil
	case a.phase == phaseNone && a.lastError != "" && !a.lastErrorAt.Before(since):
		return control.Answer{}, refusal(a.lastError)
	}
	return first, nil
}
