package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/oauth2"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/control"
	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/oauth"
	"github.com/pizauth-go/pizauth/internal/redirect"
	"github.com/pizauth-go/pizauth/internal/secret"
)

// fakeProvider is a token endpoint whose answers the test chooses. Calls
// block until answered when hold is set.
type fakeProvider struct {
	mu        sync.Mutex // guards the fields below
	refreshes []time.Time
	exchanges []secret.String
	used      []secret.String // refresh tokens presented, in order
	// answer decides each call's outcome; nil answers a fresh token.
	answer func(grant string, n int) (*oauth.Token, error)
	hold   chan struct{} // when non-nil, calls wait for it to be closed
	issued int
	// revokeTakes is how long each revocation takes; revoked records the
	// token_type_hint of each one that finished, with the time it did.
	revokeTakes time.Duration
	revoked     []revoked
}

// revoked is one finished revocation.
type revoked struct {
	hint string
	at   time.Time
}

func (f *fakeProvider) Revoke(ctx context.Context, _ oauth.Params, _ string, _ secret.String, hint string) error {
	f.mu.Lock()
	takes := f.revokeTakes
	f.mu.Unlock()
	select {
	case <-time.After(takes):
	case <-ctx.Done():
		return ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked = append(f.revoked, revoked{hint: hint, at: time.Now()})
	return nil
}

func (f *fakeProvider) setRevokeTakes(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revokeTakes = d
}

// errNotOffered is the fake provider's answer for what it does not do.
var errNotOffered = errors.New("the fake provider does not offer this")

func (f *fakeProvider) DeviceAuth(context.Context, oauth.Params) (*oauth.DeviceCode, error) {
	return nil, errNotOffered
}

func (f *fakeProvider) DevicePoll(context.Context, oauth.Params, *oauth.DeviceCode) (*oauth.Token, error) {
	return nil, errNotOffered
}

func (f *fakeProvider) Discover(context.Context, string) (*oauth.Metadata, error) {
	return nil, errNotOffered
}

// revocations returns the finished revocations.
func (f *fakeProvider) revocations() []revoked {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]revoked(nil), f.revoked...)
}

func (f *fakeProvider) Exchange(ctx context.Context, _ oauth.Params, code, _ secret.String) (*oauth.Token, error) {
	f.mu.Lock()
	f.exchanges = append(f.exchanges, code)
	n := len(f.exchanges)
	f.mu.Unlock()
	return f.reply(ctx, "authorization_code", n)
}

func (f *fakeProvider) Refresh(ctx context.Context, _ oauth.Params, refresh secret.String) (*oauth.Token, error) {
	f.mu.Lock()
	f.refreshes = append(f.refreshes, time.Now())
	f.used = append(f.used, refresh)
	n := len(f.refreshes)
	f.mu.Unlock()
	return f.reply(ctx, "refresh_token", n)
}

func (f *fakeProvider) reply(ctx context.Context, grant string, n int) (*oauth.Token, error) {
	f.mu.Lock()
	hold, answer := f.hold, f.answer
	f.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if answer != nil {
		return answer(grant, n)
	}
	return f.token(time.Hour), nil
}

// token issues a new token pair living d.
func (f *fakeProvider) token(d time.Duration) *oauth.Token {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issued++
	n := string(rune('a' + f.issued%26))
	return &oauth.Token{Access: secret.String("access-" + n), Refresh: secret.String("refresh-" + n), ExpiresIn: d}
}

// setAnswer makes answer decide the outcome of later calls.
func (f *fakeProvider) setAnswer(answer func(grant string, n int) (*oauth.Token, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer = answer
}

// holdCalls makes later calls wait until the returned function is called.
func (f *fakeProvider) holdCalls() (release func()) {
	hold := make(chan struct{})
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hold = hold
	return sync.OnceFunc(func() { close(hold) })
}

// usedRefreshTokens returns the refresh tokens presented, in order.
func (f *fakeProvider) usedRefreshTokens() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.used {
		out = append(out, r.Reveal())
	}
	return out
}

// exchangeCount is how many code exchanges were asked for.
func (f *fakeProvider) exchangeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.exchanges)
}

func (f *fakeProvider) refreshTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.refreshes...)
}

// Errors as the oauth package classifies them.
var (
	errTransient = errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	errPermanent = &oauth2.RetrieveError{Response: &http.Response{StatusCode: 400}, ErrorCode: "invalid_grant"}
)

// errRetryAfter is a 429 asking to wait seconds.
func errRetryAfter(seconds string) error {
	h := http.Header{}
	h.Set("Retry-After", seconds)
	return &oauth2.RetrieveError{Response: &http.Response{StatusCode: 429, Header: h}}
}

// ran is one user command run by the fake runner.
type ran struct {
	name string
	env  []string
	at   time.Time
}

// fakeRunner records user commands instead of running them.
type fakeRunner struct {
	mu     sync.Mutex // guards the fields below
	ran    []ran
	result func(name string) error
}

func (r *fakeRunner) run(_ context.Context, _ *slog.Logger, name, _ string, env []string, _ time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ran = append(r.ran, ran{name: name, env: env, at: time.Now()})
	if r.result != nil {
		return r.result(name)
	}
	return nil
}

