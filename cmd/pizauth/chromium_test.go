package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pizauth-go/pizauth/internal/fixture/chromium"
)

func init() {
	scriptCmds["chromium"] = cmdChromium
}

// cmdChromium is a real browser: it opens the authorisation URL found in
// FILE (default: the last command's stderr) in headless Chromium with a
// fresh profile, which follows the provider's redirect to pizauth's
// listener, and prints the final page's DOM. Chromium's own log goes to
// chromium.log. Every process of its process group is killed and reaped
// before the command returns.
//
//	chromium [FILE]
func cmdChromium(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 1 {
		ts.Fatalf("usage: chromium [FILE]")
	}
	file := "stderr"
	if len(args) == 1 {
		file = args[0]
	}
	m := urlInMessage.FindStringSubmatch(ts.ReadFile(file))
	if m == nil {
		ts.Fatalf("no authorisation URL in %s", file)
	}
	profile, err := os.MkdirTemp("", "pzchromium")
	ts.Check(err)
	defer os.RemoveAll(profile)
	// Chromium keeps things under HOME and the XDG directories too: keep
	// them in WORK.
	work := ts.Getenv("WORK")
	env := []string{
		"PATH=" + ts.Getenv("PATH"), "HOME=" + work, "TMPDIR=" + ts.Getenv("TMPDIR"),
		"XDG_CONFIG_HOME=" + filepath.Join(work, ".config"), "XDG_CACHE_HOME=" + filepath.Join(work, ".cache"),
	}
	var stdout, stderr bytes.Buffer
	err = chromium.Run(profile, m[1], env, &stdout, &stderr)
	ts.Check(os.WriteFile(ts.MkAbs("chromium.log"), stderr.Bytes(), 0o600))
	if err != nil {
		ts.Fatalf("chromium: %v (its log is in chromium.log)", err)
	}
	fmt.Fprint(ts.Stdout(), stdout.String())
}
