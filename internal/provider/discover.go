package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/oauth"
)

// Cached is the cached discovery document of issuer, or nil. Documents are
// fetched only when first needed, never at start-up, and kept in memory
// for the server's life.
func (c *Client) Cached(issuer string) *oauth.Metadata {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.docs[issuer]
}

// FillCached fills the endpoints ac leaves unset from its issuer's cached
// document, if any; explicit ones win. It never blocks.
func (c *Client) FillCached(ac *config.Account, p *oauth.Params) {
	if md := c.Cached(ac.Issuer); ac.Issuer != "" && md != nil {
		fill(p, md)
	}
}

func fill(p *oauth.Params, md *oauth.Metadata) {
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

// WithEndpoints is p with ac's discovered endpoints, fetching the document
// if need be.
func (c *Client) WithEndpoints(ctx context.Context, ac *config.Account, p oauth.Params) (oauth.Params, error) {
	if ac.Issuer == "" {
		return p, nil
	}
	md, err := c.Discover(ctx, ac)
	if err == nil {
		fill(&p, md)
	}
	return p, err
}

// Discover returns ac's issuer's document, from the cache or the network.
func (c *Client) Discover(ctx context.Context, ac *config.Account) (*oauth.Metadata, error) {
	if md := c.Cached(ac.Issuer); md != nil {
		return md, nil
	}
	md, err := c.p.Discover(ctx, ac.Issuer)
	if err != nil {
		return nil, fmt.Errorf("issuer %q: %w", ac.Issuer, err)
	}
	c.mu.Lock()
	c.docs[ac.Issuer] = md
	c.mu.Unlock()
	c.log.Info("endpoints discovered", "account", ac.Name, "issuer", ac.Issuer)
	return md, nil
}

// DiscoverRetrying fetches ac's discovery document, retrying transient
// failures every refresh_retry until ctx is done.
func (c *Client) DiscoverRetrying(ctx context.Context, ac *config.Account) error {
	for {
		_, err := c.Discover(ctx, ac)
		if class, _ := oauth.Classify(err); err == nil || class == oauth.Permanent {
			return err
		}
		delay := max(ac.RefreshRetry, minRetry)
		c.log.Warn("discovery failed; will retry", "account", ac.Name, "retry_in", delay, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}
