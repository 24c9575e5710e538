package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"

	"github.com/pizauth-go/pizauth/internal/daemon"
	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/testidp"
	"github.com/pizauth-go/pizauth/internal/version"
)

// scriptCmds are the scripts' own commands; files that add commands for
// their scripts register them from init.
var scriptCmds = map[string]func(*testscript.TestScript, bool, []string){
	"idp":        cmdIDP,
	"browse":     cmdBrowse,
	"waitserver": cmdWaitServer,
	"expand":     cmdExpand,
	"waitfor":    cmdWaitFor,
	"showmany":   cmdShowMany,
	"sigserver":  cmdSigServer,
	"hostile":    cmdHostile,
	"jsonfield":  cmdJSONField,
	"racestart":  cmdRaceStart,
}

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"pizauth":        main,
		"pizauth-server": func() { os.Exit(daemon.Main(os.Args[1:])) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: the real
// pizauth binary (this test binary, re-executed) against a fake provider
// running in the test process.
//
// Each script gets its own provider and runtime directory, and these
// variables: IDP_AUTH_URI, IDP_TOKEN_URI, IDP_CLIENT_ID, IDP_CLIENT_SECRET
// (a confidential client), IDP_PUBLIC_CLIENT_ID (a public one), and
// PIZAUTH_VERSION.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		Setup:               setupScript,
		Cmds:                scriptCmds,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}

const (
	testClientID     = "pizauth-test"
	testClientSecret = "test-client-secret"
	testPublicClient = "pizauth-public"
)

func setupScript(env *testscript.Env) error {
	p := testidp.New()
	p.AddClient(testClientID, testClientSecret)
	p.AddClient(testPublicClient, "")
	env.Values["idp"] = p
	// Socket paths are limited to about 104 bytes: WORK is too deep.
	runtimeDir, err := os.MkdirTemp("", "pz")
	if err != nil {
		return err
	}
	env.Setenv("XDG_RUNTIME_DIR", runtimeDir)
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(runtimeDir, "notify"), Net: "unixgram"})
	if err != nil {
		return err
	}
	env.Values["notify"] = notify
	env.Setenv("NOTIFY_SOCKET", notify.LocalAddr().String())
	env.Setenv("HOME", env.WorkDir)
	env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
	env.Setenv("SHELL", "/bin/sh")
	// A binary built with -race sleeps a second at exit by default; the
	// scripts run hundreds of them.
	env.Setenv("GORACE", "atexit_sleep_ms=0")
	env.Setenv("IDP_AUTH_URI", p.AuthURI())
	env.Setenv("IDP_TOKEN_URI", p.TokenURI())
	env.Setenv("IDP_CLIENT_ID", testClientID)
	env.Setenv("IDP_CLIENT_SECRET", testClientSecret)
	env.Setenv("IDP_PUBLIC_CLIENT_ID", testPublicClient)
	env.Setenv("PIZAUTH_VERSION", version.String()) // what info and --version print
	env.Defer(func() {
		for _, dir := range serverDirs(runtimeDir) {
			stopServer(dir)
		}
		p.Close()
		notify.Close()
		os.RemoveAll(runtimeDir)
	})
	return nil
}

// serverDirs lists the directories under root that hold a server's lock
// file: the script's own runtime directory, and those of scripts that point
// XDG_RUNTIME_DIR (or TMPDIR) somewhere under it, whose servers a failed
// script would otherwise leave running.
func serverDirs(root string) []string {
	var dirs []string
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == paths.LockName {
			dirs = append(dirs, filepath.Dir(path))
		}
		return nil
	})
	return dirs
}

