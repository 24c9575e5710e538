package main

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestDemo runs the demo against a freshly built pizauth and checks that it
// shows the whole life cycle.
func TestDemo(t *testing.T) {
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+"/",
		"github.com/pizauth-go/pizauth/cmd/pizauth", "github.com/pizauth-go/pizauth/cmd/pizauth-server")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building pizauth: %v\n%s", err, out)
	}
	t.Setenv("PATH", bin+":/usr/bin:/bin")
	t.Chdir(t.TempDir()) // no ./pizauth here: the one on PATH is used
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		`Access token unavailable until authorised with URL http://127\.0\.0\.1:\d+/authorize\?`,
		`pizauth processing authentication: you can safely close this page\.`,
		`(?m)^\$ pizauth show demo\nat-\d+-\S+$`,
		`demo: Active access token \(obtained `,
		`(?m)^demo: No access token$`,
		`token_new\ntoken_refreshed\ntoken_revoked\n`,
	} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("the demo's output lacks %q:\n%s", want, out.String())
		}
	}
	// The scratch directory is gone once the demo ends: naming it would
	// send the user looking for files that no longer exist.
	if m := regexp.MustCompile(`\S*pzdemo\d+\S*`).FindString(out.String()); m != "" {
		t.Errorf("the demo names its scratch directory, which it removes: %s", m)
	}
	if strings.Count(out.String(), "$ pizauth show demo\nat-") != 2 {
		t.Errorf("want a token shown before and after the refresh:\n%s", out.String())
	}
}
