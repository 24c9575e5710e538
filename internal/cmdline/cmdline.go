// Package cmdline is pizauth's command line: every subcommand with its
// options and operands, and the usage text. pizauth and pizauth-server share
// it, so that `pizauth server` hands its arguments on unparsed and a test
// can compare it with the manual page and the shell completions.
package cmdline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/pizauth-go/pizauth/internal/getopt"
	"github.com/pizauth-go/pizauth/internal/paths"
)

// Command is one subcommand.
type Command struct {
	Name     string
	Synopsis string          // what the usage shows after the program's name
	Options  []getopt.Option // besides -h and -v, which every command takes
	Operands int
	// OptionalOperands may follow the Operands that must be given.
	OptionalOperands int
}

// MaxVerbosity is the -v count that makes the log level trace; more are
// accepted and count as this many.
const MaxVerbosity = 4

// common are the options of every command, as in the original.
var common = []getopt.Option{{Short: 'h', Long: "help"}, {Short: 'v', Long: "verbose", Multi: true}}

// configOption is -c's: its argument is optional, as in the original
// (without one, the default file is used).
var configOption = getopt.Option{Short: 'c', Long: "config", OptArg: true}

// ShowOptions are show's options beyond -u: --sasl MECH --user ADDRESS,
// --wait[=DURATION], --min-valid DURATION and --auto-start.
var ShowOptions = []getopt.Option{{Short: 'u'}, {Long: "sasl", HasArg: true}, {Long: "user", HasArg: true},
	{Long: "wait", OptArg: true}, {Long: "min-valid", HasArg: true}, {Long: "auto-start"}}

// TestOptions are test's options: the servers to log in to, the SASL user,
// the CA file for private servers, and -u as show has it.
var TestOptions = []getopt.Option{{Short: 'u'}, {Long: "imap", HasArg: true}, {Long: "pop", HasArg: true},
	{Long: "smtp", HasArg: true}, {Long: "user", HasArg: true}, {Long: "ca-file", HasArg: true}}

// Commands are the subcommands, in the order the usage lists them: the
// original's, then ours.
var Commands = []Command{
	{Name: "dump", Synopsis: "dump"},
	{Name: "info", Synopsis: "info [-j]", Options: []getopt.Option{configOption, {Short: 'j'}}},
	{Name: "refresh", Synopsis: "refresh [-u] <account>", Options: []getopt.Option{{Short: 'u'}}, Operands: 1},
	{Name: "restore", Synopsis: "restore"},
	{Name: "reload", Synopsis: "reload"},
	{Name: "revoke", Synopsis: "revoke <account>", Operands: 1},
	{Name: "server", Synopsis: "server [-c <config-path>] [-dv]", Options: []getopt.Option{configOption, {Short: 'd'}}},
	{Name: "show", Synopsis: "show [-u] [--auto-start] [--wait[=<duration>]] [--min-valid <duration>] [--sasl <mechanism> --user <address>] <account>",
		Options: ShowOptions, Operands: 1},
	{Name: "shutdown", Synopsis: "shutdown"},
	{Name: "status", Synopsis: "status [-j]", Options: []getopt.Option{{Short: 'j'}}},
	{Name: "complete", Synopsis: "complete <account> [<address>]", Operands: 1, OptionalOperands: 1},
	{Name: "test", Synopsis: "test [-u] [--imap <host[:port]>] [--pop <host[:port]>] [--smtp <host[:port]>] --user <address> [--ca-file <file>] <account>",
		Options: TestOptions, Operands: 1},
}

// ErrUsage is the error of a wrong command line: the caller prints Usage
// on standard error and exits 1.
var ErrUsage = errors.New("usage")

// UsageError is a wrong command line and why it is wrong.
type UsageError struct{ Reason string }

func (e UsageError) Error() string        { return "usage: " + e.Reason }
func (e UsageError) Is(target error) bool { return target == ErrUsage }

// Lookup returns the subcommand called name.
func Lookup(name string) (Command, bool) {
	for _, c := range Commands {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// Parse parses args, a command line without the program's name: the
// subcommand, then its options and operands in any order. Asking for help
// (-h, --help) is a usage error, as in the original.
func Parse(args []string) (Command, getopt.Args, error) {
	if len(args) == 0 {
		return Command{}, getopt.Args{}, UsageError{"no command"}
	}
	c, ok := Lookup(args[0])
	if !ok {
		return Command{}, getopt.Args{}, UsageError{"unknown command " + args[0]}
	}
	p, err := c.Parse(args[1:])
	return c, p, err
}

// Parse parses the arguments that follow the subcommand's name.
func (c Command) Parse(args []string) (getopt.Args, error) {
	p, err := getopt.Parse(args, c.AllOptions())
	switch {
	case err != nil:
		return p, UsageError{err.Error()}
	case p.Count["help"] > 0:
		return p, UsageError{"help"}
	case len(p.Operands) < c.Operands || len(p.Operands) > c.Operands+c.OptionalOperands:
		return p, UsageError{"wrong number of operands"}
	}
	p.Count["verbose"] = min(p.Count["verbose"], MaxVerbosity)
	return p, nil
}

// AllOptions are c's options with those every command takes.
func (c Command) AllOptions() []getopt.Option {
	return append(append([]getopt.Option(nil), c.Options...), common...)
}

// Usage is the usage text, each command preceded by prog.
func Usage(prog string) string {
	var b strings.Builder
	b.WriteString("Usage:\n")
	for _, c := range Commands {
		b.WriteString("  " + prog + " " + c.Synopsis + "\n")
	}
	return b.String()
}

// ProgName is how the usage and `info` name the program, as the original
// does: the base name of the executable, or "pizauth" when that is unknown
// or not UTF-8.
func ProgName() string {
	exe, err := os.Executable()
	if err != nil || !utf8.ValidString(exe) {
		return "pizauth"
	}
	return filepath.Base(exe)
}

// ConfigFile is the configuration file that -c's value flag names, as the
// original finds it, with its messages: flag if not empty, else the default
// file, which must then exist ("No config file found at PATH").
func ConfigFile(flag string) (string, error) {
	path, err := paths.ConfigFile(flag, os.Getenv)
	switch {
	case err != nil:
		// paths treats a relative path as unset, as the XDG specification
		// asks.
		//lint:ignore ST1005 the original's message
		return "", errors.New("Neither $XDG_CONFIG_HOME or $HOME set")
	case flag != "":
		return path, nil
	}
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		//lint:ignore ST1005 the original's message, which scripts may match
		return "", fmt.Errorf("No config file found at %s", path)
	}
	return path, nil
}

// ExitAlreadyRunning is the exit status of pizauth-server, when its
// environment has AutoStartEnv set, if a server already answers on the
// socket (1 on any other failure): auto-start knows by it that another
// client started one first. Without AutoStartEnv the status is 1, as the
// original's.
const ExitAlreadyRunning = 3

// AutoStartEnv, set in pizauth-server's environment by auto-start, asks
// for ExitAlreadyRunning. The server removes it from its environment so
// that user commands never see it.
const AutoStartEnv = "PIZAUTH_AUTOSTARTING"
