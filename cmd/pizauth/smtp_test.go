package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	scriptCmds["smtpserver"] = cmdSMTPServer
}

// smtpServers holds each script's SMTP server, keyed by its
// *testscript.TestScript.
var smtpServers sync.Map

// cmdSMTPServer runs a small SMTP server on 127.0.0.1 for real mail
// clients (msmtp): see smtpServer.
//
//	smtpserver start USER   start it for USER; sets SMTP_PORT
//	smtpserver log          prints what it saw: logins and mails, in order
func cmdSMTPServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: smtpserver start USER | smtpserver log")
	}
	switch args[0] {
	case "start":
		if len(args) != 2 {
			ts.Fatalf("usage: smtpserver start USER")
		}
		p := provider(ts)
		s, err := startSMTP(args[1], p.LastAccessToken)
		ts.Check(err)
		if _, dup := smtpServers.LoadOrStore(ts, s); dup {
			s.close()
			ts.Fatalf("smtpserver: already started")
		}
		ts.Defer(func() {
			smtpServers.Delete(ts)
			s.close()
		})
		ts.Setenv("SMTP_PORT", strconv.Itoa(s.port()))
	case "log":
		s, ok := smtpServers.Load(ts)
		if !ok {
			ts.Fatalf("smtpserver: not started")
		}
		for _, line := range s.(*smtpServer).transcript() {
			fmt.Fprintln(ts.Stdout(), line)
		}
	default:
		ts.Fatalf("unknown smtpserver command %q", args[0])
	}
}

// smtpServer speaks just enough ESMTP for msmtp, without TLS: EHLO
// advertising AUTH XOAUTH2 OAUTHBEARER, AUTH, MAIL, RCPT, DATA, RSET, NOOP
// and QUIT. A login succeeds only for its user with the token that token()
// returns at that moment (the fake provider's last issued access token);
// mail is accepted only after a login.
type smtpServer struct {
	ln    net.Listener
	user  string
	token func() string
	wg    sync.WaitGroup

	mu     sync.Mutex // guards log, conns and closed
	log    []string
	conns  map[net.Conn]bool
	closed bool
}

func startSMTP(user string, token func() string) (*smtpServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtp server: %w", err)
	}
	s := &smtpServer{ln: ln, user: user, token: token, conns: map[net.Conn]bool{}}
	s.wg.Go(s.serve)
	return s, nil
}

func (s *smtpServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// close stops the listener and every connection, and waits for their
// goroutines.
func (s *smtpServer) close() {
	s.ln.Close()
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *smtpServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		closed := s.closed
		s.conns[c] = true
		s.mu.Unlock()
		if closed {
			c.Close()
			return
		}
		s.wg.Go(func() {
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			s.session(&smtpConn{r: bufio.NewReaderSize(c, 64<<10), w: c})
		})
	}
}

func (s *smtpServer) record(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, fmt.Sprintf(format, args...))
}

func (s *smtpServer) transcript() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

// smtpConn is one client connection.
type smtpConn struct {
	r    *bufio.Reader
	w    net.Conn
	user string // authenticated user, "" before AUTH
	from string
	to   []string
}

func (c *smtpConn) reply(lines ...string) {
	fmt.Fprint(c.w, strings.Join(lines, "\r\n")+"\r\n")
}

