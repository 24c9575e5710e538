package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// autoStartEnv set to 1 makes client commands start a server when none
// answers, as show --auto-start does for one show.
const autoStartEnv = "PIZAUTH_AUTOSTART"

// autoStartFromEnv reports whether PIZAUTH_AUTOSTART asks for auto-start.
func autoStartFromEnv() bool { return os.Getenv(autoStartEnv) == "1" }

// mayAutoStart reports whether req, which failed with err, should start a
// server and be retried: only when nothing listens on the socket (so the
// request cannot have reached a server), and never to shut one down.
func mayAutoStart(req ctl.Request, err error) bool {
	return req.Cmd != ctl.CmdShutdown && errors.Is(err, ctl.ErrNotRunning) &&
		(errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED))
}

// autoStart starts a server as `pizauth server` does, with the default
// configuration file, and returns once it answers. A server that
// another client started meanwhile is as good.
func autoStart() error {
	if err := startServer(); err != nil && !errors.Is(err, errAlreadyRunning) {
		return fmt.Errorf("starting pizauth server (%s=1 or --auto-start): %w", autoStartEnv, err)
	}
	return nil
}
