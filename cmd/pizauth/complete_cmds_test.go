package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	scriptCmds["loginelsewhere"] = cmdLoginElsewhere
}

// cmdLoginElsewhere is a browser on another machine, which cannot reach
// pizauth's listener: it opens the authorisation URL found in FILE (default:
// the last command's stderr), logs in at the fake provider and prints the
// address the provider sends it to, without going there. That is the
// address a user copies for `pizauth complete`.
//
//	loginelsewhere [FILE]
func cmdLoginElsewhere(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! loginelsewhere")
	}
	file := "stderr"
	if len(args) > 0 {
		file = args[0]
	}
	m := urlInMessage.FindStringSubmatch(ts.ReadFile(file))
	if m == nil {
		ts.Fatalf("no authorisation URL in %s", file)
	}
	client := &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(m[1])
	ts.Check(err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		ts.Fatalf("the provider answered %s; want a redirect", resp.Status)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "http://localhost") && !strings.HasPrefix(loc, "https://localhost") {
		ts.Fatalf("the provider redirected to %q; want pizauth's redirect URI", loc)
	}
	fmt.Fprintln(ts.Stdout(), loc)
}
