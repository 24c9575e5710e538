// Package plan is what `pizauth test` is asked to do: which mail servers to
// log in to, how TLS starts on each, and as which user. It links no
// networking, so that the pizauth client can check a command line before it
// asks the server for a token; package mailcheck does the logins.
package plan

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pizauth-go/pizauth/internal/getopt"
)

// HelperArg is the first argument by which pizauth-server runs the logins
// (mailcheck.HelperMain): `pizauth test` gets the token from the server
// itself, then hands its arguments and the token (on standard input) to
// pizauth-server, which links the TLS stack that the client leaves out so
// that `pizauth show` starts fast.
const HelperArg = "--mail-login-test"

// Protocol is a mail protocol that `pizauth test` logs in with. Its value
// is the command-line option's name and what each result line starts with.
type Protocol string

const (
	IMAP Protocol = "imap"
	POP  Protocol = "pop"
	SMTP Protocol = "smtp"
)

// Protocols are the protocols in the order their results are printed.
var Protocols = []Protocol{IMAP, POP, SMTP}

// TLSMode is how a connection becomes TLS before the token is sent: never
// is not one of them.
type TLSMode int

const (
	// ImplicitTLS: TLS from the first byte (ports 993, 995, 465).
	ImplicitTLS TLSMode = iota
	// StartTLS: a plain-text greeting, then the protocol's STARTTLS
	// command (ports 143, 110, 587, 25).
	StartTLS
	// ImplicitOrStartTLS: any other port. TLS from the first byte, unless
	// the server greets in plain text instead of answering the TLS
	// handshake; then a new connection and STARTTLS.
	ImplicitOrStartTLS
)

// ports are each protocol's well-known ports and their TLS modes; the
// first is the default.
var ports = map[Protocol][]struct {
	port int
	mode TLSMode
}{
	IMAP: {{993, ImplicitTLS}, {143, StartTLS}},
	POP:  {{995, ImplicitTLS}, {110, StartTLS}},
	SMTP: {{465, ImplicitTLS}, {587, StartTLS}, {25, StartTLS}},
}

// Target is one mail server to log in to.
type Target struct {
	Protocol Protocol
	Host     string // a name, or an IP address without brackets
	Port     int
	Mode     TLSMode
}

// Addr is the target's host:port, with brackets around an IPv6 address.
func (t Target) Addr() string {
	if strings.Contains(t.Host, ":") {
		return "[" + t.Host + "]:" + strconv.Itoa(t.Port)
	}
	return t.Host + ":" + strconv.Itoa(t.Port)
}

// Plan is a whole `pizauth test` command line.
type Plan struct {
	Targets []Target // at most one per protocol, in Protocols order
	User    string   // the SASL user, an email address as a rule
	CAFile  string   // "": the system's roots
}

// FromArgs makes the plan of test's parsed options (internal/cmdline):
// --imap, --pop and --smtp HOST[:PORT], --user ADDRESS and --ca-file FILE.
func FromArgs(p getopt.Args) (Plan, error) {
	var pl Plan
	for _, proto := range Protocols {
		v, ok := p.Value[string(proto)]
		if !ok {
			continue
		}
		t, err := ParseTarget(proto, v)
		if err != nil {
			return Plan{}, err
		}
		pl.Targets = append(pl.Targets, t)
	}
	if len(pl.Targets) == 0 {
		return Plan{}, errors.New("test needs at least one of --imap, --pop and --smtp HOST[:PORT]")
	}
	pl.User = p.Value["user"]
	if err := checkUser(pl.User); err != nil {
		return Plan{}, err
	}
	if f, ok := p.Value["ca-file"]; ok && f == "" {
		return Plan{}, errors.New("--ca-file needs a file name")
	}
	pl.CAFile = p.Value["ca-file"]
	return pl, nil
}

// checkUser checks --user: given, and free of what SASL strings cannot hold.
func checkUser(user string) error {
	switch {
	case user == "":
		return errors.New("test needs --user ADDRESS, the user to log in as (usually the email address)")
	case strings.ContainsFunc(user, isControl):
		return fmt.Errorf("--user %q: control characters are not allowed", user)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// ParseTarget parses HOST[:PORT] for proto: a name, an IPv4 address or an
// IPv6 address (in brackets when a port follows), with the protocol's
// implicit-TLS port by default.
func ParseTarget(proto Protocol, s string) (Target, error) {
	host, port, hasPort, err := splitHostPort(s)
	if err != nil {
		return Target{}, fmt.Errorf("--%s %q: %w", proto, s, err)
	}
	t := Target{Protocol: proto, Host: host, Port: ports[proto][0].port, Mode: ImplicitOrStartTLS}
	if hasPort {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strings.ContainsFunc(port, notDigit) || port[0] == '0' {
			return Target{}, fmt.Errorf("--%s %q: the port must be a number from 1 to 65535", proto, s)
		}
		t.Port = n
	}
	for _, p := range ports[proto] {
		if p.port == t.Port {
			t.Mode = p.mode
		}
	}
	return t, nil
}

func notDigit(r rune) bool { return r < '0' || r > '9' }

// splitHostPort splits HOST[:PORT].
func splitHostPort(s string) (host, port string, hasPort bool, err error) {
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", false, errors.New("missing ] after the IPv6 address")
		}
		host, rest := s[1:end], s[end+1:]
		if rest != "" && !strings.HasPrefix(rest, ":") {
			return "", "", false, errors.New("want [ADDRESS]:PORT")
		}
		port, hasPort = strings.CutPrefix(rest, ":")
		return host, port, hasPort, checkHost(host)
	case strings.Count(s, ":") == 1:
		host, port, _ = strings.Cut(s, ":")
		return host, port, true, checkHost(host)
	}
	return s, "", false, checkHost(s) // a name, or an IPv6 address without a port
}

// checkHost refuses what cannot be a host name or address.
func checkHost(h string) error {
	switch {
	case h == "":
		return errors.New("no host")
	case len(h) > 253:
		return errors.New("the host name is too long")
	case strings.ContainsFunc(h, func(r rune) bool { return isControl(r) || strings.ContainsRune(" /@[]", r) }):
		return errors.New("not a host name or address")
	}
	return nil
}
