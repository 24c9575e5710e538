package server

import (
	"context"
	"fmt"
	"time"

	"github.com/pizauth-go/pizauth/internal/control"
)

// msgRequestEnded is showwait's answer when the request it waited for ended
// without a token (revoked, refused by the user or the provider).
const msgRequestEnded = "Access token unavailable: the authorisation or refresh ended without a token (see error_notify_cmd or the log)"

// ShowWait answers like show once the account has a token with at least
// w.MinValid left. Until then it starts what is needed (an authorisation
// or a refresh, as show does) and waits for the account to change, for at
// most w.For; it also returns when ctx is done (the client hung up, or
// the server is stopping) or when what it started ended without a token.
// Without w.Login (showfresh) it waits only for a refresh: without a
// token it answers as show does, at once.
func (s *Server) ShowWait(ctx context.Context, name string, w control.Wait) (control.Answer, error) {
	if w.Login {
		return s.showWait(ctx, name, w)
	}
	return s.awaitURL(ctx, name, w.WantURL, func() (control.Answer, error) { return s.showWait(ctx, name, w) })
}

func (s *Server) showWait(ctx context.Context, name string, w control.Wait) (control.Answer, error) {
	timer := time.NewTimer(w.For)
	defer timer.Stop()
	var st waitState
	for {
		s.mu.Lock()
		a := s.accounts[name]
		if a == nil {
			s.mu.Unlock()
			return control.Answer{}, noAccount(name)
		}
		answer, done, err := s.waitStepLocked(a, w, &st)
		changed := a.changedLocked()
		s.mu.Unlock()
		if done {
			return answer, err
		}
		select {
		case <-changed:
		case <-timer.C:
			return answer, err
		case <-ctx.Done(): // the client hung up, or the server is stopping
			s.log.Debug("show --wait ended early", "account", name, "cause", context.Cause(ctx))
			return answer, err
		}
	}
}

// waitState is what one showwait remembers between its steps.
type waitState struct {
	started bool   // the first step has run
	gen     uint64 // the account's generation after the first step
}

// waitStepLocked returns the answer for a as it stands and whether it is
// final; the first step starts what the token needs. A token that arrived
// during the wait is final even if it lives less than MinValid: refreshing
// again would only get another like it.
func (s *Server) waitStepLocked(a *account, w control.Wait, st *waitState) (answer control.Answer, final bool, err error) {
	if s.heldBackLocked(a) { // waits for the read-back, as no step yet
		return control.Answer{}, !w.Login, refusal(msgRestoring)
	}
	first := !st.started
	fresh := !first && a.gen != st.gen
	defer func() { st.started, st.gen = true, a.gen }()
	switch a.phase {
	case phaseActive:
		t := a.token
		t0 := now()
		if left := t.expiry.Sub(t0); left >= max(w.MinValid, time.Nanosecond) || left > 0 && fresh {
			return control.Answer{Kind: control.Token, Token: t.access}, true, nil
		}
		if t.refresh.IsZero() {
			s.invalidateLocked(a, "a fresher token was asked for but the provider gave no refresh token", false)
			answer, err := s.authoriseLocked(a)
			return answer, !w.Login, err
		}
		s.startRefreshLocked(a) // a no-op when one is under way
		if t.expiredAt(t0) {
			return control.Answer{}, false, refusal(msgExpiredInProgress)
		}
		return control.Answer{}, false, refusal(fmt.Sprintf("Access token expires in less than %v. Refreshing in progress but has not yet succeeded", w.MinValid))
	case phasePending:
		return pendingAnswer(a), !w.Login, nil
	}
	if !first && w.Login {
		return control.Answer{}, true, refusal(msgRequestEnded)
	}
	answer, err = s.authoriseLocked(a)
	return answer, err != nil || !w.Login, err
}
