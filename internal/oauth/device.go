package oauth

import (
	"context"
	"fmt"
	"net/url"
	"time"
	"unicode"

	"golang.org/x/oauth2"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// DeviceCode is a device authorization answer (RFC 8628 section 3.2).
// UserCode and the URIs are checked: printable, bounded, http(s).
type DeviceCode struct {
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string    // "" when the provider gave none
	Expiry                  time.Time // zero when the provider gave none
	Interval                time.Duration
	resp                    *oauth2.DeviceAuthResponse // holds the device code
}

// maxUserCode bounds the user code a provider may give.
const maxUserCode = 64

// DeviceAuth asks the device authorization endpoint p.DeviceAuthURI for a
// device code. It posts client_id, scope and, when configured,
// client_secret.
func (c *Client) DeviceAuth(ctx context.Context, p Params) (*DeviceCode, error) {
	sent := []secret.String{p.ClientSecret}
	cfg, err := p.config()
	if err != nil {
		return nil, err
	}
	if !httpURL(p.DeviceAuthURI) {
		return nil, &tokenError{msg: fmt.Sprintf("device_auth_uri %q is not an http or https URL", p.DeviceAuthURI), class: Permanent}
	}
	cfg.Endpoint.DeviceAuthURL = p.DeviceAuthURI
	cfg.Scopes = p.Scopes
	var opts []oauth2.AuthCodeOption
	if !p.ClientSecret.IsZero() {
		opts = append(opts, oauth2.SetAuthURLParam("client_secret", p.ClientSecret.Reveal()))
	}
	da, err := cfg.DeviceAuth(c.context(ctx), opts...)
	if err != nil {
		return nil, &tokenError{msg: "device authorization: " + message(err, sent), class: classify(err), err: err}
	}
	return checkDeviceCode(da, sent)
}

// checkDeviceCode refuses device answers that cannot be shown safely.
func checkDeviceCode(da *oauth2.DeviceAuthResponse, sent []secret.String) (*DeviceCode, error) {
	bad := func(what string) error {
		return &tokenError{msg: "device authorization endpoint answered with " + what, class: Permanent}
	}
	switch {
	case da.DeviceCode == "":
		return nil, bad("no device_code")
	case da.UserCode == "" || len(da.UserCode) > maxUserCode || !printable(da.UserCode):
		return nil, bad(fmt.Sprintf("an unusable user_code %q", safe(da.UserCode, sent, maxUserCode)))
	case !httpURL(da.VerificationURI):
		return nil, bad(fmt.Sprintf("an unusable verification_uri %q", safe(da.VerificationURI, sent, maxProviderText)))
	}
	dc := &DeviceCode{UserCode: da.UserCode, VerificationURI: da.VerificationURI, Expiry: da.Expiry, resp: da}
	if httpURL(da.VerificationURIComplete) {
		dc.VerificationURIComplete = da.VerificationURIComplete
	}
	dc.Interval = 5 * time.Second
	if da.Interval > 0 && da.Interval < 3600 {
		dc.Interval = time.Duration(da.Interval) * time.Second
	}
	return dc, nil
}

// DevicePoll polls the token endpoint with dc's device code
// (grant_type=urn:ietf:params:oauth:grant-type:device_code) until the user
// approves, every dc.Interval, adding 5 s on slow_down and waiting on
// authorization_pending. It returns the token, an error for access_denied,
// expired_token, a device code past its expiry or any other failure (pass it
// to [Classify]), or ctx's error when ctx is done.
func (c *Client) DevicePoll(ctx context.Context, p Params, dc *DeviceCode) (*Token, error) {
	sent := []secret.String{p.ClientSecret, secret.String(dc.resp.DeviceCode)}
	cfg, err := p.config()
	if err != nil {
		return nil, err
	}
	da := *dc.resp
	da.Interval = int64(dc.Interval / time.Second)
	tok, err := cfg.DeviceAccessToken(c.context(ctx), &da)
	switch {
	case err == nil:
		return newToken(tok, sent)
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case !dc.Expiry.IsZero() && !time.Now().Before(dc.Expiry):
		// Only the code's own expiry: a slow answer also ends in
		// context.DeadlineExceeded, and is transient.
		return nil, &tokenError{msg: "the device code expired before the user approved it", class: Permanent, err: err}
	}
	return nil, wrapError(err, sent)
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(s) <= 2048
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
