// Command pizauth requests, shows and refreshes OAuth2 access tokens.
//
// `pizauth server` is a per-user daemon that keeps tokens in memory and
// refreshes them; every other subcommand is a short-lived client that sends
// one request over the server's Unix socket. See pizauth(1).
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:]))
}
