package mailcheck

import (
	"errors"
	"slices"
	"strings"
)

// maxPOPCommand is the longest command line POP3 allows (RFC 2449 §4),
// CRLF included: a longer initial response is sent after the server's
// empty challenge instead (RFC 5034 §4).
const maxPOPCommand = 255

// pop logs in over POP3 (RFC 1939): greeting, CAPA (RFC 2449), STLS (RFC
// 2595) when the connection is not yet TLS and CAPA again, then AUTH (RFC
// 5034) and QUIT.
func (s *session) pop() (Result, error) {
	greeting, err := s.w.readLine()
	if err != nil {
		return Result{}, err
	}
	if !strings.HasPrefix(greeting, "+OK") {
		return Result{}, s.failf("unexpected POP3 greeting %s", greeting)
	}
	caps, err := s.popCapabilities()
	if err != nil {
		return Result{}, err
	}
	if !s.w.isTLS() {
		if caps, err = s.popStartTLS(caps); err != nil {
			return Result{}, err
		}
	}
	var mechs []string
	for _, c := range caps {
		if rest, ok := strings.CutPrefix(c, "SASL "); ok {
			mechs = append(mechs, strings.Fields(rest)...)
		}
	}
	mech := chooseMech(mechs)
	if mech == "" {
		return Result{}, s.failf("the server offers neither XOAUTH2 nor OAUTHBEARER (SASL mechanisms %s)", strings.Join(mechs, " "))
	}
	r, err := s.popAuth(mech)
	if err == nil && r.Outcome == LoggedIn {
		s.w.writeLine("QUIT")
	}
	return r, err
}

// popStartTLS upgrades the connection and returns the capabilities the
// server announces over TLS.
func (s *session) popStartTLS(caps []string) ([]string, error) {
	if !slices.Contains(caps, "STLS") {
		return nil, errors.New("the server does not offer STLS, and the token is never sent in clear")
	}
	if err := s.w.writeLine("STLS"); err != nil {
		return nil, err
	}
	answer, err := s.w.readLine()
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(answer, "+OK") {
		return nil, s.failf("the server refused STLS: %s", answer)
	}
	if err := s.w.startTLS(); err != nil {
		return nil, err
	}
	return s.popCapabilities()
}

// popCapabilities returns the lines of the server's CAPA answer,
// upper-cased; none when it does not know CAPA.
func (s *session) popCapabilities() ([]string, error) {
	if err := s.w.writeLine("CAPA"); err != nil {
		return nil, err
	}
	answer, err := s.w.readLine()
	if err != nil || !strings.HasPrefix(answer, "+OK") {
		return nil, err
	}
	var caps []string
	for range maxLines {
		line, err := s.w.readLine()
		switch {
		case err != nil:
			return nil, err
		case line == ".":
			return caps, nil
		}
		caps = append(caps, strings.Join(words(strings.TrimPrefix(line, ".")), " "))
	}
	return nil, errTooManyLines
}

// popAuth runs AUTH mech and returns how the server answered it.
func (s *session) popAuth(mech string) (Result, error) {
	a := &authExchange{s: s, mech: mech, cancel: "*",
		ir: initialResponse(mech, s.user, s.token, s.target.Host, s.target.Port)}
	cmd := "AUTH " + mech
	if len(cmd)+1+len(a.ir)+2 <= maxPOPCommand {
		cmd, a.sent = cmd+" "+a.ir, true
	}
	if err := s.w.writeLine(cmd); err != nil {
		return Result{}, err
	}
	for range maxLines {
		line, err := s.w.readLine()
		switch {
		case err != nil:
			return Result{}, err
		case strings.HasPrefix(line, "+OK"):
			return s.loggedIn(mech), nil
		case strings.HasPrefix(line, "-ERR"):
			return s.refused(mech, a.challenge, line), nil
		case line == "+" || strings.HasPrefix(line, "+ "):
			if err := a.continuation(strings.TrimPrefix(line, "+")); err != nil {
				return Result{}, err
			}
		default:
			return Result{}, s.failf("unexpected answer to AUTH: %s", line)
		}
	}
	return Result{}, errTooManyLines
}
