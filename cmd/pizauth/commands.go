package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/pizauth-go/pizauth/internal/cmdline"
	"github.com/pizauth-go/pizauth/internal/getopt"
	"github.com/pizauth-go/pizauth/internal/version"
)

// runs are the client subcommands, by name; internal/cmdline has their
// options. `server` is not here: its arguments go to pizauth-server as they
// are (see server.go).
var runs = map[string]func(p getopt.Args) error{
	"complete": cmdComplete,
	"dump":     cmdDump,
	"info":     cmdInfo,
	"refresh":  cmdRefresh,
	"restore":  cmdRestore,
	"reload":   cmdReload,
	"revoke":   cmdRevoke,
	"show":     cmdShow,
	"shutdown": cmdShutdown,
	"status":   cmdStatus,
	"test":     cmdTest,
}

// optionError is a bad value of one of our own options (--sasl, --wait...):
// printed as an error, without the usage.
type optionError struct{ reason string }

func (e optionError) Error() string { return e.reason }

// bareError is printed as it is, without "ERROR - ": the original prints
// the errors it meets before it sets up logging so (a missing config file).
type bareError struct{ error }

func (e bareError) Unwrap() error { return e.error }

// quietFailure makes the exit status 1 after a failure that has already
// been reported (pizauth test's lines).
type quietFailure struct{}

func (quietFailure) Error() string { return "failed" }

// run executes the command line and returns the exit status. A wrong
// command line, or -h, prints the usage on standard error and exits 1, as
// the original does; `pizauth help` prints it on standard output.
func run(args []string) int {
	prog := cmdline.ProgName()
	switch {
	case len(args) == 1 && (args[0] == "--version" || args[0] == "-V"):
		fmt.Println("pizauth " + version.String())
		return 0
	case len(args) == 1 && args[0] == "help":
		fmt.Print(cmdline.Usage(prog))
		return 0
	case len(args) > 0 && args[0] == "server":
		return report(cmdServer(args[1:]))
	}
	c, p, err := cmdline.Parse(args)
	if err != nil {
		fmt.Fprint(os.Stderr, cmdline.Usage(prog))
		return 1
	}
	return report(runs[c.Name](p))
}

// report prints err, if any, as the original's logger does, and returns the
// exit status.
func report(err error) int {
	var bare bareError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, quietFailure{}):
		return 1
	case errors.As(err, &bare):
		fmt.Fprintln(os.Stderr, err)
	default:
		os.Stderr.WriteString(errorLine(err.Error(), colourStderr()))
	}
	return 1
}