// stopServer stops a server a script left running (often one that a
// `pizauth shutdown` is still stopping), found through the pid in its lock
// file: SIGTERM, then SIGKILL if it has not exited within 10 s. A server
// that exits by itself writes its coverage counters (GOCOVERDIR, make
// cover); a killed one does not. A pid that is no longer a pizauth-server
// is left alone.
func stopServer(dir string) {
	lock, err := os.Open(filepath.Join(dir, paths.LockName))
	if err != nil {
		return
	}
	defer lock.Close()
	// A lock nobody holds names a server that has exited, whose pid may
	// be another script's server by now.
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_SH|unix.LOCK_NB); err == nil {
		return
	}
	pid, ok := paths.LockHolder(lock)
	if !ok || pid == 1 {
		return
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return // gone
	}
	defer unix.Close(pidfd)
	argv, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if filepath.Base(string(bytes.SplitN(argv, []byte{0}, 2)[0])) != "pizauth-server" {
		return
	}
	// Signals through the pidfd cannot reach a process that reused the pid.
	unix.PidfdSendSignal(pidfd, unix.SIGTERM, nil, 0)
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 10_000)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0)
		}
		return
	}
}

func provider(ts *testscript.TestScript) *testidp.Provider {
	return ts.Value("idp").(*testidp.Provider)
}

// cmdIDP controls the fake provider:
//
//	idp lifetime DURATION          expires_in of new tokens (0: omitted)
//	idp nextlifetimes DURATION...  expires_in of the next tokens only, in order
//	idp rotate on|off              rotate refresh tokens
//	idp issue-refresh on|off       whether tokens come with a refresh token (default on)
//	idp login approve|deny|page    what /authorize does
//	idp fail ENDPOINT N STATUS [RETRY_AFTER]
//	idp oautherror ENDPOINT N CODE
//	idp echoerror ENDPOINT N CODE  an OAuth error whose texts echo the request's secrets, re-encoded
//	idp hang ENDPOINT N
//	idp outage STATUS | idp outage end
//	idp revoke-refresh             every refresh token now gives invalid_grant
//	idp count ENDPOINT             prints how many requests ENDPOINT got
//	idp last-token                 prints the last access token issued
//	idp form ENDPOINT KEY          prints KEY of the last request to ENDPOINT
//	idp nosecrets FILE...          fails if a file holds any secret the provider saw or issued
//	idp waitheld ENDPOINT N        waits until N requests to ENDPOINT are held (hang, delay)
//	idp waitabandoned ENDPOINT N   waits until the clients of N held requests gave up
func cmdIDP(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! idp")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: idp COMMAND ARGS...")
	}
	p := provider(ts)
	switch args[0] {
	case "lifetime":
		d, err := time.ParseDuration(arg(ts, args, 1))
		ts.Check(err)
		p.SetLifetime(d)
	case "nextlifetimes":
		var ds []time.Duration
		for _, a := range args[1:] {
			d, err := time.ParseDuration(a)
			ts.Check(err)
			ds = append(ds, d)
		}
		p.SetNextLifetimes(ds...)
	case "waitheld", "waitabandoned":
		waitIDP(ts, p, args)
	case "rotate":
		p.SetRotate(arg(ts, args, 1) == "on")
	case "issue-refresh":
		p.SetIssueRefresh(arg(ts, args, 1) == "on")
	case "login":
		p.SetLogin(map[string]testidp.Login{"approve": testidp.LoginApprove, "deny": testidp.LoginDeny, "page": testidp.LoginPage}[arg(ts, args, 1)])
	case "fail", "oautherror", "echoerror", "hang":
		n, err := strconv.Atoi(arg(ts, args, 2))
		ts.Check(err)
		p.FailNext("/"+arg(ts, args, 1), n, fault(ts, args))
	case "outage":
		if arg(ts, args, 1) == "end" {
			p.EndOutage()
			return
		}
		status, err := strconv.Atoi(args[1])
		ts.Check(err)
		p.StartOutage(testidp.Fault{Status: status})
	case "revoke-refresh":
		p.RevokeRefreshTokens()
	case "count":
		fmt.Fprintln(ts.Stdout(), p.Count("/"+arg(ts, args, 1)))
	case "last-token":
		fmt.Fprintln(ts.Stdout(), p.LastAccessToken())
	case "nosecrets":
		checkNoSecrets(ts, p, args[1:])
	case "form":
		fmt.Fprintln(ts.Stdout(), lastForm(p, "/"+arg(ts, args, 1), arg(ts, args, 2)))
	default:
		ts.Fatalf("unknown idp command %q", args[0])
	}
}

