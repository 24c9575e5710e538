// Package hooks runs the user's commands for the server: auth_notify_cmd,
// error_notify_cmd, token_event_cmd, transient_error_if_cmd, startup_cmd,
// client_id_cmd and client_secret_cmd. It gives each its environment and
// time limit, delivers token events one at a time and in order, reads the
// credential commands' output, and logs failures. When a command runs is
// the server's business; how one runs is package shellcmd's.
package hooks

import (
	"context"
	"log/slog"
	"time"

	"github.com/pizauth-go/pizauth/internal/shellcmd"
)

// CommandRunner runs a user command; shellcmd.Run implements it.
type CommandRunner func(ctx context.Context, log *slog.Logger, name, command string, env []string, timeout time.Duration) error

// OutputRunner runs a user command for its output (client_id_cmd,
// client_secret_cmd, persist_identity_cmd); shellcmd.Output implements it.
type OutputRunner func(ctx context.Context, log *slog.Logger, name, command string, env []string, timeout time.Duration) ([]byte, error)

// Timeouts bound how long each kind of user command may run.
type Timeouts struct {
	Notify         time.Duration // auth_notify_cmd, error_notify_cmd
	Event          time.Duration // token_event_cmd
	TransientError time.Duration // transient_error_if_cmd
}

// orDefaults is t with SPEC §7's timeouts where t has none.
func (t Timeouts) orDefaults() Timeouts {
	or := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	return Timeouts{
		Notify:         or(t.Notify, 10*time.Second),
		Event:          or(t.Event, 10*time.Second),
		TransientError: or(t.TransientError, 3*time.Minute),
	}
}

// Options configure Hooks.
type Options struct {
	Logger   *slog.Logger
	Run      CommandRunner // nil: shellcmd.Run
	Output   OutputRunner  // nil: shellcmd.Output
	Timeouts Timeouts      // zero fields are SPEC §7's
	// Go runs f in the background among the server's work, with the
	// server's root context, so that stopping the server stops it.
	Go func(f func(ctx context.Context))
	// EventCmd is token_event_cmd as configured when an event is
	// delivered ("" when none): a reload may change it.
	EventCmd func() string
}

// Hooks runs the user's commands.
type Hooks struct {
	log      *slog.Logger
	run      CommandRunner
	output   OutputRunner
	timeouts Timeouts
	goFunc   func(f func(ctx context.Context))
	eventCmd func() string
	events   *eventQueue
}

// New returns Hooks; call Deliver to deliver token events.
func New(o Options) *Hooks {
	h := &Hooks{log: o.Logger, run: o.Run, output: o.Output, timeouts: o.Timeouts.orDefaults(),
		goFunc: o.Go, eventCmd: o.EventCmd, events: newEventQueue()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.run == nil {
		h.run = shellcmd.Run
	}
	if h.output == nil {
		h.output = shellcmd.Output
	}
	return h
}

// Output runs a command for its output, as the credential commands run.
func (h *Hooks) Output(ctx context.Context, log *slog.Logger, name, command string, env []string, timeout time.Duration) ([]byte, error) {
	return h.output(ctx, log, name, command, env, timeout)
}

// AuthNotify runs auth_notify_cmd, cmd, in the background: account needs
// authorising at url (with userCode in the device flow).
func (h *Hooks) AuthNotify(cmd, account, url, userCode string) {
	env := []string{"PIZAUTH_ACCOUNT=" + account, "PIZAUTH_URL=" + url}
	if userCode != "" {
		env = append(env, "PIZAUTH_USER_CODE="+userCode)
	}
	h.background("auth_notify_cmd", cmd, account, env, h.timeouts.Notify)
}

// ErrorNotify runs error_notify_cmd, cmd, in the background with msg.
func (h *Hooks) ErrorNotify(cmd, account, msg string) {
	env := []string{"PIZAUTH_ACCOUNT=" + account, "PIZAUTH_MSG=" + msg}
	h.background("error_notify_cmd", cmd, account, env, h.timeouts.Notify)
}

// background runs the command called name in the background and logs its
// failure.
func (h *Hooks) background(name, cmd, account string, env []string, timeout time.Duration) {
	h.goFunc(func(ctx context.Context) {
		if err := h.run(ctx, h.log, name, cmd, env, timeout); err != nil {
			h.log.Warn(name+" failed", "account", account, "err", err)
		}
	})
}

// TransientErrorIf runs transient_error_if_cmd, cmd, for account, whose
// refreshes keep failing: its failure (nil: exit 0) says to give up.
func (h *Hooks) TransientErrorIf(ctx context.Context, cmd, account string) error {
	return h.run(ctx, h.log, "transient_error_if_cmd", cmd, []string{"PIZAUTH_ACCOUNT=" + account}, h.timeouts.TransientError)
}

// Startup runs startup_cmd, cmd, in the background, without a time limit
// (it may ask for a passphrase); failed hears of its failure, but not of
// one caused by the server stopping.
func (h *Hooks) Startup(cmd string, failed func(err error)) {
	h.goFunc(func(ctx context.Context) {
		err := h.run(ctx, h.log, "startup_cmd", cmd, nil, 0)
		if err != nil && ctx.Err() == nil {
			failed(err)
		}
	})
}
