package server

import (
	"context"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/oauth"
)

// startDeviceLocked makes a pending and, in the background, requests a
// device code and polls the token endpoint until the user approves, the
// code expires or the account moves on (revoke, reload, a new request,
// shutdown), which cancels the polling at once.
func (s *Server) startDeviceLocked(a *account) error {
	s.dropLocked(a)
	ctx, cancel := context.WithCancel(s.ctx)
	a.phase = phasePending
	a.pending = &pendingAuth{device: true, cancel: cancel}
	gen, p := a.gen, deviceParams(a.cfg)
	s.log.Info("device authorisation requested", "account", a.cfg.Name)
	s.background(func(context.Context) {
		defer cancel()
		s.runDevice(ctx, a, gen, p)
	})
	return nil
}

func deviceParams(ac *config.Account) oauth.Params {
	p := params(ac, "")
	p.DeviceAuthURI = ac.DeviceAuthURI
	return p
}

// runDevice requests a device code and polls for the token. Transient
// failures while polling are retried (each poll waits the interval first);
// anything else ends the request and tells the user.
func (s *Server) runDevice(ctx context.Context, a *account, gen uint64, p oauth.Params) {
	p, err := s.withEndpoints(ctx, a.cfg, p)
	if err != nil {
		if ctx.Err() == nil {
			s.finishExchange(a, gen, nil, err)
		}
		return
	}
	dc, err := s.deviceCode(ctx, a, p)
	if err != nil {
		if ctx.Err() == nil {
			s.finishExchange(a, gen, nil, err)
		}
		return
	}
	if !s.deviceCodeArrived(a, gen, dc) {
		return
	}
	for {
		tok, err := s.provider.DevicePoll(ctx, p, dc)
		switch class, _ := oauth.Classify(err); {
		case ctx.Err() != nil:
			return
		case err == nil || class == oauth.Permanent:
			s.finishExchange(a, gen, tok, err)
			return
		}
		s.log.Warn("device token poll failed; polling on", "account", a.cfg.Name, "err", err)
	}
}

// deviceCode requests a device code, retrying transient failures every
// refresh_retry until ctx is done.
func (s *Server) deviceCode(ctx context.Context, a *account, p oauth.Params) (*oauth.DeviceCode, error) {
	for {
		dc, err := s.provider.DeviceAuth(ctx, p)
		if class, _ := oauth.Classify(err); err == nil || class == oauth.Permanent || ctx.Err() != nil {
			return dc, err
		}
		delay := max(a.cfg.RefreshRetry, minInterval)
		s.log.Warn("device authorization request failed; will retry", "account", a.cfg.Name, "retry_in", delay, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
	}
}

// deviceCodeArrived records the device code of a current request and
// notifies the user; false when the request is stale.
func (s *Server) deviceCodeArrived(a *account, gen uint64, dc *oauth.DeviceCode) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.currentLocked(a, gen) {
		return false
	}
	pa := a.pending
	pa.url, pa.userCode, pa.notifyURL = dc.VerificationURI, dc.UserCode, dc.VerificationURI
	if dc.VerificationURIComplete != "" {
		pa.notifyURL = dc.VerificationURIComplete
	}
	a.wakeLocked() // a show may be waiting for the URL
	s.notifyAuthLocked(a)
	return true
}