// waitIDP waits, up to 30 s, for an event of the provider: idp waitheld or
// idp waitabandoned ENDPOINT N.
func waitIDP(ts *testscript.TestScript, p *testidp.Provider, args []string) {
	n, err := strconv.Atoi(arg(ts, args, 2))
	ts.Check(err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wait := p.WaitHeld
	if args[0] == "waitabandoned" {
		wait = p.WaitAbandoned
	}
	ts.Check(wait(ctx, arg(ts, args, 1), n))
}

func fault(ts *testscript.TestScript, args []string) testidp.Fault {
	switch args[0] {
	case "hang":
		return testidp.Fault{Hang: true}
	case "oautherror":
		return testidp.Fault{OAuthError: arg(ts, args, 3)}
	case "echoerror":
		return testidp.Fault{OAuthError: arg(ts, args, 3), EchoSecrets: true}
	}
	status, err := strconv.Atoi(arg(ts, args, 3))
	ts.Check(err)
	f := testidp.Fault{Status: status}
	if len(args) > 4 {
		f.RetryAfter = args[4]
	}
	return f
}

func lastForm(p *testidp.Provider, endpoint, key string) string {
	value := ""
	for _, r := range p.Requests() {
		if r.Endpoint == endpoint {
			value = r.Form.Get(key)
		}
	}
	return value
}

func arg(ts *testscript.TestScript, args []string, i int) string {
	if i >= len(args) {
		ts.Fatalf("idp %s: missing argument %d", args[0], i)
	}
	return args[i]
}

// urlInMessage finds the authorisation URL in pizauth's message.
var urlInMessage = regexp.MustCompile(`with URL (\S+)`)

// cmdBrowse is a fake browser: it opens the authorisation URL found in
// FILE (default: the last command's stderr), follows the provider's redirect
// to pizauth's listener and prints the final page. The redirect's URL is
// saved in the file last-redirect so that a script can replay it with -direct,
// which opens the URL that FILE holds as it is.
//
//	browse [-direct] [FILE]
func cmdBrowse(ts *testscript.TestScript, neg bool, args []string) {
	direct := len(args) > 0 && args[0] == "-direct"
	if direct {
		args = args[1:]
	}
	file := "stderr"
	if len(args) > 0 {
		file = args[0]
	}
	target := strings.TrimSpace(ts.ReadFile(file))
	if !direct {
		m := urlInMessage.FindStringSubmatch(target)
		if m == nil {
			ts.Fatalf("no authorisation URL in %s", file)
		}
		target = m[1]
	}
	var redirected string
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			// pizauth's HTTPS listener has a fresh self-signed certificate;
			// its public key is saved for the script to check instead.
			TLSClientConfig: &tls.Config{
				InsecureSkipVerify: true,
				VerifyConnection: func(cs tls.ConnectionState) error {
					return savePeerKey(ts, cs)
				},
			},
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			redirected = req.URL.String()
			if len(via) > 5 {
				return fmt.Errorf("too many redirects")
			}
			return nil
		},
	}
	status, body, err := get(client, target)
	if redirected != "" {
		ts.Check(os.WriteFile(ts.MkAbs("last-redirect"), []byte(redirected+"\n"), 0o600))
	}
	if err == nil && status != 200 {
		err = fmt.Errorf("status %d: %s", status, body)
	}
	switch {
	case err != nil && !neg:
		ts.Fatalf("browse: %v", err)
	case err == nil && neg:
		ts.Fatalf("browse succeeded unexpectedly: %s", body)
	case err != nil:
		fmt.Fprintln(ts.Stderr(), err)
	}
	fmt.Fprintln(ts.Stdout(), body)
}

