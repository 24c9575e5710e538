package provider

import (
	"context"
	"sync"
	"testing"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/oauth"
)

// discoverer is a Provider whose only call is Discover, counted.
type discoverer struct {
	Provider   // nil: any other call panics
	mu         sync.Mutex
	discovered int
}

func (d *discoverer) Discover(context.Context, string) (*oauth.Metadata, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.discovered++
	return &oauth.Metadata{AuthorizationEndpoint: "https://idp/auth", TokenEndpoint: "https://idp/token",
		DeviceAuthorizationEndpoint: "https://idp/device"}, nil
}

// TestDiscoveredEndpoints: the issuer's document is fetched once, when
// first needed, and fills only the endpoints the account leaves unset.
func TestDiscoveredEndpoints(t *testing.T) {
	d := &discoverer{}
	c := New(d, nil)
	ac := &config.Account{Name: "work", Issuer: "https://idp", TokenURI: "https://mine/token"}
	p := Params(ac, "http://localhost/")
	c.FillCached(ac, &p)
	if p.AuthURI != "" || c.Cached(ac.Issuer) != nil {
		t.Fatalf("before discovery: params %+v, cached %v; want nothing filled", p, c.Cached(ac.Issuer))
	}
	for range 2 {
		got, err := c.WithEndpoints(t.Context(), ac, p)
		if err != nil {
			t.Fatal(err)
		}
		if got.AuthURI != "https://idp/auth" || got.TokenURI != "https://mine/token" || got.DeviceAuthURI != "https://idp/device" {
			t.Errorf("with endpoints: %+v; want the discovered ones where the account has none", got)
		}
	}
	c.FillCached(ac, &p)
	if p.AuthURI != "https://idp/auth" || p.TokenURI != "https://mine/token" {
		t.Errorf("filled from the cache: %+v", p)
	}
	if d.discovered != 1 {
		t.Errorf("document fetched %d times; want once", d.discovered)
	}
}
