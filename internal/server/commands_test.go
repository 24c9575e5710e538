package server

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/control"
	"github.com/pizauth-go/pizauth/internal/hooks"
	"github.com/pizauth-go/pizauth/internal/redirect"
	"github.com/pizauth-go/pizauth/internal/shellcmd"
)

// TestHangingCommandsAreKilledWithTheirChildren runs real shell commands
// that never finish: each is killed at its timeout together with its
// children, and the server answers meanwhile.
func TestHangingCommandsAreKilledWithTheirChildren(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(testAccount("work"))
	cfg.AuthNotifyCmd = "echo $$ > " + dir + "/auth_notify_cmd; sleep 100 & sleep 100"
	cfg.TokenEventCmd = "echo $$ > " + dir + "/token_event_cmd; sleep 100"
	finished := make(chan string, 8)
	runner := func(ctx context.Context, log *slog.Logger, name, command string, env []string, timeout time.Duration) error {
		err := shellcmd.Run(ctx, log, name, command, env, timeout)
		finished <- name + ": " + errString(err)
		return err
	}
	ctx, cancel := context.WithCancel(t.Context())
	s := New(ctx, Options{
		Config: cfg, Provider: &fakeProvider{}, RunCommand: runner, Listeners: Listeners{HTTPPort: 8080},
		// Long enough for a loaded machine to start the shell and record its pid.
		Timeouts: hooks.Timeouts{Notify: 3 * time.Second, Event: 3 * time.Second, TransientError: 3 * time.Second},
	})
	s.Start()
	defer func() { cancel(); s.Wait() }()

	if a, err := s.Show(t.Context(), "work", false); err != nil || a.Kind != control.Pending {
		t.Fatalf("show = %+v, %v; want pending", a, err)
	}
	s.mu.Lock()
	state := s.accounts["work"].pending.state
	s.mu.Unlock()
	s.HandleRedirect(redirect.Callback{Path: "/", State: state, Code: "code"})
	// auth_notify_cmd and token_event_cmd now hang; the server answers.
	if st := s.Status(); len(st) != 1 {
		t.Errorf("status while commands hang = %+v; want work's", st)
	}
	for range 2 {
		select {
		case got := <-finished:
			if !strings.Contains(got, "timed out") {
				t.Errorf("%s; want a timeout", got)
			}
		case <-time.After(time.Minute):
			t.Fatal("a hanging command was not killed")
		}
	}
	for _, name := range []string{"auth_notify_cmd", "token_event_cmd"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		pgid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		if live := liveMembers(t, pgid); len(live) > 0 {
			t.Errorf("%s: process group %d still has live members %v after the timeout", name, pgid, live)
		}
	}
}

// liveMembers lists the processes of group pgid that are not zombies
// (zombies of orphans are reaped by init, whenever it gets to them).
func liveMembers(t *testing.T, pgid int) []int {
	if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
		return nil
	}
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var live []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces.
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(fields) > 2 && fields[2] == strconv.Itoa(pgid) && fields[0] != "Z" {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
			live = append(live, pid)
		}
	}
	return live
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
