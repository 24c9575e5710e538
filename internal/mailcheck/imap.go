package mailcheck

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// imap logs in over IMAP (RFC 9051, RFC 3501): greeting, CAPABILITY,
// STARTTLS when the connection is not yet TLS, CAPABILITY again, then
// AUTHENTICATE (RFC 4959's SASL-IR when offered) and LOGOUT.
func (s *session) imap() (Result, error) {
	greeting, err := s.w.readLine()
	if err != nil {
		return Result{}, err
	}
	switch {
	case hasPrefixFold(greeting, "* OK"):
	case hasPrefixFold(greeting, "* PREAUTH"):
		return Result{}, errors.New("the server logged the connection in without credentials (PREAUTH)")
	default:
		return Result{}, s.failf("unexpected IMAP greeting %s", greeting)
	}
	caps, err := s.imapCapabilities()
	if err != nil {
		return Result{}, err
	}
	if !s.w.isTLS() {
		if caps, err = s.imapStartTLS(caps); err != nil {
			return Result{}, err
		}
	}
	var mechs []string
	for _, c := range caps {
		if m, ok := strings.CutPrefix(c, "AUTH="); ok {
			mechs = append(mechs, m)
		}
	}
	mech := chooseMech(mechs)
	if mech == "" {
		return Result{}, s.failf("the server offers neither XOAUTH2 nor OAUTHBEARER (capabilities %s)", strings.Join(caps, " "))
	}
	r, err := s.imapAuthenticate(mech, slices.Contains(caps, "SASL-IR"))
	if err == nil && r.Outcome == LoggedIn {
		s.w.writeLine(s.nextTag() + " LOGOUT")
	}
	return r, err
}

// imapStartTLS upgrades the connection and returns the capabilities the
// server announces over TLS.
func (s *session) imapStartTLS(caps []string) ([]string, error) {
	if !slices.Contains(caps, "STARTTLS") {
		return nil, errors.New("the server does not offer STARTTLS, and the token is never sent in clear")
	}
	status, text, err := s.imapCommand("STARTTLS")
	if err != nil {
		return nil, err
	}
	if status != "OK" {
		return nil, s.failf("the server refused STARTTLS: %s", status+" "+text)
	}
	if err := s.w.startTLS(); err != nil {
		return nil, err
	}
	return s.imapCapabilities()
}

// imapCapabilities asks for and returns the server's capabilities,
// upper-cased.
func (s *session) imapCapabilities() ([]string, error) {
	var caps []string
	status, text, err := s.imapCommandUntagged("CAPABILITY", func(line string) {
		if rest, ok := cutPrefixFold(line, "* CAPABILITY "); ok {
			caps = append(caps, words(rest)...)
		}
	})
	switch {
	case err != nil:
		return nil, err
	case status != "OK":
		return nil, s.failf("CAPABILITY failed: %s", status+" "+text)
	}
	return caps, nil
}

// imapCommand sends a command with a new tag and returns its tagged
// status (upper-cased) and text.
func (s *session) imapCommand(cmd string) (status, text string, err error) {
	return s.imapCommandUntagged(cmd, func(string) {})
}

// imapCommandUntagged is imapCommand, passing untagged lines to untagged.
func (s *session) imapCommandUntagged(cmd string, untagged func(string)) (status, text string, err error) {
	tag := s.nextTag()
	if err := s.w.writeLine(tag + " " + cmd); err != nil {
		return "", "", err
	}
	for range maxLines {
		line, err := s.w.readLine()
		if err != nil {
			return "", "", err
		}
		if rest, ok := strings.CutPrefix(line, tag+" "); ok {
			status, text, _ := strings.Cut(rest, " ")
			return strings.ToUpper(status), text, nil
		}
		untagged(line)
	}
	return "", "", errTooManyLines
}

// imapAuthenticate runs AUTHENTICATE mech and returns how the server
// answered it.
func (s *session) imapAuthenticate(mech string, saslIR bool) (Result, error) {
	a := &authExchange{s: s, mech: mech, cancel: "*",
		ir: initialResponse(mech, s.user, s.token, s.target.Host, s.target.Port)}
	tag := s.nextTag()
	cmd := tag + " AUTHENTICATE " + mech
	if saslIR {
		cmd, a.sent = cmd+" "+a.ir, true
	}
	if err := s.w.writeLine(cmd); err != nil {
		return Result{}, err
	}
	for range maxLines {
		line, err := s.w.readLine()
		if err != nil {
			return Result{}, err
		}
		if rest, ok := strings.CutPrefix(line, tag+" "); ok {
			if hasPrefixFold(rest, "OK") {
				return s.loggedIn(mech), nil
			}
			return s.refused(mech, a.challenge, rest), nil
		}
		if payload, ok := strings.CutPrefix(line, "+"); ok {
			if err := a.continuation(payload); err != nil {
				return Result{}, err
			}
		}
	}
	return Result{}, errTooManyLines
}

func (s *session) nextTag() string {
	s.tags++
	return "a" + strconv.Itoa(s.tags)
}

// hasPrefixFold reports whether s starts with prefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	_, ok := cutPrefixFold(s, prefix)
	return ok
}

// cutPrefixFold is strings.CutPrefix, ignoring case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
