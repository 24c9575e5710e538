package server

import (
	"context"
)

// notifyAuthLocked tells the user that a needs authorising, through
// auth_notify_cmd when set, and schedules the next reminder.
func (s *Server) notifyAuthLocked(a *account) {
	name, url := a.cfg.Name, a.pending.url
	cmd := s.cfg.AuthNotifyCmd
	if cmd == "" {
		// Without auth_notify_cmd the log is the only way the user hears
		// of it, so it is logged at the level shown without -v.
		s.log.Error("account needs authorising", "account", name, "url", url)
		return
	}
	t := now()
	a.pending.notified = t
	s.scheduleLocked(a, t.Add(max(s.cfg.AuthNotifyInterval, minInterval)))
	env := []string{"PIZAUTH_ACCOUNT=" + name, "PIZAUTH_URL=" + url}
	s.background(func(ctx context.Context) {
		if err := s.runCommand(ctx, s.log, "auth_notify_cmd", cmd, env, s.timeouts.notify); err != nil {
			s.log.Warn("auth_notify_cmd failed", "account", name, "err", err)
		}
	})
}

// notifyErrorLocked tells the user about a failure they must hear of,
// through error_notify_cmd when set, and always logs it.
func (s *Server) notifyErrorLocked(name, msg string) {
	s.log.Error(msg, "account", name)
	cmd := s.cfg.ErrorNotifyCmd
	if cmd == "" {
		return
	}
	env := []string{"PIZAUTH_ACCOUNT=" + name, "PIZAUTH_MSG=" + msg}
	s.background(func(ctx context.Context) {
		if err := s.runCommand(ctx, s.log, "error_notify_cmd", cmd, env, s.timeouts.notify); err != nil {
			s.log.Warn("error_notify_cmd failed", "account", name, "err", err)
		}
	})
}
