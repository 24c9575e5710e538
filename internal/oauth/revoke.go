package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// Token type hints of a revocation request (RFC 7009 section 2.1).
const (
	HintRefreshToken = "refresh_token"
	HintAccessToken  = "access_token"
)

// maxRevokeAnswer bounds how much of a revocation answer is read.
const maxRevokeAnswer = 64 << 10

// Revoke asks the revocation endpoint revokeURI to invalidate token (RFC
// 7009). It posts token, token_type_hint, client_id and, when configured,
// client_secret in the form body. A 200 answer is success (the endpoint
// answers 200 for tokens it does not know, too).
//
// Errors are safe to show and log; pass them to [Classify].
func (c *Client) Revoke(ctx context.Context, p Params, revokeURI string, token secret.String, hint string) error {
	sent := []secret.String{p.ClientSecret, token}
	u, err := url.Parse(revokeURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &tokenError{msg: fmt.Sprintf("revoke_uri %q is not an http or https URL", revokeURI), class: Permanent}
	}
	form := url.Values{"token": {token.Reveal()}, "token_type_hint": {hint}, "client_id": {p.ClientID}}
	if !p.ClientSecret.IsZero() {
		form.Set("client_secret", p.ClientSecret.Reveal())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, revokeURI, strings.NewReader(form.Encode()))
	if err != nil {
		return &tokenError{msg: "revocation request: " + safe(err.Error(), sent, maxErrorText), class: Permanent}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return &tokenError{msg: "revocation request: " + safe(err.Error(), sent, maxErrorText), class: Transient, err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxRevokeAnswer))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	return revokeError(resp, body, sent)
}

// revokeError describes a refused revocation, e.g. "revocation endpoint
// answered 400: unsupported_token_type".
func revokeError(resp *http.Response, body []byte, sent []secret.String) error {
	msg := fmt.Sprintf("revocation endpoint answered %d", resp.StatusCode)
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		URI         string `json:"error_uri"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		msg += ": " + describeError(e.Error, e.Description, e.URI, sent)
	}
	class := Permanent
	switch resp.StatusCode {
	case 408, 429, 500, 502, 503, 504:
		class = Transient
	}
	return &tokenError{msg: msg, class: class}
}

// httpClient is c's HTTP client, or the shared default.
func (c *Client) httpClient() *http.Client {
	if c != nil && c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP()
}
