// Command showonly is `pizauth show ACCOUNT` and nothing else: a client
// that links only the control-socket client and the runtime-directory rules.
// bench/run times it to show what a pizauth binary without the server's
// packages (and their package initialisation) would cost.
package main

import (
	"context"
	"os"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/paths"
)

func main() {
	dir, err := paths.RuntimeDir(os.Getenv)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	c := ctl.Client{Socket: dir + "/" + paths.SocketName}
	resp, err := c.Show(context.Background(), os.Args[1], true)
	if err != nil || resp.Kind != ctl.KindToken {
		os.Stderr.WriteString("no token\n")
		os.Exit(1)
	}
	os.Stdout.WriteString(resp.Payload + "\n")
}
