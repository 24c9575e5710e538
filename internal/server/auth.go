package server

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/hooks"
	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/provider"
	"github.com/pizauth-go/pizauth/internal/redirect"
	"github.com/pizauth-go/pizauth/internal/secret"
)

// Pages shown in the browser after the redirect: the original's texts and
// status codes (the listener makes them HTML pages).
const (
	pageProcessing = "pizauth processing authentication: you can safely close this page."
	pageNoMatch    = "No pending token matches request state: request a fresh token"
	pageNotFound   = "404 page not found"
	pageNoCode     = "pizauth: " + noCode
)

// noCode is why a redirect with the pending request's state but neither a
// code nor an error is refused. As in the original it changes nothing: the
// request stays usable (only the provider's answer should end it).
const noCode = "the redirect carries neither a code nor an error"

// startAuthLocked creates a new authorisation request for a, making it
// pending, and notifies the user.
func (s *Server) startAuthLocked(a *account) error {
	if r := s.revoking[a.cfg.Name]; r != nil {
		return s.afterRevocationsLocked(a, r)
	}
	if hooks.NeedsCredentials(a.cfg) {
		return s.startCredentialsLocked(a)
	}
	if a.cfg.Issuer != "" && s.provider.Cached(a.cfg.Issuer) == nil {
		return s.startDiscoveryLocked(a)
	}
	if a.cfg.AuthFlow == config.FlowDevice {
		return s.startDeviceLocked(a)
	}
	redirectURI, err := s.redirectURI(a.cfg)
	if err != nil {
		return err
	}
	p := provider.Params(a.cfg, redirectURI)
	s.provider.FillCached(a.cfg, &p)
	req, err := oauth.NewAuthRequest(p)
	if err != nil {
		return fmt.Errorf("account %q: %w", a.cfg.Name, err)
	}
	s.dropLocked(a)
	a.phase = phasePending
	a.pending = &pendingAuth{url: req.URL, state: req.State, verifier: req.Verifier, redirectURI: redirectURI,
		pasteOnly: s.pasteOnly()}
	s.byState[req.State] = a
	s.log.Info("authorisation requested", "account", a.cfg.Name)
	s.notifyAuthLocked(a)
	return nil
}

