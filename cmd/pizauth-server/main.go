// Command pizauth-server is the pizauth server, the per-user daemon that
// obtains, keeps and refreshes OAuth2 tokens. `pizauth server` runs it; it
// takes the same options. See pizauth(1).
package main

import (
	"os"

	"github.com/pizauth-go/pizauth/internal/daemon"
)

func main() {
	os.Exit(daemon.Main(os.Args[1:]))
}
