package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pizauth-go/pizauth/internal/getopt"
	"github.com/pizauth-go/pizauth/internal/version"
)

// command is one subcommand: its options, how many operands it takes and
// what it does.
type command struct {
	usage    string
	opts     []getopt.Option
	operands int
	run      func(p getopt.Args) error
}

// commands is every subcommand, in the order usage lists them.
var commands = []struct {
	name string
	command
}{
	{"dump", command{usage: "dump", run: cmdDump}},
	{"info", command{usage: "info [-j]", opts: []getopt.Option{{Short: 'j'}}, run: cmdInfo}},
	{"refresh", command{usage: "refresh [-u] <account>", opts: []getopt.Option{{Short: 'u'}}, operands: 1, run: cmdRefresh}},
	{"reload", command{usage: "reload", run: cmdReload}},
	{"restore", command{usage: "restore", run: cmdRestore}},
	{"revoke", command{usage: "revoke <account>", operands: 1, run: cmdRevoke}},
	{"server", command{usage: "server [-c <config-path>] [-d] [-v...]", opts: serverOptions, run: cmdServer}},
	{"show", command{usage: "show [-u] [--auto-start] [--wait[=<duration>]] [--min-valid <duration>] [--sasl <mechanism> --user <address>] <account>", opts: showOptions, operands: 1, run: cmdShow}},
	{"shutdown", command{usage: "shutdown", run: cmdShutdown}},
	{"status", command{usage: "status [-j]", opts: []getopt.Option{{Short: 'j'}}, run: cmdStatus}},
}

// errUsage asks run to print the usage.
var errUsage = errors.New("usage")

// usageError is a usage error with a reason, printed before the usage.
type usageError struct{ reason string }

func (e usageError) Error() string        { return e.reason }
func (e usageError) Is(target error) bool { return target == errUsage }

// run executes the command line and returns the exit status.
func run(args []string) int {
	if len(args) == 1 && (args[0] == "--version" || args[0] == "-V") {
		fmt.Println("pizauth " + version.String())
		return 0
	}
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
		fmt.Print(usage())
		return 0
	}
	err := dispatch(args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		if u, ok := err.(usageError); ok {
			fmt.Fprintln(os.Stderr, "pizauth: "+u.reason)
		}
		fmt.Fprint(os.Stderr, usage())
	case err.Error() != "":
		fmt.Fprintln(os.Stderr, err)
	}
	return 1
}

func dispatch(args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		p, err := getopt.Parse(args[1:], c.opts)
		if err != nil {
			return usageError{err.Error()}
		}
		if len(p.Operands) != c.operands {
			return errUsage
		}
		return c.run(p)
	}
	return errUsage
}

func usage() string {
	var b strings.Builder
	b.WriteString("Usage:\n")
	for _, c := range commands {
		b.WriteString("  pizauth " + c.usage + "\n")
	}
	return b.String()
}
