package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Metadata is what pizauth uses of a provider's discovery document (OpenID
// Connect Discovery 1.0, RFC 8414).
type Metadata struct {
	Issuer                      string `json:"issuer"`
	AuthorizationEndpoint       string `json:"authorization_endpoint"`
	TokenEndpoint               string `json:"token_endpoint"`
	DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint"`
	RevocationEndpoint          string `json:"revocation_endpoint"`
}

// Discovery document locations, tried in this order under the issuer.
const (
	wellKnownOIDC  = "/.well-known/openid-configuration"
	wellKnownOAuth = "/.well-known/oauth-authorization-server"
)

// maxDiscovery bounds the size of a discovery document.
const maxDiscovery = 1 << 20

// Discover fetches issuer's discovery document from
// <issuer>/.well-known/openid-configuration, falling back to
// <issuer>/.well-known/oauth-authorization-server when the first is not
// there (any 4xx answer). The document's issuer must equal issuer exactly
// and its endpoints must be http or https URLs.
//
// Errors are safe to show and log; pass them to [Classify]: network
// failures and 408, 429 and 5xx answers are transient.
func (c *Client) Discover(ctx context.Context, issuer string) (*Metadata, error) {
	base := strings.TrimSuffix(issuer, "/")
	md, err := c.fetchMetadata(ctx, base+wellKnownOIDC)
	var nf notFound
	if errors.As(err, &nf) {
		md, err = c.fetchMetadata(ctx, base+wellKnownOAuth)
	}
	if err != nil {
		return nil, err
	}
	return md, checkMetadata(md, issuer)
}

// notFound is a 4xx answer to a discovery request.
type notFound struct{ *tokenError }

func (c *Client) fetchMetadata(ctx context.Context, uri string) (*Metadata, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, &tokenError{msg: fmt.Sprintf("discovery: %q is not a URL", uri), class: Permanent}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, &tokenError{msg: "discovery: " + safe(err.Error(), nil, maxErrorText), class: Transient, err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDiscovery+1))
	if errors.Is(err, errBodyTooLarge) { // our client's cap, which is maxDiscovery
		body, err = make([]byte, maxDiscovery+1), nil
	}
	switch code := resp.StatusCode; {
	case code == 408 || code == 429 || code >= 500:
		return nil, &tokenError{msg: fmt.Sprintf("discovery: %s answered %d", uri, code), class: Transient}
	case code >= 400:
		return nil, notFound{&tokenError{msg: fmt.Sprintf("discovery: %s answered %d", uri, code), class: Permanent}}
	case code != http.StatusOK:
		return nil, &tokenError{msg: fmt.Sprintf("discovery: %s answered %d", uri, code), class: Permanent}
	case err != nil:
		return nil, &tokenError{msg: "discovery: reading " + uri + ": " + safe(err.Error(), nil, maxErrorText), class: Transient, err: err}
	case len(body) > maxDiscovery:
		return nil, &tokenError{msg: fmt.Sprintf("discovery: %s is larger than %d bytes", uri, maxDiscovery), class: Permanent}
	}
	var md Metadata
	if err := json.Unmarshal(body, &md); err != nil {
		return nil, &tokenError{msg: fmt.Sprintf("discovery: %s is not a JSON discovery document", uri), class: Permanent}
	}
	return &md, nil
}

// checkMetadata refuses a document that names another issuer (RFC 8414
// section 3.3) or endpoints that are not URLs fit to show and to send
// secrets to: an https issuer's endpoints must be https (RFC 8414 section
// 2), or a document could send the client secret and the code in
// cleartext; only a loopback http issuer (a test provider) may name
// loopback http endpoints. An http issuer elsewhere is refused whole.
func checkMetadata(md *Metadata, issuer string) error {
	if md.Issuer != issuer {
		return &tokenError{msg: fmt.Sprintf("discovery: the provider's document names issuer %s, not the configured %q: refusing its endpoints",
			quoteProvider(md.Issuer, nil, maxProviderText), issuer), class: Permanent}
	}
	if !isHTTPS(issuer) && !isLoopbackHTTP(issuer) {
		return &tokenError{msg: fmt.Sprintf("discovery: issuer %q is not an https URL (RFC 8414): refusing its endpoints", issuer), class: Permanent}
	}
	for _, e := range []struct{ name, uri string }{
		{"authorization_endpoint", md.AuthorizationEndpoint}, {"token_endpoint", md.TokenEndpoint},
		{"device_authorization_endpoint", md.DeviceAuthorizationEndpoint}, {"revocation_endpoint", md.RevocationEndpoint},
	} {
		switch {
		case e.uri == "":
		case !displayableURI(e.uri):
			return &tokenError{msg: fmt.Sprintf("discovery: %s %s is not an http or https URL of visible ASCII", e.name, quoteProvider(e.uri, nil, maxProviderText)), class: Permanent}
		case !isHTTPS(e.uri) && !(isLoopbackHTTP(issuer) && isLoopbackHTTP(e.uri)):
			return &tokenError{msg: fmt.Sprintf("discovery: %s %s is not https: refusing to send secrets in cleartext", e.name, quoteProvider(e.uri, nil, maxProviderText)), class: Permanent}
		}
	}
	return nil
}
