package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/control"
	"github.com/pizauth-go/pizauth/internal/ctl/endpoint"
	"github.com/pizauth-go/pizauth/internal/redirect"
	"github.com/pizauth-go/pizauth/internal/scheduler"
	"github.com/pizauth-go/pizauth/internal/server"
)

// RunOptions configure Listen.
type RunOptions struct {
	ConfigPath string
	Config     *config.Config // already validated
	RuntimeDir string         // exists, mode 0700
	Logger     *slog.Logger
	Notifier   Notifier // nil: nobody hears of readiness and reloads
}

// Notifier hears of the server's life cycle: the daemon tells its service
// manager (sd_notify) and whoever started a detached server.
type Notifier interface {
	Ready() // the server answers requests
	server.Notifier
}

// stopLimit bounds how long Serve waits, once asked to stop, for requests
// and background work to finish. They are all cancelled then, and user
// commands are killed within 2 s, so only something stuck (a bug, or an
// input without a bound) can take longer: the server must still stop,
// whether a client asked or a signal did.
const stopLimit = 5 * time.Second

// Process is a server with its control socket and redirect listeners
// bound: the whole daemon, which Serve runs.
type Process struct {
	// Server is the account state; the daemon reloads it on SIGHUP.
	Server    *server.Server
	handler   *control.Handler // answers the control socket's requests
	log       *slog.Logger
	notifier  Notifier      // nil: nobody
	dir       *endpoint.Dir // the runtime directory and its control socket
	inherited bool
	redirects []*redirect.Listener
	ports     server.Listeners
	ctx       context.Context // done when the server is asked to stop
	cancel    context.CancelFunc
}

// Listen binds the control socket (or takes the one the service manager
// passes) and the redirect listeners, creates the server and starts reading
// persist_file back. It fails at once when another server holds the
// runtime directory. The server lives until ctx is done or a client asks
// for shutdown; call Serve.
func Listen(ctx context.Context, o RunOptions) (*Process, error) {
	ctx, cancel := context.WithCancel(ctx)
	p := &Process{ctx: ctx, cancel: cancel, log: o.Logger, notifier: o.Notifier}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if p.dir, p.inherited, err = endpoint.ClaimOrInherit(o.RuntimeDir); err != nil {
		cancel()
		return nil, err
	}
	if p.redirects, p.ports, err = listenRedirects(o.Config); err != nil {
		p.close()
		return nil, err
	}
	p.Server = server.New(ctx, server.Options{
		ConfigPath: o.ConfigPath, Config: o.Config, Logger: o.Logger, Notifier: o.Notifier,
		Listeners: p.ports, Scheduler: scheduler.New(true),
	})
	p.handler = control.New(control.Options{Accounts: p.Server, Logger: p.log, Shutdown: p.stop, ConfigFile: o.ConfigPath,
		HTTPPort: p.ports.HTTPPort, HTTPSPort: p.ports.HTTPSPort, HTTPSPubKey: p.ports.HTTPSPubKey})
	if err := p.Server.OpenPersistFile(); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// stop asks the server to stop. The control socket says so before the
// client that asked is answered, so that a server started right after that
// answer waits for this one instead of failing (see endpoint.Dir.Stopping);
// a signal's stop says so a moment later, in Serve.
func (p *Process) stop() {
	p.stopping()
	p.cancel()
}

// stopping tells the control socket that the server is stopping.
func (p *Process) stopping() {
	if err := p.dir.Stopping(); err != nil {
		p.log.Warn("control socket: cannot say the server is stopping", "err", err)
	}
}

// close releases what Listen bound, when Serve will not run.
func (p *Process) close() {
	p.cancel()
	closeAll(p.redirects)
	p.dir.Close()
}

// Serve serves until the server is asked to stop: the control socket, the
// redirect listeners, the refresher and the user's commands. Once stopping,
// it waits at most 5 s for work in progress.
func (p *Process) Serve() error {
	ctx, cancel, s, log := p.ctx, p.cancel, p.Server, p.log
	defer cancel()
	defer p.dir.Close()
	if p.inherited {
		log.Info("using the control socket passed by the service manager", "socket", p.dir.Socket())
	}
	s.Start()
	var serving sync.WaitGroup
	serving.Go(func() { p.dir.Keep(ctx, log) })
	serving.Go(func() {
		if err := (&endpoint.Server{Handler: p.handler, Logger: log}).Serve(ctx, p.dir); err != nil {
			log.Error("control socket failed", "err", err)
			cancel()
		}
	})
	for _, l := range p.redirects {
		l.Logger = log
		serving.Go(func() {
			if err := l.Serve(ctx, s.HandleRedirect); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("redirect listener failed", "err", err)
				cancel()
			}
		})
	}
	log.Info("server started", "socket", p.dir.Socket(), "http_port", p.ports.HTTPPort, "https_port", p.ports.HTTPSPort)
	if ctx.Err() == nil && p.notifier != nil {
		p.notifier.Ready()
	}
	s.RunStartupCmd()
	<-ctx.Done()
	p.stopping()
	if !waitAtMost(stopLimit, func() { serving.Wait(); s.Wait() }) {
		log.Warn("stopping without waiting any longer for requests and work in progress", "waited", stopLimit)
	}
	log.Info("server stopped")
	return nil
}

// waitAtMost calls wait and returns true once it returns, or false once
// limit has passed; wait then goes on in the background.
func waitAtMost(limit time.Duration, wait func()) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		wait()
	}()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-done:
		return true
	case <-timer.C:
		return false
	}
}

// listenRedirects binds the configured redirect listeners.
func listenRedirects(cfg *config.Config) ([]*redirect.Listener, server.Listeners, error) {
	var ls []*redirect.Listener
	var ports server.Listeners
	if cfg.HTTPListen != "" {
		l, err := listenRedirect("http_listen", cfg.HTTPListen, cfg.HTTPListenDefault, nil)
		if err != nil {
			return nil, ports, err
		}
		ls, ports.HTTPPort = append(ls, l), l.Port()
	}
	if cfg.HTTPSListen != "" {
		cert, pub, err := redirect.SelfSigned()
		if err != nil {
			closeAll(ls)
			return nil, ports, fmt.Errorf("creating the HTTPS certificate: %w", err)
		}
		l, err := listenRedirect("https_listen", cfg.HTTPSListen, cfg.HTTPSListenDefault, &cert)
		if err != nil {
			closeAll(ls)
			return nil, ports, err
		}
		ls, ports.HTTPSPort, ports.HTTPSPubKey = append(ls, l), l.Port(), pub
	}
	return ls, ports, nil
}

// listenRedirect binds the listener that option configures: addr as it is
// when the file gives it, as the original does, else both loopback
// addresses, so that no other user can take the one "localhost" leads to.
func listenRedirect(option, addr string, isDefault bool, cert *tls.Certificate) (*redirect.Listener, error) {
	if !isDefault {
		l, err := redirect.Listen(addr, cert)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", option, addr, err)
		}
		return l, nil
	}
	l, err := redirect.ListenLoopback(cert)
	if err != nil {
		return nil, fmt.Errorf("%s (default: 127.0.0.1 and ::1): %w", option, err)
	}
	return l, nil
}

func closeAll(ls []*redirect.Listener) {
	for _, l := range ls {
		l.Close()
	}
}
