package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

func init() {
	scriptCmds["dovecot"] = cmdDovecot
}

// dovecotBin is where Debian's dovecot-core puts the server.
const dovecotBin = "/usr/sbin/dovecot"

// dovecots holds each script's Dovecot, keyed by its *testscript.TestScript.
var dovecots sync.Map

// cmdDovecot runs a real Dovecot IMAP server on 127.0.0.1, without TLS,
// whose only login mechanisms are XOAUTH2 and OAUTHBEARER. Its oauth2
// passdb asks an introspection endpoint in the test process, which calls a
// token active only when it is the fake provider's last issued access
// token. USER's INBOX holds one message, "Subject: hello from dovecot".
//
//	dovecot start USER         start it; sets IMAP_PORT
//	dovecot log                prints what the introspection endpoint answered
//	dovecot login USER TOKEN   logs in by XOAUTH2 and prints Dovecot's answer
//
// (login is for wrong tokens: mbsync does not answer Dovecot's error
// challenge and hangs until Dovecot's 3-minute authentication timeout.)
func cmdDovecot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: dovecot start USER | dovecot log")
	}
	switch args[0] {
	case "start":
		if len(args) != 2 {
			ts.Fatalf("usage: dovecot start USER")
		}
		d := &dovecot{user: args[1], token: provider(ts).LastAccessToken}
		if _, dup := dovecots.LoadOrStore(ts, d); dup {
			ts.Fatalf("dovecot: already started")
		}
		ts.Defer(func() {
			dovecots.Delete(ts)
			ts.Check(d.stop())
		})
		ts.Check(d.start())
		ts.Setenv("IMAP_PORT", strconv.Itoa(d.port))
	case "log":
		for _, line := range started(ts).transcript() {
			fmt.Fprintln(ts.Stdout(), line)
		}
	case "login":
		if len(args) != 3 {
			ts.Fatalf("usage: dovecot login USER TOKEN")
		}
		answer, err := imapLogin(started(ts).port, args[1], args[2])
		ts.Check(err)
		fmt.Fprintln(ts.Stdout(), answer)
	default:
		ts.Fatalf("unknown dovecot command %q", args[0])
	}
}

func started(ts *testscript.TestScript) *dovecot {
	d, ok := dovecots.Load(ts)
	if !ok {
		ts.Fatalf("dovecot: not started")
	}
	return d.(*dovecot)
}

// imapLogin sends AUTHENTICATE XOAUTH2 with user and token, answers an
// error challenge with an empty line as the mechanism requires, and returns
// the tagged answer.
func imapLogin(port int, user, token string) (string, error) {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 10*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	if _, err := r.ReadString('\n'); err != nil { // greeting
		return "", err
	}
	ir := base64.StdEncoding.EncodeToString([]byte("user=" + user + "\x01auth=Bearer " + token + "\x01\x01"))
	fmt.Fprintf(c, "a AUTHENTICATE XOAUTH2 %s\r\n", ir)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		switch {
		case strings.HasPrefix(line, "+"):
			fmt.Fprint(c, "\r\n")
		case strings.HasPrefix(line, "a "):
			return strings.TrimSpace(line), nil
		}
	}
}

// dovecot is one Dovecot master process and the introspection endpoint
// its oauth2 passdb asks.
type dovecot struct {
	user  string
	token func() string
	dir   string // base_dir, state, log, config and the mail user's home
	port  int
	cmd   *exec.Cmd
	intro *httptest.Server

	mu  sync.Mutex // guards log
	log []string
}

// start writes the configuration and the mailbox and starts Dovecot in the
// foreground, in a process group of its own; it returns once the master
// has logged that it is up (its listeners are bound by then).
func (d *dovecot) start() error {
	if sasl, _ := filepath.Glob("/usr/lib/*/sasl2/libkdexoauth2.so*"); len(sasl) == 0 {
		return errors.New("no XOAUTH2 SASL plugin for mbsync: install libsasl2-modules-kdexoauth2 (scripts/test-deps does)")
	}
	d.intro = httptest.NewServer(http.HandlerFunc(d.introspect))
	var err error
	// Dovecot's unprivileged processes must reach this directory: not
	// under WORK (0700 parents), and with a short path for its sockets.
	if d.dir, err = os.MkdirTemp("", "pzdovecot"); err != nil {
		return err
	}
	if err := os.Chmod(d.dir, 0o755); err != nil {
		return err
	}
	users, err := lookupDovecotUsers()
	if err != nil {
		return err
	}
	if err := d.writeMailbox(users); err != nil {
		return err
	}
	if d.port, err = freePort(); err != nil {
		return err
	}
	conf := filepath.Join(d.dir, "dovecot.conf")
	if err := os.WriteFile(conf, []byte(d.config(users)), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(d.dir, "oauth2.conf"), []byte(d.oauth2Config()), 0o644); err != nil {
		return err
	}
	logPath := filepath.Join(d.dir, "dovecot.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	d.cmd = exec.Command(dovecotBin, "-F", "-c", conf)
	d.cmd.Stdout, d.cmd.Stderr = logFile, logFile
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		d.cmd = nil
		return err
	}
	log, err := waitFileMatch(logPath, regexp.MustCompile(`starting up|Fatal|Error`), 30*time.Second)
	if err != nil || !regexp.MustCompile(`starting up`).MatchString(log) {
		return fmt.Errorf("dovecot did not start (%v); its log:\n%s", err, log)
	}
	return nil
}

