package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl/listen"
	"github.com/pizauth-go/pizauth/internal/redirect"
	"github.com/pizauth-go/pizauth/internal/scheduler"
)

// RunOptions configure Run.
type RunOptions struct {
	ConfigPath string
	Config     *config.Config // already validated
	RuntimeDir string         // exists, mode 0700
	Logger     *slog.Logger
	// Ready is called once the server answers requests, before startup_cmd
	// starts; nil when nobody waits for it.
	Ready func(Listeners)
	// Reload delivers requests to reload the configuration (SIGHUP).
	Reload <-chan os.Signal
	// Reloading and Reloaded, when set, are called around every reload,
	// whether asked for by a client or through Reload.
	Reloading, Reloaded func()
}

// stopLimit bounds how long Run waits, once asked to stop, for requests and
// background work to finish. They are all cancelled then, and user commands
// are killed within 2 s, so only something stuck (a bug, or an input
// without a bound) can take longer: the server must still stop, whether a
// client asked or a signal did.
const stopLimit = 5 * time.Second

// Run serves until ctx is done or a client asks for shutdown: the control
// socket, the redirect listeners, the refresher and the user's commands.
// It fails at once when another server holds the runtime directory. Once
// stopping, it waits at most 5 s for work in progress.
func Run(ctx context.Context, o RunOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	control, inherited, err := listen.ListenOrInherit(o.RuntimeDir)
	if err != nil {
		return err
	}
	defer control.Close()
	redirects, ports, err := listenRedirects(o.Config)
	if err != nil {
		return err
	}
	s := New(ctx, Options{
		ConfigPath: o.ConfigPath, Config: o.Config, Logger: o.Logger,
		Listeners: ports, Shutdown: cancel, Scheduler: scheduler.New(true),
	})
	s.reloading, s.reloaded = o.Reloading, o.Reloaded
	if inherited {
		s.log.Info("using the control socket passed by the service manager", "socket", control.Path())
	}
	if err := s.openPersistFile(); err != nil {
		return err
	}
	s.Start()
	s.wg.Go(func() { s.reloadOn(ctx, o.Reload) })
	var serving sync.WaitGroup
	serving.Go(func() {
		if err := control.Serve(ctx, s, s.log); err != nil {
			s.log.Error("control socket failed", "err", err)
			cancel()
		}
	})
	for _, l := range redirects {
		l.Logger = s.log
		serving.Go(func() {
			if err := l.Serve(ctx, s.HandleRedirect); err != nil && !errors.Is(err, context.Canceled) {
				s.log.Error("redirect listener failed", "err", err)
				cancel()
			}
		})
	}
	s.log.Info("server started", "socket", control.Path(), "http_port", ports.HTTPPort, "https_port", ports.HTTPSPort)
	if o.Ready != nil && ctx.Err() == nil {
		o.Ready(ports)
	}
	s.startup()
	<-ctx.Done()
	if !waitAtMost(stopLimit, func() { serving.Wait(); s.Wait() }) {
		s.log.Warn("stopping without waiting any longer for requests and work in progress", "waited", stopLimit)
	}
	s.log.Info("server stopped")
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
func listenRedirects(cfg *config.Config) ([]*redirect.Listener, Listeners, error) {
	var ls []*redirect.Listener
	var ports Listeners
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

// startup runs startup_cmd, if any, in the background, as the original
// does: whoever waits for the server to start does not wait for the command
// (which may ask for a passphrase, or never end). Its failure is logged and
// reaches error_notify_cmd.
func (s *Server) startup() {
	s.mu.Lock()
	cmd := s.cfg.StartupCmd
	s.mu.Unlock()
	if cmd == "" {
		return
	}
	s.background(func(ctx context.Context) {
		err := s.runCommand(ctx, s.log, "startup_cmd", cmd, nil, 0)
		if err == nil || ctx.Err() != nil {
			return // stopped with the server: not a failure of the command
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.notifyErrorLocked("", fmt.Sprintf("startup_cmd failed: %v", err))
	})
}

// reloadOn reloads the configuration whenever reload delivers, until ctx is
// done.
func (s *Server) reloadOn(ctx context.Context, reload <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-reload:
			s.reload(ctx)
		}
	}
}