// runs returns the recorded runs of the command called name.
func (r *fakeRunner) runs(name string) []ran {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []ran
	for _, x := range r.ran {
		if x.name == name {
			out = append(out, x)
		}
	}
	return out
}

// events returns the PIZAUTH_EVENT of each token_event_cmd run, as
// "account:event".
func (r *fakeRunner) events() []string {
	var out []string
	for _, x := range r.runs("token_event_cmd") {
		out = append(out, envValue(x.env, "PIZAUTH_ACCOUNT")+":"+envValue(x.env, "PIZAUTH_EVENT"))
	}
	return out
}

func envValue(env []string, key string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// testAccount is an account with the default timings.
func testAccount(name string) *config.Account {
	return &config.Account{
		Name: name, AuthURI: "https://idp.example/authorize", TokenURI: "https://idp.example/token",
		ClientID: "client-" + name, RedirectURI: "http://localhost/",
		RefreshAtLeast: 90 * time.Minute, RefreshBeforeExpiry: 90 * time.Second, RefreshRetry: 40 * time.Second,
	}
}

// testConfig is a configuration with the given accounts and every command set.
func testConfig(accounts ...*config.Account) *config.Config {
	return &config.Config{
		AuthNotifyCmd: "notify", AuthNotifyInterval: 15 * time.Minute, ErrorNotifyCmd: "error",
		TokenEventCmd: "event", HTTPListen: "127.0.0.1:0",
		RefreshAtLeast: 90 * time.Minute, RefreshBeforeExpiry: 90 * time.Second, RefreshRetry: 40 * time.Second,
		Accounts: accounts,
	}
}

// harness is a server with fake provider and commands, inside a synctest
// bubble.
type harness struct {
	t      *testing.T
	s      *Server
	ctl    *control.Handler // answers requests as the control socket does
	idp    *fakeProvider
	runner *fakeRunner
}

// start creates and starts a server in the current synctest bubble; it is
// stopped when the test ends.
func start(t *testing.T, cfg *config.Config) *harness {
	return startWith(t, Options{Config: cfg})
}

// startWith is start with options; the fake provider, the fake command
// runner and an HTTP listener on port 8080 are filled in, and shutdown
// requests stop the server.
func startWith(t *testing.T, o Options) *harness {
	ctx, cancel := context.WithCancel(t.Context())
	h := &harness{t: t, idp: &fakeProvider{}, runner: &fakeRunner{}}
	o.Provider, o.RunCommand = h.idp, h.runner.run
	if o.Listeners == (Listeners{}) {
		o.Listeners = Listeners{HTTPPort: 8080}
	}
	h.s = New(ctx, o)
	h.ctl = handler(h.s, o, cancel)
	h.s.Start()
	t.Cleanup(func() { cancel(); h.s.Wait() })
	return h
}

// handler answers the requests of s, created with o, as the control socket
// does; a shutdown request calls shutdown.
func handler(s *Server, o Options, shutdown func()) *control.Handler {
	return control.New(control.Options{Accounts: s, Logger: o.Logger, Shutdown: shutdown, ConfigFile: o.ConfigPath,
		HTTPPort: o.Listeners.HTTPPort, HTTPSPort: o.Listeners.HTTPSPort, HTTPSPubKey: o.Listeners.HTTPSPubKey})
}

func (h *harness) do(req ctl.Request) ctl.Response {
	h.t.Helper()
	return h.ctl.Handle(h.t.Context(), req)
}

// status and statusJSON are what status and status -j answer.
func (h *harness) status() string     { return h.do(ctl.Request{Cmd: ctl.CmdStatus}).Payload }
func (h *harness) statusJSON() string { return h.do(ctl.Request{Cmd: ctl.CmdStatusJSON}).Payload }

func (h *harness) show(name string) ctl.Response {
	return h.do(ctl.Request{Cmd: ctl.CmdShow, Account: name, WithURL: true})
}

// pendingState returns the OAuth state of the account's pending request.
func (h *harness) pendingState(name string) string {
	h.t.Helper()
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	a := h.s.accounts[name]
	if a.phase != phasePending {
		h.t.Fatalf("account %s is in phase %d; want pending", name, a.phase)
	}
	return a.pending.state
}

// authorise takes the account through the authorisation code flow.
func (h *harness) authorise(name string) {
	h.t.Helper()
	if r := h.show(name); r.Kind != ctl.KindPending {
		h.t.Fatalf("show %s = %+v; want pending", name, r)
	}
	page := h.s.HandleRedirect(redirect.Callback{Path: "/", State: h.pendingState(name), Code: "code"})
	if page.Status != 200 {
		h.t.Fatalf("redirect page = %+v; want 200", page)
	}
	synctest.Wait()
	if r := h.show(name); r.Kind != ctl.KindToken {
		h.t.Fatalf("show %s after authorisation = %+v; want a token", name, r)
	}
}

// token returns what show answers for name.
func (h *harness) token(name string) string {
	h.t.Helper()
	r := h.show(name)
	if r.Kind != ctl.KindToken {
		h.t.Fatalf("show %s = %+v; want a token", name, r)
	}
	return r.Payload
}

// redirectFor is the provider's redirect carrying a code for state.
func redirectFor(state string) redirect.Callback {
	return redirect.Callback{Path: "/", State: state, Code: "code"}
}
