//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/testidp"
)

// benchEnv is a fake provider and a `pizauth server -d` using it, in a
// private runtime directory.
type benchEnv struct {
	idp    *testidp.Provider
	dir    string // holds the config, the log and the runtime directory
	rtDir  string // XDG_RUNTIME_DIR of the server
	server *exec.Cmd
	client *ctl.Client
}

// accountName is the name of the i-th account.
func accountName(i int) string { return fmt.Sprintf("a%d", i) }

// startEnv starts a provider and a server with n accounts and waits until the
// server answers. dir must be short: the socket path is limited to ~104 bytes.
func startEnv(ctx context.Context, bin, dir string, n int) (*benchEnv, error) {
	e := &benchEnv{idp: testidp.New(), dir: dir, rtDir: filepath.Join(dir, "rt")}
	e.idp.AddClient("bench", "bench-secret")
	sock, _ := paths.Socket(func(string) string { return e.rtDir })
	e.client = &ctl.Client{Socket: sock, Timeout: 10 * time.Second}
	if err := os.MkdirAll(e.rtDir, 0o700); err != nil {
		e.idp.Close()
		return nil, err
	}
	conf := filepath.Join(dir, "pizauth.conf")
	if err := os.WriteFile(conf, []byte(e.config(n)), 0o600); err != nil {
		e.idp.Close()
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		e.idp.Close()
		return nil, err
	}
	defer log.Close()
	e.server = exec.Command(bin, "server", "-d", "-c", conf)
	e.server.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+e.rtDir)
	e.server.Stdout, e.server.Stderr = log, log
	// The server dies with us, whatever happens to us.
	e.server.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := e.server.Start(); err != nil {
		e.idp.Close()
		return nil, err
	}
	if err := e.waitReady(ctx); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

// config is a pizauth.conf with n accounts of the fake provider.
func (e *benchEnv) config(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "account %q {\n  auth_uri = %q;\n  token_uri = %q;\n  client_id = \"bench\";\n"+
			"  client_secret = \"bench-secret\";\n  scopes = [\"mail\", \"offline_access\"];\n}\n",
			accountName(i), e.idp.AuthURI(), e.idp.TokenURI())
	}
	return b.String()
}

// waitReady polls the server with info requests for up to 30 s.
func (e *benchEnv) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		resp, err := e.client.Do(ctl.Request{Cmd: ctl.CmdInfo})
		if err == nil && resp.Kind == ctl.KindOK {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server did not start (see %s): %w", filepath.Join(e.dir, "server.log"), err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// pid is the server's process id.
func (e *benchEnv) pid() int { return e.server.Process.Pid }

// stop shuts the server down (killing it if it does not stop within 5 s)
// and closes the provider.
func (e *benchEnv) stop() {
	defer e.idp.Close()
	done := make(chan struct{})
	go func() { e.server.Wait(); close(done) }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e.client.Do(ctl.Request{Cmd: ctl.CmdShutdown})
	select {
	case <-done:
	case <-ctx.Done():
		e.server.Process.Kill()
		<-done
	}
}

// authorise logs every account from..to-1 in through the fake browser, with
// a few at a time, and waits until each has a token.
func (e *benchEnv) authorise(ctx context.Context, from, to int) error {
	names := make(chan string)
	errs := make(chan error, to-from)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for name := range names {
				if err := e.login(ctx, name); err != nil {
					errs <- fmt.Errorf("account %s: %w", name, err)
				}
			}
		})
	}
	for i := from; i < to; i++ {
		names <- accountName(i)
	}
	close(names)
	wg.Wait()
	close(errs)
	return <-errs // nil when the channel is empty
}

// login asks for the account's URL, follows it and waits for the token.
func (e *benchEnv) login(ctx context.Context, name string) error {
	resp, err := e.client.Do(ctl.Request{Cmd: ctl.CmdShow, Account: name, WithURL: true})
	if err != nil {
		return err
	}
	if resp.Kind != ctl.KindPending || resp.Payload == "" {
		return fmt.Errorf("show answered %s:%q, want a pending URL", resp.Kind, resp.Payload)
	}
	if status, _, err := testidp.Browse(ctx, resp.Payload); err != nil || status != 200 {
		return errors.Join(fmt.Errorf("login ended with status %d", status), err)
	}
	for range 1000 {
		if resp, err = e.client.Do(ctl.Request{Cmd: ctl.CmdShow, Account: name}); err != nil || resp.Kind == ctl.KindToken {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("no token 5 s after login; last answer %s:%q", resp.Kind, resp.Payload)
}
