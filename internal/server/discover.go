package server

import (
	"context"
	"fmt"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/oauth"
)

// discoveredLocked is the cached discovery document of issuer, or nil.
// Documents are fetched only when first needed, never at start-up, and
// kept in memory for the server's life.
func (s *Server) discoveredLocked(issuer string) *oauth.Metadata {
	return s.discovered[issuer]
}

// endpointsLocked fills the endpoints ac leaves unset from its issuer's
// cached document; explicit ones win.
func (s *Server) endpointsLocked(ac *config.Account, p *oauth.Params) {
	if md := s.discoveredLocked(ac.Issuer); ac.Issuer != "" && md != nil {
		fillEndpoints(p, md)
	}
}

func fillEndpoints(p *oauth.Params, md *oauth.Metadata) {
	if p.AuthURI == "" {
		p.AuthURI = md.AuthorizationEndpoint
	}
	if p.TokenURI == "" {
		p.TokenURI = md.TokenEndpoint
	}
	if p.DeviceAuthURI == "" {
		p.DeviceAuthURI = md.DeviceAuthorizationEndpoint
	}
}

// withEndpoints is p with ac's discovered endpoints, fetching the document
// if need be. It blocks: call it from background work only.
func (s *Server) withEndpoints(ctx context.Context, ac *config.Account, p oauth.Params) (oauth.Params, error) {
	if ac.Issuer == "" {
		return p, nil
	}
	md, err := s.discover(ctx, ac)
	if err == nil {
		fillEndpoints(&p, md)
	}
	return p, err
}

// discover returns ac's issuer's document, from the cache or the network.
func (s *Server) discover(ctx context.Context, ac *config.Account) (*oauth.Metadata, error) {
	s.mu.Lock()
	md := s.discoveredLocked(ac.Issuer)
	s.mu.Unlock()
	if md != nil {
		return md, nil
	}
	md, err := s.provider.Discover(ctx, ac.Issuer)
	if err != nil {
		return nil, fmt.Errorf("issuer %q: %w", ac.Issuer, err)
	}
	s.mu.Lock()
	if s.discovered == nil {
		s.discovered = make(map[string]*oauth.Metadata)
	}
	s.discovered[ac.Issuer] = md
	s.mu.Unlock()
	s.log.Info("endpoints discovered", "account", ac.Name, "issuer", ac.Issuer)
	return md, nil
}

// startDiscoveryLocked discovers a's endpoints before authorising it; see
// prepareThenAuthoriseLocked.
func (s *Server) startDiscoveryLocked(a *account) error {
	ac := a.cfg
	return s.prepareThenAuthoriseLocked(a, func(ctx context.Context) (func(), error) {
		return nil, s.discoverRetrying(ctx, ac)
	})
}

// discoverRetrying fetches ac's discovery document, retrying transient
// failures every refresh_retry until ctx is done.
func (s *Server) discoverRetrying(ctx context.Context, ac *config.Account) error {
	for {
		_, err := s.discover(ctx, ac)
		if class, _ := oauth.Classify(err); err == nil || class == oauth.Permanent {
			return err
		}
		delay := max(ac.RefreshRetry, minInterval)
		s.log.Warn("discovery failed; will retry", "account", ac.Name, "retry_in", delay, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}
