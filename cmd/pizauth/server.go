package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl/listen"
	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/server"
)

var serverOptions = []option{{short: 'c', hasArg: true}, {short: 'd'}, {short: 'v'}}

// maxVerbosity is how many -v raise the log level (error up to trace).
const maxVerbosity = 4

// serverSetup is what the server command works out before it starts.
type serverSetup struct {
	configPath string
	cfg        *config.Config
	runtimeDir string
	verbosity  int
}

func cmdServer(p parsedArgs) error {
	if p.count["v"] > maxVerbosity {
		return usageError{fmt.Sprintf("-v may be given at most %d times", maxVerbosity)}
	}
	setup, err := prepareServer(p.value["c"], p.count["v"])
	if err != nil {
		return err
	}
	if p.count["d"] == 0 {
		return detach(setup)
	}
	return serveForeground(setup)
}

// prepareServer validates the configuration and the runtime directory
// before anything else happens.
func prepareServer(flagPath string, verbosity int) (serverSetup, error) {
	path, err := paths.ConfigFile(flagPath, os.Getenv)
	if err != nil {
		return serverSetup{}, err
	}
	if path, err = filepath.Abs(path); err != nil {
		return serverSetup{}, err
	}
	cfg, err := config.Load(path)
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
	if err := protectMemory(); err != nil {
		return err
	}
	readyPipe := takeReadyPipe()
	logger, closeLog := newLogger(s.verbosity, readyPipe != nil)
	defer closeLog()
	defer startProfiling(logger)() // PIZAUTH_CPUPROFILE, PIZAUTH_MEMPROFILE
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	notify := func(state string) {
		// A detached server is no service manager's main process.
		if readyPipe == nil {
			daemon.SdNotify(false, state)
		}
	}
	ready := func(server.Listeners) {
		notify(daemon.SdNotifyReady)
		readyPipe.report(nil)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	err := server.Run(ctx, server.RunOptions{
		ConfigPath: s.configPath, Config: s.cfg, RuntimeDir: s.runtimeDir, Logger: logger,
		Ready: ready, Reload: hup,
		Reloading: func() { notify(daemon.SdNotifyReloading) },
		Reloaded:  func() { notify(daemon.SdNotifyReady) },
	})
	notify(daemon.SdNotifyStopping)
	if errors.Is(err, listen.ErrAlreadyRunning) {
		err = fmt.Errorf("pizauth server already running (runtime directory %s)", s.runtimeDir)
	}
	readyPipe.report(err)
	return err
}
