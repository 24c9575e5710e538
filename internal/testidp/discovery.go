package testidp

import (
	"net/http"
)

// Discovery (OpenID Connect Discovery 1.0, RFC 8414).
//
//	GET /.well-known/openid-configuration
//	GET /.well-known/oauth-authorization-server
//	func (p *Provider) SetDiscoveryIssuer(issuer string) // "" (default): URL()
//	func (p *Provider) SetDiscoveryOIDC(on bool)         // off: the OpenID path answers 404
//
// The document names the issuer, the authorization, token, device
// authorization and revocation endpoints.
const (
	PathOIDCConfig  = "/.well-known/openid-configuration"
	PathOAuthConfig = "/.well-known/oauth-authorization-server"
)

// discoverySettings are guarded by Provider.mu.
type discoverySettings struct {
	issuer string
	noOIDC bool
}

// SetDiscoveryIssuer makes the discovery document name issuer instead of
// the provider's URL, as a misconfigured or hostile provider would.
func (p *Provider) SetDiscoveryIssuer(issuer string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.disco.issuer = issuer
}

// SetDiscoveryOIDC turns the OpenID Connect discovery path on (the
// default) or off, leaving only the RFC 8414 one.
func (p *Provider) SetDiscoveryOIDC(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.disco.noOIDC = !on
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	issuer, noOIDC := p.disco.issuer, p.disco.noOIDC
	p.mu.Unlock()
	if r.URL.Path == PathOIDCConfig && noOIDC {
		http.NotFound(w, r)
		return
	}
	if issuer == "" {
		issuer = p.srv.URL
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"issuer":                        issuer,
		"authorization_endpoint":        p.AuthURI(),
		"token_endpoint":                p.TokenURI(),
		"device_authorization_endpoint": p.DeviceURI(),
		"revocation_endpoint":           p.RevokeURI(),
	})
}
