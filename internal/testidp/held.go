package testidp

import (
	"context"
	"fmt"
	"time"
)

// SetNextLifetimes sets expires_in of the next len(ds) tokens issued, in
// order; the tokens after them get SetLifetime's again. Scripts use it to
// make one token short-lived without racing the refresh that follows it.
func (p *Provider) SetNextLifetimes(ds ...time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lifetimes = append(p.lifetimes[:0:0], ds...)
}

// hold counts a request to endpoint as held by a Hang or Delay fault until
// the returned function is called.
func (p *Provider) hold(endpoint string) (release func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.held[endpoint]++
	p.wakeLocked()
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.held[endpoint]--
		p.wakeLocked()
	}
}

// gaveUp counts a held request to endpoint whose client gave up on it.
func (p *Provider) gaveUp(endpoint string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.abandoned[endpoint]++
	p.wakeLocked()
}

// WaitHeld blocks until at least n requests to endpoint are being held by a
// Hang or Delay fault, or ctx is done: the client is waiting for them now.
func (p *Provider) WaitHeld(ctx context.Context, endpoint string, n int) error {
	endpoint = endpointKey(endpoint)
	err := p.waitFor(ctx, func() bool { return p.held[endpoint] >= n })
	if err != nil {
		return fmt.Errorf("waiting for %d held requests to %q: %w", n, endpoint, err)
	}
	return nil
}

// WaitAbandoned blocks until the clients of at least n held requests to
// endpoint have given up on them (cancelled, closed the connection), or ctx
// is done.
func (p *Provider) WaitAbandoned(ctx context.Context, endpoint string, n int) error {
	endpoint = endpointKey(endpoint)
	err := p.waitFor(ctx, func() bool { return p.abandoned[endpoint] >= n })
	if err != nil {
		return fmt.Errorf("waiting for %d abandoned requests to %q: %w", n, endpoint, err)
	}
	return nil
}
