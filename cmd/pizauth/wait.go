package main

import (
	"fmt"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/getopt"
)

// Bounds of show's waiting: bare --wait waits defaultWait; --min-valid
// without --wait waits for the refresh at most minValidWait.
const (
	defaultWait  = 5 * time.Minute
	minValidWait = time.Minute
	maxWait      = 24 * time.Hour
)

// showRequest is the request for show's options: plain showtoken, or
// showwait for --wait and --min-valid.
func showRequest(p getopt.Args) (ctl.Request, error) {
	req := ctl.Request{Cmd: ctl.CmdShow, Account: p.Operands[0], WithURL: p.Count["u"] == 0}
	_, wait := p.Count["wait"]
	_, minValid := p.Count["min-valid"]
	if !wait && !minValid {
		return req, nil
	}
	req.Cmd, req.Wait = ctl.CmdShowWait, minValidWait
	var err error
	if wait {
		req.Wait = defaultWait
		if v := p.Value["wait"]; v != "" {
			if req.Wait, err = parseWait("--wait", v); err != nil {
				return req, err
			}
		}
	}
	if minValid {
		if req.MinValid, err = parseWait("--min-valid", p.Value["min-valid"]); err != nil {
			return req, err
		}
	}
	return req, nil
}

// parseWait parses a duration such as 90s, 5m or 1h30m.
func parseWait(flag, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > maxWait {
		return 0, optionError{fmt.Sprintf("%s %q: want a duration such as 30s, 5m or 1h, at most %v", flag, v, maxWait)}
	}
	return d.Round(time.Millisecond), nil
}
