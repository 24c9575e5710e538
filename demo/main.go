// Command demo shows pizauth's whole life cycle without a provider account:
// it starts a local fake OAuth provider and a pizauth server with a demo
// configuration, then runs the commands a user would, printing each with
// its output. Run it with `make demo`.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/pizauth-go/pizauth/internal/testidp"
)

const config = `// A demo account at a fake provider on this machine.
token_event_cmd = "echo $PIZAUTH_EVENT >> %s";
account "demo" {
    auth_uri = %q;
    token_uri = %q;
    client_id = "pizauth-demo";
    client_secret = "demo-secret";
    scopes = ["mail", "offline_access"];
}
`

func main() {
	// The demo ends only through run's clean-up, which shuts its server down
	// and removes the scratch directory: with SIGPIPE handled, a closed
	// output (make demo | head) makes writes fail instead of killing the
	// demo, and Ctrl-C (which the pizauth command under way gets too, ending
	// the demo early) no longer skips the clean-up.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE, os.Interrupt)
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(out io.Writer) error {
	pizauth, err := pizauthBinary()
	if err != nil {
		return err
	}
	// Socket paths are limited to about 104 bytes: keep the directory short.
	dir, err := os.MkdirTemp("", "pzdemo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	idp := testidp.New()
	defer idp.Close()
	idp.AddClient("pizauth-demo", "demo-secret")
	d := &demo{out: out, pizauth: pizauth, dir: dir, events: filepath.Join(dir, "events")}
	conf := filepath.Join(dir, "pizauth.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, config, d.events, idp.AuthURI(), idp.TokenURI()), 0o600); err != nil {
		return err
	}
	os.Setenv("XDG_RUNTIME_DIR", dir)
	fmt.Fprintf(out, "A fake OAuth provider listens at %s; the server's files are in a scratch directory, removed at the end.\n\n", idp.URL())
	if err := d.step("Start the server (it detaches and returns once it answers):", true, "server", "-c", "pizauth.conf"); err != nil {
		return err
	}
	defer d.quiet("shutdown")
	return d.lifeCycle(idp)
}

// pizauthBinary is the pizauth next to this program's module, built by
// `make demo` into the repository, or on PATH.
func pizauthBinary() (string, error) {
	if p, err := filepath.Abs("pizauth"); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("pizauth")
	if err != nil {
		return "", fmt.Errorf("no pizauth binary: run `make demo`, which builds it first")
	}
	return p, nil
}

type demo struct {
	out     io.Writer
	pizauth string
	dir     string
	events  string
}

func (d *demo) lifeCycle(idp *testidp.Provider) error {
	out, _ := d.run("show", "demo")
	fmt.Fprint(d.out, "$ pizauth show demo\n"+out+"\n")
	m := regexp.MustCompile(`with URL (\S+)`).FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("show did not print an authorisation URL")
	}
	fmt.Fprintln(d.out, "Log in: a fake browser opens the URL; the provider redirects to pizauth.")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, page, err := testidp.Browse(ctx, m[1])
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "The browser shows: %s\n\n", strings.TrimSpace(page))
	if err := d.waitEvent("token_new"); err != nil {
		return err
	}
	steps := []struct {
		say  string
		args []string
		wait string
	}{
		{"Now show prints the token, as msmtp's passwordeval would get it:", []string{"show", "demo"}, ""},
		{"status tells what pizauth holds:", []string{"status"}, ""},
		{"refresh asks for a new token now (it happens in the background):", []string{"refresh", "demo"}, "token_refreshed"},
		{"show gives the refreshed token:", []string{"show", "demo"}, ""},
		{"revoke forgets the tokens:", []string{"revoke", "demo"}, "token_revoked"},
		{"status again:", []string{"status"}, ""},
	}
	for _, s := range steps {
		if err := d.step(s.say, true, s.args...); err != nil {
			return err
		}
		if s.wait != "" {
			if err := d.waitEvent(s.wait); err != nil {
				return err
			}
		}
	}
	b, _ := os.ReadFile(d.events)
	fmt.Fprintf(d.out, "token_event_cmd saw these events:\n%s\nDone: the server is shut down.\n", b)
	return nil
}

// step prints what it does, runs pizauth and prints its output.
func (d *demo) step(say string, mustSucceed bool, args ...string) error {
	out, err := d.run(args...)
	fmt.Fprintf(d.out, "%s\n$ pizauth %s\n%s\n", say, strings.Join(args, " "), out)
	if err != nil && mustSucceed {
		return fmt.Errorf("pizauth %s: %v", strings.Join(args, " "), err)
	}
	return nil
}

// run runs pizauth in the scratch directory, so that the commands shown
// name its files relatively: the directory itself is gone after the demo.
func (d *demo) run(args ...string) (string, error) {
	cmd := exec.Command(d.pizauth, args...)
	cmd.Dir = d.dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (d *demo) quiet(args ...string) { d.run(args...) }

// waitEvent waits until token_event_cmd has recorded event.
func (d *demo) waitEvent(event string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(d.events); err == nil && strings.Contains(string(b), event) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("no %s event within 30s", event)
}
