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
		ts.Fatalf("usage: dovecot start USER | dovecot log | dovecot login USER TOKEN")
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

// start writes the mailbox and launches Dovecot, trying another port when
// another program took the chosen one first.
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
	for attempt := 1; ; attempt++ {
		err := d.launch(users)
		if !errors.Is(err, errPortTaken) || attempt == 3 {
			return err
		}
	}
}

// errPortTaken is a launch that lost the race for its port.
var errPortTaken = errors.New("dovecot: port taken")

// launch starts Dovecot on a free port, in the foreground and in a process
// group of its own; it returns once the master has logged that it is up
// (its listeners are bound by then).
func (d *dovecot) launch(users dovecotUsers) error {
	var err error
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
	logFile, err := os.Create(logPath)
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
	switch {
	case err == nil && strings.Contains(log, "starting up"):
		return nil
	case strings.Contains(log, "Address already in use"):
		d.cmd.Wait() // the master exits at once: it could not bind
		d.cmd = nil
		return errPortTaken
	}
	return fmt.Errorf("dovecot did not start (%v); its log:\n%s", err, log)
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
