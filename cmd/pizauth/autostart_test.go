package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/cmdline"
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

// TestStartServerIsBounded: a server that never says it is ready does not
// hang the client that auto-starts it.
func TestStartServerIsBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pizauth-server")
	if err := os.WriteFile(path, []byte("#!/bin/sh\nexec sleep 600\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := startServerAt(path, 100*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not report ready within 100ms") {
		t.Errorf("startServerAt of a server that never gets ready: %v; want an error saying so", err)
	}
}

// TestStartServerAlreadyRunning: auto-start knows that another client
// started a server first by pizauth-server's exit status, whatever it
// prints.
func TestStartServerAlreadyRunning(t *testing.T) {
	dir := t.TempDir()
	fake := func(script string) string {
		t.Helper()
		path := filepath.Join(dir, "pizauth-server")
		os.Remove(path)
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		script string
		want   error
		msg    string
	}{
		{"exit 0", nil, ""},
		{fmt.Sprintf("echo 'a server runs' >&2; exit %d", cmdline.ExitAlreadyRunning), errAlreadyRunning, ""},
		{fmt.Sprintf(`[ "$%s" = 1 ] && exit %d; exit 1`, cmdline.AutoStartEnv, cmdline.ExitAlreadyRunning), errAlreadyRunning, ""},
		{"echo 'pizauth authenticator already running' >&2; exit 1", nil, "pizauth authenticator already running"},
		{"echo 'bad config' >&2; exit 1", nil, "bad config"},
		{"exit 1", nil, "exit status 1"},
	}
	for _, tt := range tests {
		err := startServerAt(fake(tt.script), time.Minute)
		switch {
		case tt.msg == "" && !errors.Is(err, tt.want) || tt.msg == "" && tt.want == nil && err != nil:
			t.Errorf("%s: got %v; want %v", tt.script, err, tt.want)
		case tt.msg != "" && (err == nil || errors.Is(err, errAlreadyRunning) || !strings.Contains(err.Error(), tt.msg)):
			t.Errorf("%s: got %v; want an error saying %q, not errAlreadyRunning", tt.script, err, tt.msg)
		}
	}
}
