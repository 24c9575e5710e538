// Package testidp is a fake OAuth 2.0 provider for tests and the demo. It
// checks what a careful real provider checks (PKCE S256, loopback redirect
// URIs per RFC 8252, single-use codes, client authentication), issues
// recognisable tokens, records every request, and can be scripted to fail.
// It does not import "testing", so non-test programs may use it too.
//
// # Server
//
//	func New() *Provider                         // serves on 127.0.0.1:0 (httptest.NewServer)
//	func (p *Provider) Close()                   // unblocks hung handlers, then stops; idempotent
//	func (p *Provider) URL() string              // e.g. http://127.0.0.1:34567
//	func (p *Provider) AuthURI() string          // URL()+"/authorize"
//	func (p *Provider) TokenURI() string         // URL()+"/token"
//	func (p *Provider) RevokeURI() string        // URL()+"/revoke"
//	func (p *Provider) Handler() http.Handler    // to serve the same provider elsewhere (a fixed port)
//	func (p *Provider) Transport() http.RoundTripper // in memory, no sockets (e.g. for testing/synctest)
//
// Endpoints (the Path constants): GET /authorize, POST /token
// (authorization_code, refresh_token and device_code grants), POST /revoke
// (RFC 7009), POST /device and GET /device/verify (RFC 8628; see
// device.go for the API that approves, denies and expires user codes), and
// the discovery documents under /.well-known/ (see discovery.go).
//
// # Settings
//
//	func (p *Provider) AddClient(id, secret string) // secret "" = public client
//	func (p *Provider) SetLifetime(d time.Duration) // expires_in of new tokens; default 1h; 0 omits it
//	func (p *Provider) SetTokenType(s string)       // default "Bearer"; "" omits token_type
//	func (p *Provider) SetRotate(on bool)           // each refresh issues a new refresh token, old one dies
//	func (p *Provider) SetIssueRefresh(on bool)     // default on; off: no refresh tokens at all
//	func (p *Provider) SetLogin(l Login)            // LoginApprove (default), LoginDeny, LoginPage
//	func (p *Provider) RevokeRefreshTokens()        // every live refresh token now gives invalid_grant
//	func (p *Provider) SetFloatNumbers(on bool)     // expires_in and interval as JSON floats (3600.0)
//	func (p *Provider) SetRefreshLifetime(d time.Duration) // refresh tokens die after d; refresh_token_expires_in
//
// Without rotation, a refresh answer carries no refresh_token (as Google's
// do) and the old one stays valid.
//
// # Faults
//
//	func (p *Provider) FailNext(endpoint string, n int, f Fault) // queue f for the next n requests
//	func (p *Provider) StartOutage(f Fault)                      // every request gets f ...
//	func (p *Provider) EndOutage()                               // ... until this
//
// A Fault answers instead of the endpoint: Status (default 400 with an
// OAuthError, else 503), RetryAfter, extra Header, Body (raw; default the
// OAuthError as JSON), or Hang: block until the client gives up or Close.
// Its Delay holds the answer back; a Fault with only a Delay is a slow
// answer of the endpoint itself.
//
// # Inspection
//
//	func (p *Provider) Requests() []Request      // every request, in order, secrets included
//	func (p *Provider) Count(endpoint string) int
//	func (p *Provider) Tokens() []Issued         // every successful token answer, in order
//	func (p *Provider) LastAccessToken() string  // "" before the first
//	func (p *Provider) WaitCount(ctx context.Context, endpoint string, n int) error // until Count >= n
//
// A Request holds the endpoint, method, URI, time, headers, form (query and
// body) and raw body; an Issued holds the grant, client, tokens and lifetime.
// Tokens look like "at-<n>-<random>", "rt-<n>-<random>" and codes like
// "code-<n>-<random>", n counting from 1 per provider.
//
// # Fake browser
//
//	func Browse(ctx context.Context, url string) (status int, body string, err error)
//
// Browse follows redirects between loopback addresses only, the way a
// browser goes from the provider to pizauth's redirect listener.
//
// Every method is safe for concurrent use.
package testidp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Endpoint paths, also the names FailNext and Count take.
const (
	PathAuthorize = "/authorize"
	PathToken     = "/token"
	PathRevoke    = "/revoke"
)

// Login says what /authorize does once a request passes its checks.
type Login int

const (
	// LoginApprove redirects at once with a code and the state.
	LoginApprove Login = iota
	// LoginDeny redirects with error=access_denied and the state.
	LoginDeny
	// LoginPage answers 200 with a login page and never redirects.
	LoginPage
)

