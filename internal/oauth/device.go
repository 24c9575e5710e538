package oauth

import (
	"context"
	"fmt"
	"time"

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

// checkDeviceCode refuses device answers that cannot be shown safely: the
// user code and the URIs reach the terminal (show) and auth_notify_cmd's
// environment, so a control code, a bidi override or a space in them is a
// provider error, not something to print.
func checkDeviceCode(da *oauth2.DeviceAuthResponse, sent []secret.String) (*DeviceCode, error) {
	bad := func(what string) error {
		return &tokenError{msg: "device authorization endpoint answered with " + what, class: Permanent}
	}
	switch {
	case da.DeviceCode == "":
		return nil, bad("no device_code")
	case da.UserCode == "" || len(da.UserCode) > maxUserCode || !displayable(da.UserCode):
		return nil, bad("an unusable user_code " + quoteProvider(da.UserCode, sent, maxUserCode))
	case !displayableURI(da.VerificationURI):
		return nil, bad("an unusable verification_uri " + quoteProvider(da.VerificationURI, sent, maxProviderText))
	case da.VerificationURIComplete != "" && !displayableURI(da.VerificationURIComplete):
		return nil, bad("an unusable verification_uri_complete " + quoteProvider(da.VerificationURIComplete, sent, maxProviderText))
	}
	dc := &DeviceCode{UserCode: da.UserCode, VerificationURI: da.VerificationURI,
		VerificationURIComplete: da.VerificationURIComplete, Expiry: da.Expiry, resp: da}
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
