package main

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

func TestMayAutoStart(t *testing.T) {
	notListening := fmt.Errorf("%w: %w", ctl.ErrNotRunning, syscall.ECONNREFUSED)
	noSocket := fmt.Errorf("%w: %w", ctl.ErrNotRunning, fs.ErrNotExist)
	noAnswer := fmt.Errorf("%w: connection closed without an answer", ctl.ErrNotRunning)
	show := ctl.Request{Cmd: ctl.CmdShow, Account: "a"}
	tests := []struct {
		name string
		req  ctl.Request
		err  error
		want bool
	}{
		{"connection refused", show, notListening, true},
		{"no socket file", show, noSocket, true},
		{"status", ctl.Request{Cmd: ctl.CmdStatus}, noSocket, true},
		{"shutdown", ctl.Request{Cmd: ctl.CmdShutdown}, noSocket, false},
		{"a server took the request but did not answer", show, noAnswer, false},
		{"other error", show, errors.New("permission denied"), false},
		{"no error", show, nil, false},
	}
	for _, tt := range tests {
		if got := mayAutoStart(tt.req, tt.err); got != tt.want {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
}
