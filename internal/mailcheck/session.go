package mailcheck

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"

	"github.com/pizauth-go/pizauth/internal/mailcheck/plan"
)

// session is one login: its target, credentials and connection.
type session struct {
	target plan.Target
	user   string
	token  string
	tlsCfg *tls.Config
	dialer func(ctx context.Context, network, addr string) (net.Conn, error)
	hide   *redactor
	w      wire
	via    string // how TLS started
	tags   int    // IMAP tags used
}

func newSession(t plan.Target, cfg Config) *session {
	tlsCfg := &tls.Config{}
	if cfg.TLS != nil {
		tlsCfg = cfg.TLS.Clone()
	}
	tlsCfg.ServerName = t.Host
	tlsCfg.MinVersion = tls.VersionTLS12
	dial := cfg.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	s := &session{target: t, user: cfg.User, token: cfg.Token, tlsCfg: tlsCfg, dialer: dial}
	s.hide = newRedactor(Secrets(t, cfg.User, cfg.Token)...)
	return s
}

// Secrets are what a login to t sends that gives the token away: the token
// and the initial responses carrying it.
func Secrets(t plan.Target, user, token string) []string {
	return []string{token,
		initialResponse(mechXOAUTH2, user, token, t.Host, t.Port),
		initialResponse(mechOAUTHBEARER, user, token, t.Host, t.Port)}
}

// login runs the target's protocol over s.w.
func (s *session) login() (Result, error) {
	switch s.target.Protocol {
	case plan.IMAP:
		return s.imap()
	case plan.POP:
		return s.pop()
	}
	return s.smtp()
}

// clean makes text from the server fit to print: secrets removed, control
// characters escaped, quoted, and cut to a bounded length.
func (s *session) clean(text string) string {
	return quote(truncate(s.hide.redact(text)))
}

// cleanChallenge is clean for a decoded challenge, which quotes its own
// strings.
func (s *session) cleanChallenge(payload string) string {
	return truncate(printable(s.hide.redact(describeChallenge(payload))))
}

// failf is a Failed result's error, with the server's text cleaned.
func (s *session) failf(format string, serverText string) error {
	return fmt.Errorf(format, s.clean(serverText))
}

// loggedIn and refused are the results of a login the server answered.
func (s *session) loggedIn(mech string) Result {
	return Result{Outcome: LoggedIn, Mech: mech, Via: s.via}
}

func (s *session) refused(mech, challenge, reply string) Result {
	return Result{Outcome: Refused, Mech: mech, Via: s.via, Challenge: challenge, Reply: s.clean(reply)}
}

// authExchange answers the server's continuation requests during one
// authentication: the first asks for the initial response ir when the
// command could not carry it (sent is false); the next is the error
// challenge, kept decoded and answered so that the server ends with its
// failure; any more are cancelled.
type authExchange struct {
	s         *session
	mech, ir  string
	sent      bool   // ir has been sent
	challenge string // the decoded error challenge, cleaned
	answered  bool   // the error challenge has been answered
	cancel    string // the protocol's cancel line
}

// continuation handles one continuation request with payload.
func (a *authExchange) continuation(payload string) error {
	switch {
	case !a.sent:
		a.sent = true
		return a.s.w.writeLine(a.ir)
	case !a.answered:
		a.answered = true
		a.challenge = a.s.cleanChallenge(payload)
		return a.s.w.writeLine(errorChallengeReply(a.mech))
	}
	return a.s.w.writeLine(a.cancel)
}

// words returns s's fields, upper-cased.
func words(s string) []string { return strings.Fields(strings.ToUpper(s)) }
