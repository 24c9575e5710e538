package main

import (
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/getopt"
)

func TestParseWait(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration // -1: refused
	}{
		// pizauth.conf's forms.
		{"90s", 90 * time.Second}, {"2m", 2 * time.Minute}, {"1h", time.Hour}, {"1d", 24 * time.Hour}, {"0s", 0},
		// Several, largest first; Go's forms.
		{"1h30m", 90 * time.Minute}, {"0d12h", 12 * time.Hour}, {"1.5h", 90 * time.Minute}, {"500ms", 500 * time.Millisecond},
		{"0", 0},
		// Refused: too long, negative, malformed.
		{"2d", -1}, {"1d1s", -1}, {"25h", -1}, {"-5m", -1}, {"0d-1h", -1}, {"+1d", -1}, {"1d+1h", -1},
		{"d", -1}, {"1.5d", -1}, {"1dd", -1}, {"5", -1}, {"soon", -1}, {"", -1}, {"1h1d", -1},
	}
	for _, tt := range tests {
		got, err := parseWait("--wait", tt.in)
		switch {
		case tt.want < 0 && err == nil:
			t.Errorf("parseWait(%q) = %v; want an error", tt.in, got)
		case tt.want >= 0 && (err != nil || got != tt.want):
			t.Errorf("parseWait(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// TestShowRequest: --min-valid alone must never wait for a login, so it is
// showfresh, not showwait.
func TestShowRequest(t *testing.T) {
	tests := []struct {
		value    map[string]string
		cmd      ctl.Cmd
		wait     time.Duration
		minValid time.Duration
	}{
		{map[string]string{}, ctl.CmdShow, 0, 0},
		{map[string]string{"wait": ""}, ctl.CmdShowWait, defaultWait, 0},
		{map[string]string{"wait": "1d"}, ctl.CmdShowWait, 24 * time.Hour, 0},
		{map[string]string{"min-valid": "10m"}, ctl.CmdShowFresh, minValidWait, 10 * time.Minute},
		{map[string]string{"wait": "30s", "min-valid": "1h"}, ctl.CmdShowWait, 30 * time.Second, time.Hour},
	}
	for _, tt := range tests {
		p := getopt.Args{Count: map[string]int{}, Value: tt.value, Operands: []string{"acct"}}
		for k := range tt.value {
			p.Count[k] = 1
		}
		req, err := showRequest(p)
		if err != nil || req.Cmd != tt.cmd || req.Wait != tt.wait || req.MinValid != tt.minValid || req.Account != "acct" {
			t.Errorf("%v: got %+v, %v; want %s wait %v min-valid %v", tt.value, req, err, tt.cmd, tt.wait, tt.minValid)
		}
	}
}