// Provider is a running fake provider.
type Provider struct {
	srv       *httptest.Server
	handler   http.Handler
	closed    chan struct{} // closed by Close: hung handlers return
	closeOnce sync.Once

	mu        sync.Mutex // guards the fields below
	clients   map[string]string
	codes     map[string]grant // live authorisation codes
	refresh   map[string]grant // live refresh tokens
	seq       int
	lifetime  time.Duration
	lifetimes []time.Duration // of the next tokens, before lifetime again; see SetNextLifetimes
	tokenType string
	rotate    bool
	noRefresh bool
	floats    bool // numbers of answers written as 3600.0
	// refreshLifetime, when set, is how long new refresh tokens live.
	refreshLifetime time.Duration
	login           Login
	faults          map[string][]Fault
	outage          *Fault
	requests        []Request
	arrived         chan struct{}  // closed and replaced when a request is recorded, held or given up
	held            map[string]int // requests being held by a Hang or Delay fault, by endpoint
	abandoned       map[string]int // held requests whose client gave up, by endpoint
	issued          []Issued
	dev             deviceState       // see device.go
	disco           discoverySettings // see discovery.go
}

// grant is what a code or refresh token stands for.
type grant struct {
	clientID    string
	redirectURI string // codes only
	challenge   string // codes only
	scope       string
	expiry      time.Time // refresh tokens only; zero: never
}

// New starts a provider on 127.0.0.1 with an ephemeral port.
func New() *Provider {
	p := &Provider{
		closed:    make(chan struct{}),
		clients:   make(map[string]string),
		codes:     make(map[string]grant),
		refresh:   make(map[string]grant),
		lifetime:  time.Hour,
		tokenType: "Bearer",
		faults:    make(map[string][]Fault),
		arrived:   make(chan struct{}),
		held:      make(map[string]int),
		abandoned: make(map[string]int),
		dev:       newDeviceState(),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathAuthorize, p.authorize)
	mux.HandleFunc("POST "+PathToken, p.token)
	mux.HandleFunc("POST "+PathRevoke, p.revoke)
	mux.HandleFunc("POST "+PathDevice, p.deviceAuth)
	mux.HandleFunc("GET "+PathDeviceVerify, p.deviceVerify)
	mux.HandleFunc("GET "+PathOIDCConfig, p.discovery)
	mux.HandleFunc("GET "+PathOAuthConfig, p.discovery)
	p.handler = p.intercept(mux)
	p.srv = httptest.NewServer(p.handler)
	return p
}

// Close unblocks hung handlers and stops the server. It is idempotent.
func (p *Provider) Close() {
	p.closeOnce.Do(func() {
		close(p.closed)
		p.srv.Close()
	})
}

// URL is the provider's base URL, e.g. http://127.0.0.1:34567.
func (p *Provider) URL() string { return p.srv.URL }

// AuthURI is the authorisation endpoint.
func (p *Provider) AuthURI() string { return p.srv.URL + PathAuthorize }

// TokenURI is the token endpoint.
func (p *Provider) TokenURI() string { return p.srv.URL + PathToken }

// RevokeURI is the revocation endpoint.
func (p *Provider) RevokeURI() string { return p.srv.URL + PathRevoke }

// Handler serves the provider, with recording and faults, for serving on
// another listener.
func (p *Provider) Handler() http.Handler { return p.handler }

// AddClient registers a client; secret "" makes it a public client, which
// must not send a secret.
func (p *Provider) AddClient(id, secret string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clients[id] = secret
}

// SetLifetime sets expires_in of tokens issued from now on; 0 omits it.
func (p *Provider) SetLifetime(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lifetime = d
}

// SetTokenType sets the token_type of answers, e.g. "bearer"; "" omits it.
func (p *Provider) SetTokenType(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokenType = s
}

// SetRotate makes each refresh issue a new refresh token and invalidate the
// one used.
func (p *Provider) SetRotate(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rotate = on
}

// SetIssueRefresh turns refresh tokens on (the default) or off for answers
// from now on.
func (p *Provider) SetIssueRefresh(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.noRefresh = !on
}

// SetLogin sets what /authorize does with a valid request.
func (p *Provider) SetLogin(l Login) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.login = l
}

// SetRefreshLifetime makes refresh tokens issued from now on die after d
// and announce it with refresh_token_expires_in, as Google's do for apps
// in testing (7 days); refresh answers then give the time left. 0 (the
// default): refresh tokens never expire.
func (p *Provider) SetRefreshLifetime(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refreshLifetime = d
}

// SetFloatNumbers makes token and device answers write expires_in and
// interval as JSON floats (3600.0), which JSON allows and some providers
// send.
func (p *Provider) SetFloatNumbers(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.floats = on
}

// RevokeRefreshTokens invalidates every refresh token issued so far.
func (p *Provider) RevokeRefreshTokens() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.refresh)
}

// endpointKey lets callers write "token" as well as "/token".
func endpointKey(endpoint string) string {
	if !strings.HasPrefix(endpoint, "/") {
		return "/" + endpoint
	}
	return endpoint
}