// dovecotUsers are the accounts Dovecot's processes run as.
type dovecotUsers struct {
	login, internal, group string // default_login_user, _internal_user, _internal_group
	mailUID, mailGID       int    // the mail user's, who owns the mailbox
}

// lookupDovecotUsers returns Debian's dovenull and dovecot and the nobody user
// when the test runs as root (imap-login and mail processes refuse root),
// else the test's own user for everything.
func lookupDovecotUsers() (dovecotUsers, error) {
	if os.Getuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return dovecotUsers{}, err
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			return dovecotUsers{}, err
		}
		return dovecotUsers{login: u.Username, internal: u.Username, group: g.Name, mailUID: os.Getuid(), mailGID: os.Getgid()}, nil
	}
	for _, name := range []string{"dovenull", "dovecot"} {
		if _, err := user.Lookup(name); err != nil {
			return dovecotUsers{}, fmt.Errorf("dovecot as root needs the user %q (the dovecot-core package creates it): %w", name, err)
		}
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		return dovecotUsers{}, err
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	return dovecotUsers{login: "dovenull", internal: "dovecot", group: "dovecot", mailUID: uid, mailGID: gid}, nil
}

// writeMailbox creates the mail user's home with a Maildir holding one new
// message, owned by the mail user.
func (d *dovecot) writeMailbox(u dovecotUsers) error {
	home := filepath.Join(d.dir, "home")
	maildir := filepath.Join(home, "Maildir")
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(maildir, sub), 0o700); err != nil {
			return err
		}
	}
	msg := "From: someone@example.com\r\nTo: " + d.user + "\r\nSubject: hello from dovecot\r\n\r\nSynced by mbsync.\r\n"
	if err := os.WriteFile(filepath.Join(maildir, "new", "1.test"), []byte(msg), 0o600); err != nil {
		return err
	}
	return filepath.Walk(home, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, u.mailUID, u.mailGID)
	})
}

func (d *dovecot) config(u dovecotUsers) string {
	return fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = xoauth2 oauthbearer
auth_failure_delay = 0
default_login_user = %[2]s
default_internal_user = %[3]s
default_internal_group = %[7]s
first_valid_uid = %[4]d
mail_location = maildir:~/Maildir
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = %[1]s/oauth2.conf
}
userdb {
  driver = static
  args = uid=%[4]d gid=%[5]d home=%[1]s/home
}
# No chroots: they need root, and this is a test.
service anvil {
  chroot =
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[6]d
  }
  inet_listener imaps {
    port = 0
  }
}
`, d.dir, u.login, u.internal, u.mailUID, u.mailGID, d.port, u.group)
}

func (d *dovecot) oauth2Config() string {
	return fmt.Sprintf(`introspection_mode = post
introspection_url = %s/introspect
username_attribute = username
active_attribute = active
active_value = true
`, d.intro.URL)
}

// introspect is an RFC 7662 introspection endpoint: a token is active only
// when it is the provider's last issued access token.
func (d *dovecot) introspect(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	active := token != "" && token == d.token()
	d.mu.Lock()
	if active {
		d.log = append(d.log, "introspect: active: the provider's last access token")
	} else {
		d.log = append(d.log, fmt.Sprintf("introspect: inactive: token %.8q... is not the provider's last access token", token))
	}
	d.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"active": active, "username": d.user})
}

func (d *dovecot) transcript() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.log...)
}

// stop ends Dovecot: SIGTERM to the master, which stops its children; after
// 10 seconds SIGKILL to the group; then whatever is left of the group is
// killed and reaped.
func (d *dovecot) stop() error {
	defer func() {
		if d.intro != nil {
			d.intro.Close()
		}
		if d.dir != "" {
			os.RemoveAll(d.dir)
		}
	}()
	if d.cmd == nil {
		return nil
	}
	pgid := d.cmd.Process.Pid
	syscall.Kill(pgid, syscall.SIGTERM)
	timer := time.AfterFunc(10*time.Second, func() { syscall.Kill(-pgid, syscall.SIGKILL) })
	defer timer.Stop()
	// Wait without reaping, so that the group id stays taken meanwhile.
	var info unix.Siginfo
	for unix.Waitid(unix.P_PID, pgid, &info, unix.WEXITED|unix.WNOWAIT, nil) == unix.EINTR {
	}
	killErr := killGroup(pgid, filepath.Join(d.dir, "dovecot.conf"))
	d.cmd.Wait()
	return killErr
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitFileMatch waits until the file at path matches re, waking on inotify
// events, and returns its content.
func waitFileMatch(path string, re *regexp.Regexp, timeout time.Duration) (string, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	if _, err := unix.InotifyAddWatch(fd, filepath.Dir(path), unix.IN_CREATE|unix.IN_MODIFY|unix.IN_CLOSE_WRITE); err != nil {
		return "", err
	}
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 64<<10)
	for {
		b, _ := os.ReadFile(path)
		if re.Match(b) {
			return string(b), nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return string(b), fmt.Errorf("no match for %q after %v", re, timeout)
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, int(left.Milliseconds())+1); err != nil && err != unix.EINTR {
			return string(b), err
		}
		unix.Read(fd, buf)
	}
}
