package mailcheck

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// ehloName is the name the client gives in EHLO: it is a test, not a
// mail relay, and the local host's name would tell the server nothing.
const ehloName = "localhost"

// smtp logs in over SMTP (RFC 5321): greeting, EHLO, STARTTLS (RFC 3207)
// when the connection is not yet TLS and EHLO again, then AUTH (RFC 4954)
// and QUIT.
func (s *session) smtp() (Result, error) {
	code, text, err := s.smtpReply()
	if err != nil {
		return Result{}, err
	}
	if code != 220 {
		return Result{}, s.failf("unexpected SMTP greeting %s", text)
	}
	ext, err := s.smtpEHLO()
	if err != nil {
		return Result{}, err
	}
	if !s.w.isTLS() {
		if ext, err = s.smtpStartTLS(ext); err != nil {
			return Result{}, err
		}
	}
	var mechs []string
	for _, e := range ext {
		if len(e) > 4 && e[:4] == "AUTH" && (e[4] == ' ' || e[4] == '=') {
			mechs = append(mechs, strings.Fields(e[5:])...)
		}
	}
	mech := chooseMech(mechs)
	if mech == "" {
		return Result{}, s.failf("the server offers neither XOAUTH2 nor OAUTHBEARER (AUTH %s)", strings.Join(mechs, " "))
	}
	r, err := s.smtpAuth(mech)
	if err == nil && r.Outcome == LoggedIn {
		s.w.writeLine("QUIT")
	}
	return r, err
}

// smtpEHLO sends EHLO and returns the extensions the server announces,
// upper-cased.
func (s *session) smtpEHLO() ([]string, error) {
	if err := s.w.writeLine("EHLO " + ehloName); err != nil {
		return nil, err
	}
	code, text, lines, err := s.smtpReplyLines()
	switch {
	case err != nil:
		return nil, err
	case code != 250:
		return nil, s.failf("the server refused EHLO: %s", text)
	}
	var ext []string
	for _, l := range lines[1:] { // the first line is the server's name
		ext = append(ext, strings.Join(words(l), " "))
	}
	return ext, nil
}

// smtpStartTLS upgrades the connection and returns the extensions the
// server announces over TLS.
func (s *session) smtpStartTLS(ext []string) ([]string, error) {
	if !slices.Contains(ext, "STARTTLS") {
		return nil, errors.New("the server does not offer STARTTLS, and the token is never sent in clear")
	}
	if err := s.w.writeLine("STARTTLS"); err != nil {
		return nil, err
	}
	code, text, err := s.smtpReply()
	switch {
	case err != nil:
		return nil, err
	case code != 220:
		return nil, s.failf("the server refused STARTTLS: %s", text)
	}
	if err := s.w.startTLS(); err != nil {
		return nil, err
	}
	return s.smtpEHLO()
}

// smtpAuth runs AUTH mech with the initial response (RFC 4954 lets the
// AUTH line grow to 12288 bytes for it) and returns how the server
// answered.
func (s *session) smtpAuth(mech string) (Result, error) {
	a := &authExchange{s: s, mech: mech, cancel: "*", sent: true,
		ir: initialResponse(mech, s.user, s.token, s.target.Host, s.target.Port)}
	if err := s.w.writeLine("AUTH " + mech + " " + a.ir); err != nil {
		return Result{}, err
	}
	for range maxLines {
		code, text, lines, err := s.smtpReplyLines()
		switch {
		case err != nil:
			return Result{}, err
		case code == 235:
			return s.loggedIn(mech), nil
		case code == 334:
			if err := a.continuation(lines[0]); err != nil {
				return Result{}, err
			}
		default:
			return s.refused(mech, a.challenge, text), nil
		}
	}
	return Result{}, errTooManyLines
}

// smtpReply reads one reply and returns its code and its whole text.
func (s *session) smtpReply() (int, string, error) {
	code, text, _, err := s.smtpReplyLines()
	return code, text, err
}

// smtpReplyLines reads one reply, of one or more lines: its code, its
// whole text (lines joined by spaces, codes included) and each line's
// text after the code.
func (s *session) smtpReplyLines() (code int, text string, lines []string, err error) {
	var all []string
	for range maxLines {
		line, err := s.w.readLine()
		if err != nil {
			return 0, "", nil, err
		}
		c, more, rest, ok := parseReplyLine(line)
		if !ok || (code != 0 && c != code) {
			return 0, "", nil, s.failf("malformed SMTP reply line %s", line)
		}
		code = c
		all, lines = append(all, line), append(lines, rest)
		if !more {
			return code, strings.Join(all, " "), lines, nil
		}
	}
	return 0, "", nil, errTooManyLines
}

// parseReplyLine splits an SMTP reply line, "250-text" or "250 text" (or
// a bare "250"): its code, whether more lines follow, and its text.
func parseReplyLine(line string) (code int, more bool, text string, ok bool) {
	if len(line) < 3 || (len(line) > 3 && line[3] != ' ' && line[3] != '-') {
		return 0, false, "", false
	}
	code, err := strconv.Atoi(line[:3])
	if err != nil || code < 200 || code > 599 {
		return 0, false, "", false
	}
	if len(line) == 3 {
		return code, false, "", true
	}
	return code, line[3] == '-', line[4:], true
}
