package main

import (
	"fmt"
	"strconv"
	"strings"
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

// showRequest is the request for show's options: plain showtoken,
// showwait for --wait, showfresh for --min-valid alone.
func showRequest(p getopt.Args) (ctl.Request, error) {
	req := ctl.Request{Cmd: ctl.CmdShow, Account: p.Operands[0], WithURL: p.Count["u"] == 0}
	_, wait := p.Count["wait"]
	_, minValid := p.Count["min-valid"]
	if !wait && !minValid {
		return req, nil
	}
	// --min-valid alone waits for a refresh, never for a login.
	req.Cmd, req.Wait = ctl.CmdShowFresh, minValidWait
	var err error
	if wait {
		req.Cmd, req.Wait = ctl.CmdShowWait, defaultWait
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

// parseWait parses the duration of --wait or --min-valid: a time as
// pizauth.conf writes one (90s, 5m, 1h, 1d), several in a row from the
// largest unit down (1h30m, 1d12h), or anything Go's time.ParseDuration
// takes (1.5h, 500ms); at most maxWait.
func parseWait(flag, v string) (time.Duration, error) {
	d, err := parseDuration(v)
	if err != nil || d < 0 || d > maxWait {
		return 0, optionError{fmt.Sprintf("%s %q: want a duration such as 30s, 5m, 1h30m or 1d, at most 24h", flag, v)}
	}
	return d.Round(time.Millisecond), nil
}

// parseDuration is time.ParseDuration that also takes a leading number of
// days (1d, 1d12h), pizauth.conf's largest unit.
func parseDuration(v string) (time.Duration, error) {
	days, rest, found := strings.Cut(v, "d")
	if !found {
		return time.ParseDuration(v)
	}
	n, err := strconv.ParseUint(days, 10, 16)
	if err != nil || days[0] == '+' {
		return 0, fmt.Errorf("bad number of days %q", days)
	}
	d := time.Duration(n) * 24 * time.Hour
	if rest == "" {
		return d, nil
	}
	r, err := time.ParseDuration(rest)
	if err != nil || r < 0 || rest[0] == '+' {
		return 0, fmt.Errorf("bad duration %q after the days", rest)
	}
	return d + r, nil
}
