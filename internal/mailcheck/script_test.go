package mailcheck

import (
	"cmp"
	"errors"
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/mailcheck/plan"
)

// scriptWire is a server that sends what it was given, whatever the client
// says, and records what the client wrote.
type scriptWire struct {
	lineReader
	wrote   []string
	inClear []string // what the client wrote before TLS
	secure  bool
	tlsFail error
}

func newScriptWire(server string, secure bool) *scriptWire {
	return &scriptWire{lineReader: newLineReader(strings.NewReader(server)), secure: secure}
}

func (w *scriptWire) writeLine(s string) error {
	w.wrote = append(w.wrote, s)
	if !w.secure {
		w.inClear = append(w.inClear, s)
	}
	return nil
}

func (w *scriptWire) startTLS() error {
	if w.tlsFail != nil {
		return w.tlsFail
	}
	w.secure = true
	return nil
}

func (w *scriptWire) isTLS() bool { return w.secure }

const testUser = "me@example.com"

// testToken is as long as real ones are: too long for a POP3 command line.
var testToken = "ya29.a0-the-secret-token-" + strings.Repeat("0123456789", 50)

// scripted logs in to target over a scriptWire replaying server.
func scripted(proto plan.Protocol, token, server string, secure bool) (Result, *scriptWire) {
	t := plan.Target{Protocol: proto, Host: "mail.example.com", Port: 993}
	s := newSession(t, Config{User: testUser, Token: token})
	w := newScriptWire(server, secure)
	s.w, s.via = w, "TLS"
	if !secure {
		s.via = "STARTTLS"
	}
	r, err := s.login()
	if err != nil {
		r = Result{Outcome: Failed, Err: err}
	}
	r.Target = t
	return r, w
}

// ir is the initial response for the scripted target.
func ir(mech string) string { return irOf(mech, testToken) }

func irOf(mech, token string) string {
	return initialResponse(mech, testUser, token, "mail.example.com", 993)
}

// gmailChallenge is the error challenge Gmail sends for a refused token:
// {"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}.
const gmailChallenge = "eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ=="

const gmailDecoded = `status "400", schemes "Bearer", scope "https://mail.google.com/"`

// protoTest is one scripted login: what the server sends, whether the
// connection starts as TLS, and the line and the client's lines wanted.
type protoTest struct {
	name   string
	server string
	secure bool
	line   string   // the whole result line
	wrote  []string // the client's lines; nil: not checked
	token  string   // "": testToken
}

func runProtoTests(t *testing.T, proto plan.Protocol, tests []protoTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := cmp.Or(tt.token, testToken)
			r, w := scripted(proto, token, strings.ReplaceAll(tt.server, "\n", "\r\n"), tt.secure)
			if got := r.String(); got != tt.line {
				t.Errorf("got line\n%s\nwant\n%s", got, tt.line)
			}
			if tt.wrote != nil && strings.Join(w.wrote, "\n") != strings.Join(tt.wrote, "\n") {
				t.Errorf("client wrote\n%s\nwant\n%s", strings.Join(w.wrote, "\n"), strings.Join(tt.wrote, "\n"))
			}
			if strings.Contains(r.String(), token) {
				t.Errorf("the line shows the token: %s", r)
			}
		})
	}
}

func TestScriptWireTLSFailure(t *testing.T) {
	s := newSession(plan.Target{Protocol: plan.SMTP, Host: "h", Port: 587}, Config{User: testUser, Token: testToken})
	w := newScriptWire("220 hi\r\n250-h\r\n250 STARTTLS\r\n220 go\r\n", false)
	w.tlsFail = errors.New("bad certificate")
	s.w = w
	if _, err := s.login(); err == nil || err.Error() != "bad certificate" {
		t.Errorf("got %v; want the TLS error", err)
	}
	if strings.Contains(strings.Join(w.wrote, " "), "AUTH") {
		t.Errorf("AUTH sent after a failed STARTTLS: %q", w.wrote)
	}
}
