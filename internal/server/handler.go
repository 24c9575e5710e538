package server

import (
	"context"
	"fmt"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// Messages that scripts match on; they keep the original's wording.
const (
	msgExpiredRefreshing = "Access token has expired. Refreshing initiated"
	msgExpiredInProgress = "Access token has expired. Refreshing is in progress but has not yet succeeded"
)

// Handle answers one control request. It implements endpoint.Handler.
func (s *Server) Handle(ctx context.Context, req ctl.Request) ctl.Response {
	switch req.Cmd {
	case ctl.CmdShow:
		return s.awaitURL(ctx, req, s.show)
	case ctl.CmdShowWait:
		return s.showWait(ctx, req)
	case ctl.CmdShowFresh: // answers at once without a token, as show does
		return s.awaitURL(ctx, req, func(string, bool) ctl.Response { return s.showWait(ctx, req) })
	case ctl.CmdRefresh:
		return s.awaitURL(ctx, req, s.refresh)
	case ctl.CmdRevoke:
		r := s.revoke(req.Account)
		if r.Kind == ctl.KindOK {
			s.awaitDropSaved(ctx)
		}
		return r
	case ctl.CmdStatus:
		return ok(s.status())
	case ctl.CmdStatusJSON:
		return s.statusJSON()
	case ctl.CmdReload:
		if err := s.Reload(ctx); err != nil {
			return errorf("%v", err)
		}
		return ok("")
	case ctl.CmdInfo:
		return s.info()
	case ctl.CmdShutdown:
		s.log.Info("shutdown requested")
		s.shutdown()
		return ok("")
	case ctl.CmdDump:
		return s.dump()
	case ctl.CmdRestore:
		return s.restore(ctx, req.Data)
	case ctl.CmdComplete:
		return s.complete(ctx, req)
	}
	return errorf("Unknown command '%s'", req.Cmd)
}

func ok(payload string) ctl.Response { return ctl.Response{Kind: ctl.KindOK, Payload: payload} }

func errorf(format string, args ...any) ctl.Response {
	return ctl.Response{Kind: ctl.KindError, Payload: fmt.Sprintf(format, args...)}
}

func noAccount(name string) ctl.Response { return errorf("No account '%s'", name) }

// show answers with the account's token, or starts whatever is needed to get
// one. It never waits for the network.
func (s *Server) show(name string, withURL bool) ctl.Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[name]
	if a == nil {
		return noAccount(name)
	}
	if s.heldBackLocked(a) {
		return errorf("%s", msgRestoring)
	}
	switch a.phase {
	case phaseActive:
		t := a.token
		if !t.expiredAt(now()) {
			return ctl.Response{Kind: ctl.KindToken, Payload: t.access.Reveal()}
		}
		// During a retry back-off the refresher already knows; starting
		// another attempt would ignore refresh_retry and Retry-After.
		if t.refreshing || t.failures > 0 {
			return errorf("%s", msgExpiredInProgress)
		}
		if !t.refresh.IsZero() {
			s.startRefreshLocked(a)
			return errorf("%s", msgExpiredRefreshing)
		}
		s.invalidateLocked(a, "access token expired and the provider gave no refresh token", false)
	case phasePending:
		return pendingResponse(a, withURL)
	}
	return s.authoriseLocked(a, withURL)
}

// refresh refreshes an active token now, in the background, or starts an
// authorisation when there is no token. As in the original, a pending
// request is replaced by a new one (new state and verifier, so the old URL
// stops working, and a new notification): users run refresh to be
// notified again.
func (s *Server) refresh(name string, withURL bool) ctl.Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[name]
	if a == nil {
		return noAccount(name)
	}
	if s.heldBackLocked(a) {
		return errorf("%s", msgRestoring)
	}
	switch a.phase {
	case phaseActive:
		if !a.token.refresh.IsZero() {
			s.startRefreshLocked(a)
			return ctl.Response{Kind: ctl.KindScheduled}
		}
		s.invalidateLocked(a, "refresh requested but the provider gave no refresh token", false)
	case phasePending:
		if !a.pending.replaceable() {
			return pendingResponse(a, withURL)
		}
	}
	return s.authoriseLocked(a, withURL)
}

// authoriseLocked starts an authorisation request for a and answers with
// its URL.
func (s *Server) authoriseLocked(a *account, withURL bool) ctl.Response {
	if err := s.startAuthLocked(a); err != nil {
		return errorf("%v", err)
	}
	return pendingResponse(a, withURL)
}

func pendingResponse(a *account, withURL bool) ctl.Response {
	if a.pending.device {
		return devicePendingResponse(a, withURL)
	}
	r := ctl.Response{Kind: ctl.KindPending}
	if withURL {
		r.Payload = a.pending.url
		if a.pending.pasteOnly {
			r.Payload += pasteHint(a.cfg.Name)
		}
	}
	return r
}

// revoke forgets the account's tokens and any pending request.
func (s *Server) revoke(name string) ctl.Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[name]
	if a == nil {
		return noAccount(name)
	}
	// The original emits token_revoked even when there was nothing to
	// forget; scripts that persist on every event rely on it.
	if a.phase != phaseNone {
		s.revokeAtProviderLocked(a)
		s.dropLocked(a)
		s.log.Info("tokens revoked", "account", name)
	}
	s.emitLocked(name, eventRevoked)
	return ok("")
}

// dropLocked forgets everything about a and makes in-flight work stale.
func (s *Server) dropLocked(a *account) {
	if a.pending != nil {
		delete(s.byState, a.pending.state)
	}
	a.resetLocked(phaseNone)
}

func (s *Server) info() ctl.Response {
	in := ctl.ServerInfo{HTTPPort: portString(s.listeners.HTTPPort), HTTPSPort: portString(s.listeners.HTTPSPort),
		HTTPSPubKey: s.listeners.HTTPSPubKey, ConfigFile: s.configPath}
	if in.HTTPSPubKey == "" {
		in.HTTPSPubKey = "none"
	}
	return ok(in.Encode())
}

func portString(p int) string {
	if p == 0 {
		return "none"
	}
	return fmt.Sprint(p)
}
