//go:build linux

// Command pizbench measures a pizauth binary from the outside: it runs a fake
// provider (internal/testidp) and `pizauth server -d` in a private runtime
// directory, completes logins with the fake browser, and reads the server's
// memory and CPU use from /proc. bench/run drives it and writes the results
// table; each subcommand prints "key value" lines.
//
//	pizbench hold -bin B -dir D -accounts N -authorise K   # serve until SIGTERM; prints "ready"
//	pizbench wall -runs N -warmup W -- CMD ARGS...         # whole-process wall time
//	pizbench vs -runs N -warmup W -- A ARGS... -- B ARGS... # A and B in turn, median A/B ratio
//	pizbench burst -bin B -dir D -n N                      # N simultaneous `show` processes
//	pizbench rss -bin B -dir D                             # RSS with 1, 100, 10,000 accounts and after 1,000 logins
//	pizbench idle -bin B -dir D -accounts N -for 60s       # CPU and wake-ups of an idle server
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// opts are the flags of every subcommand; each uses some of them.
type opts struct {
	bin       string
	dir       string
	accounts  int
	authorise int
	runs      int
	warmup    int
	n         int
	idleFor   time.Duration
	args      []string
}

var subcommands = map[string]func(ctx context.Context, o opts) error{
	"hold":  hold,
	"wall":  wall,
	"vs":    vs,
	"burst": burst,
	"rss":   rss,
	"idle":  idle,
}

func main() {
	if len(os.Args) < 2 || subcommands[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: pizbench hold|wall|vs|burst|rss|idle [flags] (see the package comment)")
		os.Exit(2)
	}
	o := parseFlags(os.Args[1], os.Args[2:])
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := subcommands[os.Args[1]](ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "pizbench "+os.Args[1]+":", err)
		stop()
		os.Exit(1)
	}
}

func parseFlags(name string, args []string) opts {
	var o opts
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	fs.StringVar(&o.bin, "bin", "./pizauth", "the pizauth binary")
	fs.StringVar(&o.dir, "dir", "", "a short directory for the config and the runtime directory")
	fs.IntVar(&o.accounts, "accounts", 1, "accounts in the config")
	fs.IntVar(&o.authorise, "authorise", 0, "accounts to log in")
	fs.IntVar(&o.runs, "runs", 200, "timed runs")
	fs.IntVar(&o.warmup, "warmup", 20, "untimed runs first")
	fs.IntVar(&o.n, "n", 1000, "simultaneous processes")
	fs.DurationVar(&o.idleFor, "for", time.Minute, "how long to watch the idle server")
	fs.Parse(args)
	o.args = fs.Args()
	return o
}

// emit prints one result line.
func emit(key string, format string, args ...any) {
	fmt.Printf("%s "+format+"\n", append([]any{key}, args...)...)
}
