package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestMain runs the demo's main instead of the tests when asked to, so that
// a test can run the demo as a process of its own.
func TestMain(m *testing.M) {
	if os.Getenv("DEMO_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func buildPizauth(t *testing.T) (dir string) {
	t.Helper()
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+"/",
		"github.com/pizauth-go/pizauth/cmd/pizauth", "github.com/pizauth-go/pizauth/cmd/pizauth-server")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building pizauth: %v\n%s", err, out)
	}
	return bin
}

// TestDemoOutputClosed runs the demo with its output already closed, as
// `make demo | head` ends up: it must still shut its server down and
// remove its scratch directory.
func TestDemoOutputClosed(t *testing.T) {
	bin := buildPizauth(t)
	tmp := t.TempDir() // the demo's scratch directory goes here
	demo := exec.Command(os.Args[0], "-test.run=^$")
	demo.Env = append(os.Environ(), "DEMO_AS_MAIN=1", "TMPDIR="+tmp, "PATH="+bin+":/usr/bin:/bin")
	demo.Dir = t.TempDir()
	stdout, err := demo.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Start(); err != nil {
		t.Fatal(err)
	}
	stdout.Close()
	demo.Wait()
	left, _ := filepath.Glob(filepath.Join(tmp, "pzdemo*"))
	for _, dir := range left {
		t.Errorf("the demo left %s behind (%v)", dir, demo.ProcessState)
		if b, err := os.ReadFile(filepath.Join(dir, "pizauth", "pizauth.lock")); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
				syscall.Kill(pid, syscall.SIGTERM) // the server it left running
			}
		}
	}
}

// TestDemo runs the demo against a freshly built pizauth and checks that it
// shows the whole life cycle.
func TestDemo(t *testing.T) {
	t.Setenv("PATH", buildPizauth(t)+":/usr/bin:/bin")
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
