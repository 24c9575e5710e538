package server

import (
	"context"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/provider"
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
	// a.cfg is guarded by s.mu, and a reload may replace it meanwhile.
	gen, ac := a.gen, a.cfg
	s.log.Info("device authorisation requested", "account", ac.Name)
	s.background(func(context.Context) {
		defer cancel()
		s.runDevice(ctx, a, gen, ac)
	})
	return nil
}

// runDevice requests a device code and polls for the token. Transient
// failures while polling are retried (each poll waits the interval first);
// anything else ends the request and tells the user. ac is a's
// configuration when the request started.
func (s *Server) runDevice(ctx context.Context, a *account, gen uint64, ac *config.Account) {
	p, err := s.provider.WithEndpoints(ctx, ac, provider.DeviceParams(ac))
	if err != nil {
		if ctx.Err() == nil {
			s.finishExchange(a, gen, nil, err)
		}
		return
	}
	dc, err := s.provider.DeviceCode(ctx, ac, p)
	if err != nil {
		if ctx.Err() == nil {
			s.finishExchange(a, gen, nil, err)
		}
		return
	}
	if !s.deviceCodeArrived(a, gen, dc) {
		return
	}
	tok, err := s.provider.PollDevice(ctx, ac.Name, p, dc)
	if ctx.Err() == nil {
		s.finishExchange(a, gen, tok, err)
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