// readLine reads one CRLF- or LF-terminated line of at most 64 KiB.
func (c *smtpConn) readLine() (string, error) {
	b, err := c.r.ReadSlice('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

func (s *smtpServer) session(c *smtpConn) {
	c.reply("220 localhost ESMTP pizauth test server")
	for {
		line, err := c.readLine()
		if err != nil {
			return
		}
		verb, rest, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			c.reply("250-localhost", "250-AUTH XOAUTH2 OAUTHBEARER", "250 8BITMIME")
		case "HELO", "NOOP":
			c.reply("250 2.0.0 OK")
		case "RSET":
			c.from, c.to = "", nil
			c.reply("250 2.0.0 OK")
		case "AUTH":
			s.auth(c, rest)
		case "MAIL":
			s.mail(c, rest)
		case "RCPT":
			s.rcpt(c, rest)
		case "DATA":
			if err := s.data(c); err != nil {
				return
			}
		case "QUIT":
			c.reply("221 2.0.0 Bye")
			return
		default:
			c.reply("502 5.5.2 Command not implemented")
		}
	}
}

// auth handles AUTH MECHANISM [INITIAL-RESPONSE] for XOAUTH2 and
// OAUTHBEARER. A rejected login gets the RFC 7628 error challenge, which
// the client answers with a dummy line, then 535.
func (s *smtpServer) auth(c *smtpConn, args string) {
	mech, initial, _ := strings.Cut(args, " ")
	mech = strings.ToUpper(mech)
	if mech != "XOAUTH2" && mech != "OAUTHBEARER" {
		c.reply("504 5.5.4 Unrecognized authentication type")
		return
	}
	if c.user != "" {
		c.reply("503 5.5.1 Already authenticated")
		return
	}
	if initial == "" {
		c.reply("334 ")
		var err error
		if initial, err = c.readLine(); err != nil {
			return
		}
	}
	user, err := s.checkAuth(mech, initial)
	if err != nil {
		s.record("auth %s: rejected: %v", mech, err)
		c.reply("334 " + base64.StdEncoding.EncodeToString([]byte(`{"status":"invalid_token","schemes":"Bearer"}`)))
		c.readLine()
		c.reply("535 5.7.8 Authentication credentials invalid")
		return
	}
	c.user = user
	c.reply("235 2.7.0 Authentication successful")
}

// checkAuth decodes an initial response and checks its user and token; it
// records what it accepts.
func (s *smtpServer) checkAuth(mech, initial string) (string, error) {
	resp, err := base64.StdEncoding.DecodeString(initial)
	if err != nil {
		return "", fmt.Errorf("initial response is not base64: %w", err)
	}
	var user, token, detail string
	if mech == "XOAUTH2" {
		user, token, err = parseXOAUTH2(string(resp))
	} else {
		var kv map[string]string
		user, kv, err = parseOAuthBearer(string(resp))
		if err == nil {
			token, err = s.checkBearerKV(kv)
			detail = fmt.Sprintf(" host=%s port=%s", kv["host"], kv["port"])
		}
	}
	switch {
	case err != nil:
		return "", err
	case user != s.user:
		return "", fmt.Errorf("user %q, want %q", user, s.user)
	case token == "" || token != s.token():
		return "", fmt.Errorf("user %s: token %.8q... is not the provider's last access token", user, token)
	}
	s.record("auth %s user=%s%s: token is the provider's last access token", mech, user, detail)
	return user, nil
}

// parseXOAUTH2 parses Google's and Microsoft's XOAUTH2 initial response,
// "user=USER\x01auth=Bearer TOKEN\x01\x01".
func parseXOAUTH2(resp string) (user, token string, err error) {
	rest, ok := strings.CutPrefix(resp, "user=")
	if ok {
		rest, ok = strings.CutSuffix(rest, "\x01\x01")
	}
	if ok {
		user, token, ok = strings.Cut(rest, "\x01auth=Bearer ")
	}
	if !ok || user == "" || strings.ContainsRune(user+token, '\x01') {
		return "", "", fmt.Errorf("malformed XOAUTH2 response %q", resp)
	}
	return user, token, nil
}

// parseOAuthBearer parses an RFC 7628 OAUTHBEARER initial response,
// "n,a=USER,\x01key=value\x01...\x01\x01", into the authorization identity
// (the gs2 header's a=, which this server requires) and the key/value pairs.
func parseOAuthBearer(resp string) (string, map[string]string, error) {
	bad := fmt.Errorf("malformed OAUTHBEARER response %q", resp)
	rest, ok := strings.CutPrefix(resp, "n,a=")
	if !ok {
		return "", nil, bad
	}
	authzid, rest, ok := strings.Cut(rest, ",")
	if !ok {
		return "", nil, bad
	}
	pairs, ok := strings.CutPrefix(rest, "\x01")
	if ok {
		pairs, ok = strings.CutSuffix(pairs, "\x01\x01")
	}
	if !ok {
		return "", nil, bad
	}
	kv := map[string]string{}
	for _, pair := range strings.Split(pairs, "\x01") {
		k, v, ok := strings.Cut(pair, "=")
		if _, dup := kv[k]; !ok || dup || k == "" {
			return "", nil, bad
		}
		kv[k] = v
	}
	user := strings.NewReplacer("=2C", ",", "=3D", "=").Replace(authzid)
	return user, kv, nil
}

// checkBearerKV returns the token of OAUTHBEARER's auth pair, checking that
// host and port name this server as msmtp was told to reach it.
func (s *smtpServer) checkBearerKV(kv map[string]string) (string, error) {
	token, ok := strings.CutPrefix(kv["auth"], "Bearer ")
	switch {
	case !ok:
		return "", errors.New("no auth=Bearer pair")
	case kv["host"] != "127.0.0.1":
		return "", fmt.Errorf("host=%q, want 127.0.0.1", kv["host"])
	case kv["port"] != strconv.Itoa(s.port()):
		return "", fmt.Errorf("port=%q, want %d", kv["port"], s.port())
	}
	return token, nil
}

func (s *smtpServer) mail(c *smtpConn, args string) {
	from, ok := address(args, "FROM:")
	switch {
	case c.user == "":
		c.reply("530 5.7.0 Authentication required")
	case !ok:
		c.reply("501 5.5.4 Syntax: MAIL FROM:<address>")
	default:
		c.from, c.to = from, nil
		c.reply("250 2.1.0 OK")
	}
}

func (s *smtpServer) rcpt(c *smtpConn, args string) {
	to, ok := address(args, "TO:")
	if c.from == "" || !ok {
		c.reply("503 5.5.1 Need MAIL FROM:<address> and RCPT TO:<address>")
		return
	}
	c.to = append(c.to, to)
	c.reply("250 2.1.5 OK")
}

// address returns the <address> after prefix (matched case-insensitively)
// in MAIL FROM:<address> [PARAMS] and RCPT TO:<address> [PARAMS].
func address(args, prefix string) (string, bool) {
	if len(args) < len(prefix) || !strings.EqualFold(args[:len(prefix)], prefix) {
		return "", false
	}
	fields := strings.Fields(args[len(prefix):])
	if len(fields) == 0 || !strings.HasPrefix(fields[0], "<") || !strings.HasSuffix(fields[0], ">") {
		return "", false
	}
	return fields[0], true
}

// data reads a message up to the lone "." and records it, undoing the dot
// stuffing; the message may be at most 1 MiB.
func (s *smtpServer) data(c *smtpConn) error {
	if len(c.to) == 0 {
		c.reply("503 5.5.1 Need RCPT TO:<address>")
		return nil
	}
	c.reply("354 End data with <CR><LF>.<CR><LF>")
	var msg bytes.Buffer
	for {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		if line == "." {
			break
		}
		if msg.Len() > 1<<20 {
			return errors.New("message too large")
		}
		msg.WriteString(strings.TrimPrefix(line, ".") + "\n")
	}
	s.record("mail user=%s from=%s to=%s\n%s", c.user, c.from, strings.Join(c.to, ","), strings.TrimRight(msg.String(), "\n"))
	c.from, c.to = "", nil
	c.reply("250 2.0.0 OK: queued")
	return nil
}
