package server

import (
	"context"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// msgRequestEnded is showwait's answer when the request it waited for ended
// without a token (revoked, refused by the user or the provider).
const msgRequestEnded = "Access token unavailable: the authorisation or refresh ended without a token (see error_notify_cmd or the log)"

// showWait answers like show once the account has a token with at least
// req.MinValid left. Until then it starts what is needed (an authorisation
// or a refresh, as show does) and waits for the account to change, for at
// most req.Wait; it also returns when ctx is done (the client hung up, or
// the server is stopping) or when what it started ended without a token. A
// showfresh waits only for a refresh: without a token it answers as show
// does, at once.
func (s *Server) showWait(ctx context.Context, req ctl.Request) ctl.Response {
	timer := time.NewTimer(req.Wait)
	defer timer.Stop()
	var w waitState
	for {
		s.mu.Lock()
		a := s.accounts[req.Account]
		if a == nil {
			s.mu.Unlock()
			return noAccount(req.Account)
		}
		resp, done := s.waitStepLocked(a, req, &w)
		changed := a.changedLocked()
		s.mu.Unlock()
		if done {
			return resp
		}
		select {
		case <-changed:
		case <-timer.C:
			return resp
		case <-ctx.Done(): // the client hung up, or the server is stopping
			s.log.Debug("show --wait ended early", "account", req.Account, "cause", context.Cause(ctx))
			return resp
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
func (s *Server) waitStepLocked(a *account, req ctl.Request, w *waitState) (ctl.Response, bool) {
	first := !w.started
	fresh := !first && a.gen != w.gen
	defer func() { w.started, w.gen = true, a.gen }()
	switch a.phase {
	case phaseActive:
		t := a.token
		t0 := now()
		if left := t.expiry.Sub(t0); left >= max(req.MinValid, time.Nanosecond) || left > 0 && fresh {
			return ctl.Response{Kind: ctl.KindToken, Payload: t.access.Reveal()}, true
		}
		if t.refresh.IsZero() {
			s.invalidateLocked(a, "a fresher token was asked for but the provider gave no refresh token", false)
			return s.authoriseLocked(a, req.WithURL), !waitsForLogin(req)
		}
		s.startRefreshLocked(a) // a no-op when one is under way
		if t.expiredAt(t0) {
			return errorf("%s", msgExpiredInProgress), false
		}
		return errorf("Access token expires in less than %v. Refreshing in progress but has not yet succeeded", req.MinValid), false
	case phasePending:
		return pendingResponse(a, req.WithURL), !waitsForLogin(req)
	}
	if !first && waitsForLogin(req) {
		return errorf("%s", msgRequestEnded), true
	}
	resp := s.authoriseLocked(a, req.WithURL)
	return resp, resp.Kind != ctl.KindPending || !waitsForLogin(req)
}

// waitsForLogin reports whether req waits for an authorisation too (show
// --wait), not only for a refresh (show --min-valid alone).
func waitsForLogin(req ctl.Request) bool { return req.Cmd == ctl.CmdShowWait }
