package main

import (
	"fmt"
	"os"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/getopt"
	"github.com/pizauth-go/pizauth/internal/mailcheck/plan"
)

// cmdTest is `pizauth test`: it gets the account's token as show does
// (failing with show's messages when there is none), then has
// pizauth-server log in with it, so that this program links no TLS (see
// plan.HelperArg). The logins print their own lines.
func cmdTest(p getopt.Args) error {
	if _, err := plan.FromArgs(p); err != nil {
		return optionError{err.Error()}
	}
	resp, err := request(ctl.Request{Cmd: ctl.CmdShow, Account: p.Operands[0], WithURL: p.Count["u"] == 0})
	if err != nil {
		return err
	}
	switch resp.Kind {
	case ctl.KindToken:
		return runLogins(resp.Payload, testArgs(p))
	case ctl.KindPending:
		return unavailable(resp)
	}
	return unexpected(resp)
}

// testArgs is test's command line again, for pizauth-server.
func testArgs(p getopt.Args) []string {
	var args []string
	for _, name := range []string{"imap", "pop", "smtp", "user", "ca-file"} {
		if v, ok := p.Value[name]; ok {
			args = append(args, "--"+name+"="+v)
		}
	}
	return append(args, "--", p.Operands[0])
}

// runLogins runs pizauth-server's logins with args, handing it the token on
// its standard input (never in its arguments or environment), and returns
// quietFailure when one failed: it has said why.
func runLogins(token string, args []string) error {
	path, err := serverPath()
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	argv := append([]string{path, plan.HelperArg}, args...)
	proc, err := os.StartProcess(path, argv, &os.ProcAttr{Files: []*os.File{r, os.Stdout, os.Stderr}})
	r.Close()
	if err != nil {
		w.Close()
		return fmt.Errorf("running %s: %w", path, err)
	}
	w.WriteString(token + "\n") // a helper that stopped early says why
	w.Close()
	st, err := proc.Wait()
	switch {
	case err != nil:
		return fmt.Errorf("running %s: %w", path, err)
	case !st.Success():
		return quietFailure{}
	}
	return nil
}
