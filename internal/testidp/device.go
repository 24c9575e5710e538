package testidp

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Device authorization grant (RFC 8628).
//
//	POST /device                       device authorization request
//	GET  /device/verify                where the user would enter the code
//	func (p *Provider) DeviceURI() string
//	func (p *Provider) SetDeviceTiming(interval, lifetime time.Duration) // defaults 5s, 10m
//	func (p *Provider) SetDeviceComplete(on bool)     // give verification_uri_complete (default on)
//	func (p *Provider) ApproveDevice(userCode string) error
//	func (p *Provider) DenyDevice(userCode string) error
//	func (p *Provider) ExpireDevice(userCode string) error
//	func (p *Provider) SlowDownDevice(n int)          // the next n polls get slow_down
//	func (p *Provider) LastUserCode() string
//	func (p *Provider) DevicePolls() []DevicePoll     // every device_code poll, in order
//
// The token endpoint answers the device_code grant with
// authorization_pending until the user code is approved, slow_down for a
// poll that comes sooner than half the current interval after the previous
// one or the device authorization (arrival times jitter by the request's
// own latency; a client that does not wait at all is still caught)
// (and then adds 5 s to the interval, as RFC 8628 says clients must),
// access_denied once denied and expired_token once expired.
const (
	PathDevice       = "/device"
	PathDeviceVerify = "/device/verify"
	grantDeviceCode  = "urn:ietf:params:oauth:grant-type:device_code"
)

// deviceState is the provider's device grants; guarded by Provider.mu.
type deviceState struct {
	interval, lifetime time.Duration
	noComplete         bool
	slowDown           int
	byCode             map[string]*deviceGrant // by device code
	byUser             map[string]*deviceGrant // by user code
	lastUser           string
	polls              []DevicePoll
}

// DevicePoll is one device_code poll of the token endpoint.
type DevicePoll struct {
	UserCode string
	Since    time.Duration // since the previous poll, or since the device code was issued
	Interval time.Duration // the interval the client had to wait
	Answer   string        // the OAuth error code, or "token"
}

// earlyFraction is the part of the interval a poll must at least wait
// to get no slow_down. Polls are spaced by when the client sends them; the
// provider sees when they arrive, which on a loaded machine differs by each
// request's latency: impatience, not jitter, is what it must catch.
const earlyFraction = 2

// DevicePolls returns every device_code poll so far, in order.
func (p *Provider) DevicePolls() []DevicePoll {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]DevicePoll(nil), p.dev.polls...)
}

type deviceGrant struct {
	grant
	userCode              string
	expiry                time.Time
	interval              time.Duration
	lastPoll              time.Time // the device authorization, then the last poll
	approved, denied, old bool
}

func newDeviceState() deviceState {
	return deviceState{interval: 5 * time.Second, lifetime: 10 * time.Minute,
		byCode: map[string]*deviceGrant{}, byUser: map[string]*deviceGrant{}}
}

// DeviceURI is the device authorization endpoint.
func (p *Provider) DeviceURI() string { return p.srv.URL + PathDevice }

// SetDeviceTiming sets the interval and expires_in of device codes issued
// from now on.
func (p *Provider) SetDeviceTiming(interval, lifetime time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dev.interval, p.dev.lifetime = interval, lifetime
}

// SetDeviceComplete says whether device answers carry
// verification_uri_complete.
func (p *Provider) SetDeviceComplete(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dev.noComplete = !on
}

// SlowDownDevice makes the next n device_code polls answer slow_down.
func (p *Provider) SlowDownDevice(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dev.slowDown = n
}

// LastUserCode is the user code of the latest device authorization; "" before.
func (p *Provider) LastUserCode() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dev.lastUser
}

// ApproveDevice approves userCode, as the user logging in would.
func (p *Provider) ApproveDevice(userCode string) error {
	return p.setDevice(userCode, func(g *deviceGrant) { g.approved = true })
}

