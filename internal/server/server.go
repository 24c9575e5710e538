// Package server is the account state of the pizauth daemon and its
// transitions: every account's token or pending authorisation, in memory,
// changed by requests (package control turns the control socket's into
// calls here), OAuth redirects, background refreshes and their outcomes,
// reloads and restores; the user's commands hear of the changes.
//
// All account state is guarded by one mutex, Server.mu, which is never held
// across I/O. Slow work (code exchange, refresh, user commands) runs in
// goroutines owned by the server's root context; it captures the account's
// generation before it starts and writes its result only if the generation is
// unchanged, so late results never overwrite newer state.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/control"
	"github.com/pizauth-go/pizauth/internal/hooks"
	"github.com/pizauth-go/pizauth/internal/persist"
	"github.com/pizauth-go/pizauth/internal/provider"
	"github.com/pizauth-go/pizauth/internal/scheduler"
)

var (
	_ control.Accounts = (*Server)(nil)
	_ persist.Host     = (*Server)(nil)
)

// Listeners describes the redirect listeners, fixed for the server's life.
type Listeners struct {
	HTTPPort    int    // 0 when HTTP is off
	HTTPSPort   int    // 0 when HTTPS is off
	HTTPSPubKey string // the certificate's raw public key, as redirect.PublicKeyHex formats it
}

// Options configure a Server.
type Options struct {
	ConfigPath string         // re-read by reload
	Config     *config.Config // already validated
	Logger     *slog.Logger
	Provider   provider.Provider   // nil: an oauth.Client with the default HTTP client
	RunCommand hooks.CommandRunner // nil: shellcmd.Run
	RunOutput  hooks.OutputRunner  // nil: shellcmd.Output
	// Timeouts bound user commands; zero fields are SPEC §7's.
	Timeouts  hooks.Timeouts
	Listeners Listeners
	// Notifier hears around reloads; nil: nobody.
	Notifier Notifier
	// Scheduler calls the server back when an account's refresh or
	// reminder is due; nil: a scheduler.Scheduler without the wall-clock
	// alarm, which tests on the synctest clock need.
	Scheduler Scheduler
}

// Notifier hears of the server's reloads: the daemon tells its service
// manager (sd_notify).
type Notifier interface {
	Reloading() // a reload starts
	Reloaded()  // the reload has ended, whatever its outcome
}

// nobody is the Notifier of a server nobody watches.
type nobody struct{}

func (nobody) Reloading() {}
func (nobody) Reloaded()  {}

// Scheduler calls back, with the name and time given to Schedule, when that
// wall-clock time arrives; *scheduler.Scheduler implements it. Call backs
// whose time no longer matches the account's are ignored.
type Scheduler interface {
	Schedule(name string, at time.Time)
	Run(ctx context.Context, fire func(name string, at time.Time))
}

// Server is the daemon's state and logic, independent of sockets.
type Server struct {
	log        *slog.Logger
	provider   *provider.Client // calls the accounts' providers
	configPath string
	listeners  Listeners
	notifier   Notifier
	// reloadTurn is held (buffered 1) by the reload under way.
	reloadTurn chan struct{}
	sched      Scheduler
	hooks      *hooks.Hooks // runs the user's commands
	persister  *persist.Persister
	ctx        context.Context // root of all background work
	wg         sync.WaitGroup  // background work

	mu       sync.Mutex // guards the fields below and every account's state
	cfg      *config.Config
	accounts map[string]*account
	byState  map[string]*account // pending requests by OAuth state
	// revoking holds the accounts whose old tokens are being revoked at the
	// provider, by name; see revoke.go.
	revoking map[string]*revocations
}

// New returns a server for o.Config whose background work lives until ctx is
// done. Call Start to run its loops.
func New(ctx context.Context, o Options) *Server {
	s := &Server{
		log:        o.Logger,
		provider:   provider.New(o.Provider, o.Logger),
		configPath: o.ConfigPath,
		listeners:  o.Listeners,
		sched:      o.Scheduler,
		notifier:   o.Notifier,
		reloadTurn: make(chan struct{}, 1),
		ctx:        ctx,
		cfg:        o.Config,
		accounts:   make(map[string]*account, len(o.Config.Accounts)),
		byState:    make(map[string]*account),
		revoking:   make(map[string]*revocations),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.hooks = hooks.New(hooks.Options{Logger: s.log, Run: o.RunCommand, Output: o.RunOutput, Timeouts: o.Timeouts,
		Go: s.background, EventCmd: func() string {
			s.mu.Lock()
			defer s.mu.Unlock()
			return s.cfg.TokenEventCmd
		}})
	s.persister = s.newPersister()
	if s.notifier == nil {
		s.notifier = nobody{}
	}
	if s.sched == nil {
		s.sched = scheduler.New(false)
	}
	for _, ac := range o.Config.Accounts {
		s.accounts[ac.Name] = &account{cfg: ac}
	}
	return s
}

// Start runs the scheduler, the token event queue and the persister until
// the root context is done.
func (s *Server) Start() {
	s.wg.Go(func() { s.sched.Run(s.ctx, s.onDue) })
	s.wg.Go(func() { s.hooks.Deliver(s.ctx) })
	s.wg.Go(func() { s.persister.Run(s.ctx) })
}

// RunStartupCmd runs startup_cmd, if any, in the background, as the
// original does once the server answers: whoever waits for the server to
// start does not wait for the command (which may ask for a passphrase, or
// never end). Its failure is logged and reaches error_notify_cmd.
func (s *Server) RunStartupCmd() {
	s.mu.Lock()
	cmd := s.cfg.StartupCmd
	s.mu.Unlock()
	if cmd == "" {
		return
	}
	s.hooks.Startup(cmd, func(err error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.notifyErrorLocked("", fmt.Sprintf("startup_cmd failed: %v", err))
	})
}

// Wait blocks until all background work has stopped, which happens once the
// root context is done, then saves the last token changes to persist_file.
// Call it once no request is being served.
func (s *Server) Wait() {
	s.wg.Wait()
	s.persister.Close()
}

// background runs f in a goroutine owned by the server.
func (s *Server) background(f func(ctx context.Context)) {
	s.wg.Go(func() { f(s.ctx) })
}

// current reports whether a is still the account of its name at generation
// gen, i.e. whether work started at gen may write its result.
func (s *Server) currentLocked(a *account, gen uint64) bool {
	return s.accounts[a.cfg.Name] == a && a.gen == gen
}
