package oauth_test

import (
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/testidp"
)

func TestDiscover(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(p *testidp.Provider)
		class   oauth.Class // when an error is wanted
		wantErr string
	}{
		{"openid-configuration", func(p *testidp.Provider) {}, 0, ""},
		{"falls back to oauth-authorization-server", func(p *testidp.Provider) { p.SetDiscoveryOIDC(false) }, 0, ""},
		{"issuer mismatch", func(p *testidp.Provider) { p.SetDiscoveryIssuer("https://evil.example") }, oauth.Permanent, `names issuer "https://evil.example"`},
		{"provider down", func(p *testidp.Provider) { p.StartOutage(testidp.Fault{Status: 503}) }, oauth.Transient, "answered 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testidp.New()
			t.Cleanup(p.Close)
			tt.setup(p)
			md, err := new(oauth.Client).Discover(t.Context(), p.URL())
			if tt.wantErr != "" {
				class, _ := oauth.Classify(err)
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || class != tt.class {
					t.Fatalf("Discover: got %v (%v); want an error containing %q (%v)", err, class, tt.wantErr, tt.class)
				}
				return
			}
			if err != nil {
				t.Fatalf("Discover: %v", err)
			}
			if md.TokenEndpoint != p.TokenURI() || md.AuthorizationEndpoint != p.AuthURI() || md.RevocationEndpoint != p.RevokeURI() || md.DeviceAuthorizationEndpoint != p.DeviceURI() {
				t.Errorf("Discover: got %+v; want the provider's endpoints", md)
			}
		})
	}
}

func TestDevice(t *testing.T) {
	p := testidp.New()
	t.Cleanup(p.Close)
	p.AddClient("c", "s")
	p.SetDeviceTiming(1e9, 60e9)
	params := oauth.Params{TokenURI: p.TokenURI(), DeviceAuthURI: p.DeviceURI(), ClientID: "c", ClientSecret: "s", Scopes: []string{"mail"}}
	c := new(oauth.Client)
	dc, err := c.DeviceAuth(t.Context(), params)
	if err != nil {
		t.Fatalf("DeviceAuth: %v", err)
	}
	if dc.UserCode != p.LastUserCode() || !strings.HasSuffix(dc.VerificationURI, testidp.PathDeviceVerify) || dc.Interval != 1e9 {
		t.Fatalf("DeviceAuth: got %+v; want the provider's user code, URI and a 1s interval", dc)
	}
	if err := p.ApproveDevice(dc.UserCode); err != nil {
		t.Fatal(err)
	}
	tok, err := c.DevicePoll(t.Context(), params, dc)
	if err != nil || tok.Access.Reveal() != p.LastAccessToken() {
		t.Fatalf("DevicePoll: got %v, %v; want the provider's token", tok, err)
	}
}
