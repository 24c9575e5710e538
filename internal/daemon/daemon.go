// Package daemon is the pizauth server process, the program pizauth-server
// that `pizauth server` executes: its command line, detaching, logging,
// signals and service-manager notifications, and the wiring of the server's
// control socket and redirect listeners to its account state (serve.go).
//
// The server is a program of its own so that the client, run before every
// mail sync and send, links none of the server's packages: Go runs every
// linked package's initialisation at each start, whatever the command.
// For the same reason pizauth-server also runs the mail logins of `pizauth
// test` (package mailcheck), which need TLS.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	sd "github.com/coreos/go-systemd/v22/daemon"

	"github.com/pizauth-go/pizauth/internal/cmdline"
	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl/endpoint"
	"github.com/pizauth-go/pizauth/internal/getopt"
	"github.com/pizauth-go/pizauth/internal/mailcheck"
	"github.com/pizauth-go/pizauth/internal/mailcheck/plan"
	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/server"
	"github.com/pizauth-go/pizauth/internal/version"
)

// errAlreadyRunning is the error, and the original's message, when a server
// already answers on the socket; the exit status is then 1, as the
// original's, or cmdline.ExitAlreadyRunning for auto-start.
var errAlreadyRunning = errors.New("pizauth authenticator already running")

// runError is a failure of the server once it runs, after the checks
// that come before (the configuration, the runtime directory): the
// original's logger is set up by then, so it prints "ERROR - message", where
// the errors before are printed bare.
type runError struct{ error }

func (e runError) Unwrap() error { return e.error }

// Main runs the server with args, the arguments of `pizauth server`, and
// returns the exit status. A wrong command line, or -h, prints pizauth's
// usage on standard error (exit 1), as `pizauth server` always did; other
// errors are printed as they are.
func Main(args []string) int {
	if len(args) == 1 && (args[0] == "--version" || args[0] == "-V") {
		fmt.Println("pizauth " + version.String())
		return 0
	}
	if len(args) > 0 && args[0] == plan.HelperArg { // pizauth test's logins
		return mailcheck.HelperMain(args[1:], os.Stdin, os.Stdout, os.Stderr)
	}
	autoStart := os.Getenv(cmdline.AutoStartEnv) != ""
	os.Unsetenv(cmdline.AutoStartEnv)
	c, _ := cmdline.Lookup("server")
	p, err := c.Parse(args)
	if err != nil {
		fmt.Fprint(os.Stderr, cmdline.Usage(clientName()))
		return 1
	}
	err = start(p)
	var running runError
	switch {
	case errors.As(err, &running):
		fmt.Fprintln(os.Stderr, "ERROR - "+err.Error())
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errAlreadyRunning) && autoStart:
		return cmdline.ExitAlreadyRunning
	}
	return 1
}

// clientName is the name of the pizauth beside this pizauth-server, which
// the usage shows.
func clientName() string {
	return strings.TrimSuffix(cmdline.ProgName(), "-server")
}

// serverSetup is what the server command works out before it starts.
type serverSetup struct {
	configPath string
	cfg        *config.Config
	runtimeDir string
	verbosity  int
}

// start validates the configuration and the runtime directory, then serves
// in the foreground (-d) or detaches.
func start(p getopt.Args) error {
	setup, err := prepareServer(p.Value["config"], p.Count["verbose"])
	if err != nil {
		return err
	}
	if p.Count["d"] == 0 {
		return detach(setup)
	}
	return serveForeground(setup)
}

// prepareServer validates the configuration and the runtime directory
// before anything else happens.
func prepareServer(flagPath string, verbosity int) (serverSetup, error) {
	path, err := cmdline.ConfigFile(flagPath)
	if err != nil {
		return serverSetup{}, err
	}
	if path, err = filepath.Abs(path); err != nil {
		return serverSetup{}, err
	}
	cfg, err := server.LoadConfig(path)
	if err != nil {
		return serverSetup{}, err
	}
	dir, err := paths.RuntimeDir(os.Getenv)
	if err != nil {
		return serverSetup{}, err
	}
	if err := paths.EnsureDir(dir); err != nil {
		return serverSetup{}, err
	}
	return serverSetup{configPath: path, cfg: cfg, runtimeDir: dir, verbosity: verbosity}, nil
}

// serveForeground runs the server in this process until it is asked to stop.
func serveForeground(s serverSetup) error {
	catchSIGPIPE()
	defer tuneGCForIdle()() // no forced collection every 2 minutes while idle
	if err := protectMemory(); err != nil {
		return err
	}
	readyPipe := takeReadyPipe()
	logger, closeLog := newLogger(s.verbosity, readyPipe != nil)
	defer closeLog()
	defer startProfiling(logger)() // PIZAUTH_CPUPROFILE, PIZAUTH_MEMPROFILE
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// Asked for before the server starts: SIGHUP's default action ends the
	// process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	notifier := serviceNotifier{readyPipe}
	err := serve(ctx, hup, RunOptions{
		ConfigPath: s.configPath, Config: s.cfg, RuntimeDir: s.runtimeDir, Logger: logger,
		Notifier: notifier,
	})
	notifier.notify(sd.SdNotifyStopping)
	if errors.Is(err, endpoint.ErrAlreadyRunning) {
		err = errAlreadyRunning
	}
	readyPipe.report(err)
	if err != nil && !errors.Is(err, errAlreadyRunning) {
		err = runError{err}
	}
	return err
}

// serve runs the server until it stops, reloading it whenever hup
// delivers.
func serve(ctx context.Context, hup <-chan os.Signal, o RunOptions) error {
	p, err := Listen(ctx, o)
	if err != nil {
		return err
	}
	served := make(chan struct{})
	var reloading sync.WaitGroup
	reloading.Go(func() {
		for {
			select {
			case <-served:
				return
			case <-hup:
				p.Server.Reload(ctx) // a refusal is logged
			}
		}
	})
	defer reloading.Wait()
	defer close(served)
	return p.Serve()
}

// serviceNotifier tells the service manager (sd_notify) and, for a
// detached server, the process that started it of the server's life cycle.
type serviceNotifier struct{ readyPipe *readyPipe }

// notify tells the service manager.
func (n serviceNotifier) notify(state string) {
	// A detached server is no service manager's main process.
	if n.readyPipe == nil {
		sd.SdNotify(false, state)
	}
}

func (n serviceNotifier) Ready() {
	n.notify(sd.SdNotifyReady)
	n.readyPipe.report(nil)
}

func (n serviceNotifier) Reloading() { n.notify(sd.SdNotifyReloading) }
func (n serviceNotifier) Reloaded()  { n.notify(sd.SdNotifyReady) }

// catchSIGPIPE keeps a write to a standard output or error whose reader
// went away (`pizauth server -d 2>&1 | head`) from killing the server: Go
// raises SIGPIPE for such writes unless the program asks for the signal,
// and then they fail with EPIPE, which logging ignores. The signal is
// caught rather than ignored because an ignored signal stays ignored in
// the user commands the server runs.
func catchSIGPIPE() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}