// prepareThenAuthoriseLocked makes a pending without a URL yet and runs
// prepare in the background, for what must happen before the authorisation
// URL can be built and may block (credential commands, discovery). If the
// account has not moved on meanwhile, it then calls apply (when prepare
// returns one) with the lock held and starts the authorisation; a failure
// puts the account back to no token and is reported for it alone. Revoke,
// reload and shutdown cancel prepare's context.
func (s *Server) prepareThenAuthoriseLocked(a *account, prepare func(ctx context.Context) (apply func(), err error)) error {
	s.dropLocked(a)
	ctx, cancel := context.WithCancel(s.ctx)
	a.phase = phasePending
	a.pending = &pendingAuth{cancel: cancel}
	gen, name := a.gen, a.cfg.Name
	s.background(func(context.Context) {
		defer cancel()
		apply, err := prepare(ctx)
		if ctx.Err() != nil {
			return // revoked, reloaded or shutting down
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.currentLocked(a, gen) {
			return
		}
		if err == nil {
			if apply != nil {
				apply()
			}
			err = s.startAuthLocked(a)
		}
		if err != nil {
			a.resetLocked(phaseNone)
			s.notifyErrorLocked(name, authFailed(name, err))
		}
	})
	return nil
}

// redirectURI is the account's redirect_uri, normalised as the original
// does, with the port of the listener that serves its scheme. With no
// listener at all, the login is finished with `pizauth complete` and the
// redirect_uri is sent as configured.
func (s *Server) redirectURI(ac *config.Account) (string, error) {
	u, err := url.Parse(ac.RedirectURI)
	if err != nil {
		return "", fmt.Errorf("account %q: redirect_uri: %w", ac.Name, err)
	}
	port := s.listeners.HTTPPort
	if strings.EqualFold(u.Scheme, "https") {
		port = s.listeners.HTTPSPort
	}
	if port == 0 && !s.pasteOnly() {
		return "", fmt.Errorf("account %q: redirect_uri %q needs the %s listener, which is off", ac.Name, ac.RedirectURI, strings.ToUpper(u.Scheme))
	}
	uri, err := redirect.URI(ac.RedirectURI, port)
	if err != nil {
		return "", fmt.Errorf("account %q: %w", ac.Name, err)
	}
	return uri, nil
}

// HandleRedirect receives the browser's redirect from the provider. It never
// blocks: the code is exchanged in the background. It implements
// redirect.Handler.
func (s *Server) HandleRedirect(cb redirect.Callback) redirect.Page {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.byState[cb.State]
	if a == nil {
		return redirect.Page{Status: 200, Body: pageNoMatch}
	}
	if !redirectMatches(a.pending.redirectURI, cb) {
		return redirect.Page{Status: 404, Body: pageNotFound}
	}
	if cb.Error == "" && cb.Code.IsZero() {
		return redirect.Page{Status: 400, Body: pageNoCode}
	}
	if reason := s.acceptCallbackLocked(a, cb, nil); reason != "" {
		return redirect.Page{Status: 400, Body: "pizauth: authorisation failed: " + reason}
	}
	return redirect.Page{Status: 200, Body: pageProcessing}
}

// errStopping is the outcome of an exchange abandoned at shutdown.
var errStopping = errors.New("the server is stopping")

// acceptCallbackLocked uses up a's pending request with cb, which carries
// its state and arrived where its redirect URI points. A callback with an
// error, or without a code, ends the request: the user hears why and the
// reason is returned. One with a code starts the exchange in the
// background and returns ""; when done is not nil, it receives the outcome:
// nil once the token is held, else why not (errStale when the account moved
// on meanwhile, errStopping at shutdown). done must have room for it.
func (s *Server) acceptCallbackLocked(a *account, cb redirect.Callback, done chan<- error) string {
	delete(s.byState, cb.State) // a state is used once
	name := a.cfg.Name
	if cb.Error != "" || cb.Code.IsZero() {
		reason := describeRedirectError(cb)
		a.resetLocked(phaseNone)
		s.notifyErrorLocked(name, authFailed(name, reason))
		return reason
	}
	a.pending.exchanging = true
	gen, p, verifier := a.gen, provider.Params(a.cfg, a.pending.redirectURI), a.pending.verifier
	s.provider.FillCached(a.cfg, &p)
	s.background(func(ctx context.Context) {
		tok, err := s.provider.Exchange(ctx, name, p, cb.Code, verifier, func() error {
			s.mu.Lock()
			defer s.mu.Unlock()
			if !s.currentLocked(a, gen) {
				return errStale
			}
			return nil
		})
		if ctx.Err() != nil {
			// Shutting down (SIGTERM, `pizauth shutdown`): no failure
			// for the user to hear of.
			s.log.Info("code exchange abandoned: the server is stopping", "account", name)
			err = errStopping
		} else {
			err = s.finishExchange(a, gen, tok, err)
		}
		if done != nil {
			done <- err
		}
	})
	return ""
}

// redirectMatches reports whether the callback arrived where the pending
// request's redirect URI points.
func redirectMatches(redirectURI string, cb redirect.Callback) bool {
	u, err := url.Parse(redirectURI)
	if err != nil {
		return false
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	return path == cb.Path && (u.Scheme == "https") == cb.TLS
}

// authFailed is the message of a failed authorisation, for
// error_notify_cmd's PIZAUTH_MSG, the log and `pizauth complete`: the
// original's words, which users' notification scripts may match on.
func authFailed(name string, reason any) string {
	return fmt.Sprintf("Authentication for %s failed: %v", name, reason)
}

// describeRedirectError says why the provider refused, from what it put in
// the redirect. The text is attacker-controllable: DescribeError cleans it.
func describeRedirectError(cb redirect.Callback) string {
	if cb.Error == "" {
		return "the provider's redirect carried neither a code nor an error"
	}
	return oauth.DescribeError(cb.Error, cb.ErrorDescription, cb.ErrorURI)
}

// finishExchange records the outcome of a code exchange and returns it: nil
// when the token is now held, errStale when the account moved on meanwhile.
func (s *Server) finishExchange(a *account, gen uint64, tok *oauth.Token, err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := a.cfg.Name
	if !s.currentLocked(a, gen) {
		s.log.Debug("discarding the result of a stale code exchange", "account", name)
		return errStale
	}
	if err != nil {
		a.resetLocked(phaseNone)
		s.notifyErrorLocked(name, authFailed(name, err))
		return err
	}
	s.setTokenLocked(a, tok, now(), "")
	s.emitLocked(name, eventNew)
	s.log.Info("new access token", "account", name, "expires", a.token.expiry)
	return nil
}

// setTokenLocked makes tok the account's active token, obtained at t. A
// token without a refresh token keeps previous, when given.
func (s *Server) setTokenLocked(a *account, tok *oauth.Token, t time.Time, previous secret.String) {
	lifetime := tok.ExpiresIn
	if lifetime <= 0 {
		lifetime = a.cfg.RefreshAtLeast
	}
	refresh := tok.Refresh
	if refresh.IsZero() {
		refresh = previous
	}
	if a.pending != nil {
		delete(s.byState, a.pending.state)
	}
	var old *activeToken
	if a.phase == phaseActive {
		old = a.token
	} else {
		a.lastRefreshWarn = time.Time{} // a login: its refresh token may be warned of at once
	}
	a.resetLocked(phaseActive)
	a.token = &activeToken{access: tok.Access, refresh: refresh, obtained: t, expiry: t.Add(lifetime)}
	a.token.learnRefreshExpiry(old, tok, t)
	s.scheduleTokenLocked(a)
}
