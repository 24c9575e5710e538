package main

import (
	"os"
	"os/exec"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	scriptCmds["needtool"] = cmdNeedTool
}

// cmdNeedTool is internal/testtool.Require's rule for scripts: it fails the
// script when CI is set and one of the named programs is missing, so that
// CI never silently skips a real-client test (scripts/test-deps installs
// them from scripts/deps/*.list). Without CI it does nothing; the script
// then skips on its own (a command cannot skip a script):
//
//	needtool msmtp
//	[!exec:msmtp] skip 'msmtp is not installed (scripts/test-deps installs it)'
func cmdNeedTool(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: needtool PROGRAM...")
	}
	var missing []string
	for _, prog := range args {
		if _, err := exec.LookPath(prog); err != nil {
			missing = append(missing, prog)
		}
	}
	if len(missing) > 0 && os.Getenv("CI") != "" {
		ts.Fatalf("CI is set and %s not installed: run scripts/test-deps", strings.Join(missing, ", "))
	}
}
