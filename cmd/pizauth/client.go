package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/getopt"
	"github.com/pizauth-go/pizauth/internal/paths"
)

// msgUnavailable starts the message scripts match on when an account has no
// token yet.
const msgUnavailable = "Access token unavailable until authorised"

// newClient returns a client for the server's socket.
func newClient() (*ctl.Client, error) {
	sock, err := paths.Socket(os.Getenv)
	if err != nil {
		return nil, bareError{err}
	}
	return &ctl.Client{Socket: sock}, nil
}

// request sends req and returns the answer; an error answer becomes an
// error carrying the server's message. With PIZAUTH_AUTOSTART=1 a server is
// started when none answers.
func request(req ctl.Request) (ctl.Response, error) {
	return requestStarting(req, autoStartFromEnv())
}

// requestStarting is request; when start is set and no server listens, it
// starts one (see autostart.go) and sends req once more.
func requestStarting(req ctl.Request, start bool) (ctl.Response, error) {
	c, err := newClient()
	if err != nil {
		return ctl.Response{}, err
	}
	resp, err := c.Do(req)
	if start && mayAutoStart(req, err) {
		if err := autoStart(); err != nil {
			return resp, err
		}
		resp, err = c.Do(req)
	}
	if err != nil {
		if errors.Is(err, ctl.ErrNotRunning) {
			return resp, ctl.ErrNotRunning
		}
		return resp, err
	}
	if resp.Kind == ctl.KindError {
		return resp, errors.New(resp.Payload)
	}
	return resp, nil
}

// unavailable is the error for an account awaiting authorisation.
func unavailable(resp ctl.Response) error {
	if resp.Payload == "" {
		//lint:ignore ST1005 the original's message, which scripts match
		return errors.New(msgUnavailable)
	}
	return errors.New(msgUnavailable + " with URL " + resp.Payload)
}

func cmdShow(p getopt.Args) error {
	sasl, err := parseSASL(p)
	if err != nil {
		return err
	}
	req, err := showRequest(p)
	if err != nil {
		return err
	}
	_, autoStartFlag := p.Count["auto-start"]
	resp, err := requestStarting(req, autoStartFlag || autoStartFromEnv())
	if err != nil {
		return err
	}
	switch resp.Kind {
	case ctl.KindToken:
		out := resp.Payload
		if sasl.mech != "" {
			if out, err = saslResponse(sasl, out); err != nil {
				return err
			}
		}
		_, err := io.WriteString(os.Stdout, out+"\n")
		return err
	case ctl.KindPending:
		return unavailable(resp)
	}
	return unexpected(resp)
}

func cmdRefresh(p getopt.Args) error {
	resp, err := request(ctl.Request{Cmd: ctl.CmdRefresh, Account: p.Operands[0], WithURL: p.Count["u"] == 0})
	if err != nil {
		return err
	}
	switch resp.Kind {
	case ctl.KindScheduled, ctl.KindOK:
		return nil
	case ctl.KindPending:
		return unavailable(resp)
	}
	return unexpected(resp)
}

func cmdRevoke(p getopt.Args) error {
	_, err := request(ctl.Request{Cmd: ctl.CmdRevoke, Account: p.Operands[0]})
	return err
}

func cmdReload(getopt.Args) error {
	_, err := request(ctl.Request{Cmd: ctl.CmdReload})
	return err
}

func cmdStatus(p getopt.Args) error {
	cmd := ctl.CmdStatus
	if p.Count["j"] > 0 {
		cmd = ctl.CmdStatusJSON
	}
	resp, err := request(ctl.Request{Cmd: cmd})
	if err != nil {
		return err
	}
	_, err = io.WriteString(os.Stdout, resp.Payload)
	return err
}

func cmdDump(getopt.Args) error {
	resp, err := request(ctl.Request{Cmd: ctl.CmdDump})
	if err != nil {
		return err
	}
	_, err = io.WriteString(os.Stdout, resp.Payload)
	return err
}

func cmdRestore(getopt.Args) error {
	data, err := io.ReadAll(io.LimitReader(os.Stdin, ctl.MaxRestore+1))
	if err != nil {
		return fmt.Errorf("reading the dump from stdin: %w", err)
	}
	if len(data) == 0 {
		return errors.New("restore: nothing on standard input; pipe in the output of pizauth dump")
	}
	if len(data) > ctl.MaxRestore {
		return fmt.Errorf("the dump on stdin is larger than %d bytes", ctl.MaxRestore)
	}
	_, err = request(ctl.Request{Cmd: ctl.CmdRestore, Data: data})
	return err
}

// unexpected is the original's error for an answer that makes no sense for
// the request.
func unexpected(resp ctl.Response) error {
	//lint:ignore ST1005 the original's message
	return fmt.Errorf("Malformed response '%s:%s'", resp.Kind, resp.Payload)
}