// savePeerKey writes the public key of a TLS peer's certificate to
// last-tls-pubkey the way `pizauth info` shows it and browsers' certificate
// viewers do: the raw key (for ECDSA the uncompressed point) in upper-case
// hex bytes separated by colons.
func savePeerKey(ts *testscript.TestScript, cs tls.ConnectionState) error {
	key, ok := cs.PeerCertificates[0].PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("peer key is %T, not ECDSA", cs.PeerCertificates[0].PublicKey)
	}
	raw, err := key.Bytes()
	if err != nil {
		return err
	}
	hexes := make([]string, len(raw))
	for i, b := range raw {
		hexes[i] = fmt.Sprintf("%02X", b)
	}
	return os.WriteFile(ts.MkAbs("last-tls-pubkey"), []byte(strings.Join(hexes, ":")+"\n"), 0o600)
}

// cmdJSONField prints the string at a dotted path of the JSON object in
// FILE.
//
//	jsonfield FILE KEY[.KEY...]
func cmdJSONField(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: jsonfield FILE KEY[.KEY...]")
	}
	var v any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &v))
	for _, k := range strings.Split(args[1], ".") {
		m, ok := v.(map[string]any)
		if !ok {
			ts.Fatalf("%s: %q is not in an object", args[0], k)
		}
		v = m[k]
	}
	fmt.Fprintln(ts.Stdout(), v)
}

func get(client *http.Client, url string) (int, string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b), err
}

// cmdWaitServer waits for the READY=1 that a server started in the
// foreground (`pizauth server -d &`) sends to NOTIFY_SOCKET, as it would to
// systemd.
func cmdWaitServer(ts *testscript.TestScript, neg bool, args []string) {
	conn := ts.Value("notify").(*net.UnixConn)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			ts.Fatalf("waiting for the server's READY=1: %v", err)
		}
		for _, line := range strings.Split(string(buf[:n]), "\n") {
			if line == "READY=1" {
				return
			}
		}
	}
}

// checkNoSecrets fails if any of files contains a token, refresh token,
// authorisation code, PKCE verifier or client secret that went through p.
func checkNoSecrets(ts *testscript.TestScript, p *testidp.Provider, files []string) {
	secrets := map[string]bool{testClientSecret: true}
	for _, r := range p.Requests() {
		for _, k := range []string{"code", "code_verifier", "refresh_token", "client_secret", "device_code"} {
			if v := r.Form.Get(k); v != "" {
				secrets[v] = true
			}
		}
	}
	for _, t := range p.Tokens() {
		secrets[t.Access], secrets[t.Refresh] = true, true
	}
	delete(secrets, "")
	if len(secrets) < 4 {
		ts.Fatalf("only %d secrets known: the script did not run a flow", len(secrets))
	}
	for _, f := range files {
		content := ts.ReadFile(f)
		for s := range secrets {
			// Also as a provider may have echoed it (idp echoerror).
			for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s), base64.StdEncoding.EncodeToString([]byte(s))} {
				if strings.Contains(content, form) {
					ts.Fatalf("%s contains the secret %.6s...", f, s)
				}
			}
		}
	}
	fmt.Fprintf(ts.Stdout(), "checked %d files for %d secrets\n", len(files), len(secrets))
}

// TestServerDirs: the clean-up after a script finds the servers of runtime
// directories nested in the script's own, not only the server of that one.
func TestServerDirs(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"pizauth", "run/pizauth", "second/pizauth", "empty/pizauth"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"pizauth", "run/pizauth", "second/pizauth"} {
		if err := os.WriteFile(filepath.Join(root, d, paths.LockName), []byte("1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got := serverDirs(root)
	want := []string{filepath.Join(root, "pizauth"), filepath.Join(root, "run/pizauth"), filepath.Join(root, "second/pizauth")}
	if !slices.Equal(got, want) {
		t.Errorf("serverDirs = %q; want %q", got, want)
	}
}
