package provider

import (
	"context"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/secret"
)

// The code exchange is retried on network failures (the original's 10 tries,
// 6 s apart); an HTTP or OAuth error fails at once.
const (
	exchangeTries      = 10
	ExchangeRetryDelay = 6 * time.Second
)

// Exchange swaps the code for a token, retrying network failures while the
// request is current: before each retry, stale says whether it is (nil) or
// why not, which Exchange then returns.
func (c *Client) Exchange(ctx context.Context, account string, p oauth.Params, code, verifier secret.String, stale func() error) (*oauth.Token, error) {
	for try := 1; ; try++ {
		tok, err := c.p.Exchange(ctx, p, code, verifier)
		if err == nil || ctx.Err() != nil {
			return tok, err
		}
		if class, _ := oauth.Classify(err); class == oauth.Permanent || try == exchangeTries {
			return nil, err
		}
		c.log.Warn("code exchange failed; retrying", "account", account, "try", try, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(ExchangeRetryDelay):
		}
		if err := stale(); err != nil {
			return nil, err
		}
	}
}

// DeviceCode requests a device code, retrying transient failures every
// refresh_retry until ctx is done.
func (c *Client) DeviceCode(ctx context.Context, ac *config.Account, p oauth.Params) (*oauth.DeviceCode, error) {
	for {
		dc, err := c.p.DeviceAuth(ctx, p)
		if class, _ := oauth.Classify(err); err == nil || class == oauth.Permanent || ctx.Err() != nil {
			return dc, err
		}
		delay := max(ac.RefreshRetry, minRetry)
		c.log.Warn("device authorization request failed; will retry", "account", ac.Name, "retry_in", delay, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
	}
}

// PollDevice polls for the token of device code dc until the user
// approves, the request fails other than transiently (the code expired,
// the user refused) or ctx is done. Transient failures are polled on (each
// poll waits the interval first).
func (c *Client) PollDevice(ctx context.Context, account string, p oauth.Params, dc *oauth.DeviceCode) (*oauth.Token, error) {
	for {
		tok, err := c.p.DevicePoll(ctx, p, dc)
		switch class, _ := oauth.Classify(err); {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case err == nil || class == oauth.Permanent:
			return tok, err
		}
		c.log.Warn("device token poll failed; polling on", "account", account, "err", err)
	}
}