// DenyDevice refuses userCode: the next poll gets access_denied.
func (p *Provider) DenyDevice(userCode string) error {
	return p.setDevice(userCode, func(g *deviceGrant) { g.denied = true })
}

// ExpireDevice expires userCode: the next poll gets expired_token.
func (p *Provider) ExpireDevice(userCode string) error {
	return p.setDevice(userCode, func(g *deviceGrant) { g.old = true })
}

func (p *Provider) setDevice(userCode string, f func(*deviceGrant)) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	g := p.dev.byUser[userCode]
	if g == nil {
		return fmt.Errorf("no device authorization with user code %q", userCode)
	}
	f(g)
	return nil
}

// deviceAuth is POST /device.
func (p *Provider) deviceAuth(w http.ResponseWriter, r *http.Request) {
	client, oerr := p.authenticate(r)
	if oerr != nil {
		writeJSON(w, oerr.status, errorBody{Error: oerr.code, Description: oerr.desc})
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g := &deviceGrant{grant: grant{clientID: client, scope: r.PostForm.Get("scope")},
		userCode: userCode(), interval: p.dev.interval, expiry: time.Now().Add(p.dev.lifetime), lastPoll: time.Now()}
	code := p.nextTokenLocked("dc")
	p.dev.byCode[code], p.dev.byUser[g.userCode], p.dev.lastUser = g, g, g.userCode
	verify := p.srv.URL + PathDeviceVerify
	body := map[string]any{"device_code": code, "user_code": g.userCode, "verification_uri": verify,
		"expires_in": p.numberLocked(int64(p.dev.lifetime / time.Second)), "interval": p.numberLocked(int64(p.dev.interval / time.Second))}
	if !p.dev.noComplete {
		body["verification_uri_complete"] = verify + "?user_code=" + url.QueryEscape(g.userCode)
	}
	writeJSON(w, http.StatusOK, body)
}

// deviceVerify is GET /device/verify: a page, as a real provider shows.
func (p *Provider) deviceVerify(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, "testidp: enter your code")
}

// devicePoll answers a device_code poll.
func (p *Provider) devicePoll(f url.Values, client string) (*tokenBody, *oauthError) {
	p.mu.Lock()
	defer p.mu.Unlock()
	g := p.dev.byCode[f.Get("device_code")]
	if g == nil || g.clientID != client {
		return nil, badRequest("invalid_grant", "unknown or foreign device code")
	}
	t := time.Now()
	poll := DevicePoll{UserCode: g.userCode, Since: t.Sub(g.lastPoll), Interval: g.interval}
	body, oerr := p.devicePollLocked(f, g, t)
	poll.Answer = "token"
	if oerr != nil {
		poll.Answer = oerr.code
	}
	p.dev.polls = append(p.dev.polls, poll)
	return body, oerr
}

func (p *Provider) devicePollLocked(f url.Values, g *deviceGrant, t time.Time) (*tokenBody, *oauthError) {
	switch {
	case g.old || time.Now().After(g.expiry):
		return nil, badRequest("expired_token", "the device code has expired")
	case g.denied:
		return nil, badRequest("access_denied", "the user refused")
	}
	early := t.Sub(g.lastPoll) < g.interval/earlyFraction
	g.lastPoll = t
	switch {
	case p.dev.slowDown > 0 || early:
		if p.dev.slowDown > 0 {
			p.dev.slowDown--
		}
		g.interval += 5 * time.Second
		return nil, badRequest("slow_down", "polling too often")
	case !g.approved:
		return nil, badRequest("authorization_pending", "the user has not approved yet")
	}
	delete(p.dev.byCode, f.Get("device_code"))
	delete(p.dev.byUser, g.userCode)
	g.old = true
	return p.issueLocked(grantDeviceCode, g.grant, !p.noRefresh), nil
}

// userCode is 8 letters as XXXX-XXXX, easy to type (RFC 8628 section 6.1).
func userCode() string {
	const letters = "BCDFGHJKLMNPQRSTVWXZ"
	b := make([]byte, 9)
	rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	b[4] = '-'
	return string(b)
}
