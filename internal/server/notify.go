package server

// notifyAuthLocked tells the user that a needs authorising, through
// auth_notify_cmd when set, and schedules the next reminder.
func (s *Server) notifyAuthLocked(a *account) {
	name, url := a.cfg.Name, a.pending.url
	if a.pending.device {
		if a.pending.userCode == "" {
			return // the device code has not arrived yet
		}
		url = a.pending.notifyURL
	}
	// As in the original, a notification is due and recorded (status shows
	// its time) whether or not auth_notify_cmd is set.
	t := now()
	a.pending.notified = t
	s.scheduleLocked(a, t.Add(max(s.cfg.AuthNotifyInterval, minInterval)))
	cmd := s.cfg.AuthNotifyCmd
	if cmd == "" {
		// Without auth_notify_cmd the log is the only way the user hears
		// of it, so it is logged at the level shown without -v, with the
		// URL in the message, where it can be copied as it is.
		msg := name + ": access token unavailable until authorised with URL " + url
		if a.pending.device {
			msg += " using code " + a.pending.userCode
		}
		s.log.Error(msg, "account", name)
		return
	}
	s.hooks.AuthNotify(cmd, name, url, a.pending.userCode)
}

// ReportError tells the user of a failure that concerns no account in
// particular (persist_file's), as notifyErrorLocked does.
func (s *Server) ReportError(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notifyErrorLocked("", msg)
}

// notifyErrorLocked tells the user about a failure they must hear of,
// through error_notify_cmd when set, and always logs it.
func (s *Server) notifyErrorLocked(name, msg string) {
	s.log.Error(msg, "account", name)
	if a := s.accounts[name]; a != nil {
		a.recordErrorLocked(msg)
	}
	s.runErrorNotifyLocked(name, msg)
}

// runErrorNotifyLocked runs error_notify_cmd, when set, with msg.
func (s *Server) runErrorNotifyLocked(name, msg string) {
	if cmd := s.cfg.ErrorNotifyCmd; cmd != "" {
		s.hooks.ErrorNotify(cmd, name, msg)
	}
}
