package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pizauth-go/pizauth/internal/testtool"
)

// notifyConfig is a valid configuration.
const notifyConfig = `https_listen = none;
account "acct" {
    auth_uri = "https://auth.example/authorize";
    token_uri = "https://auth.example/token";
    client_id = "id";
}
`

// TestSdNotify runs the real server in the foreground under a fake service
// manager, a unixgram NOTIFY_SOCKET, and checks the messages systemd's
// Type=notify relies on arrive in order: READY=1 once it answers (without
// waiting for startup_cmd: see startup_background.txtar), RELOADING=1 then READY=1 around a SIGHUP reload, STOPPING=1 on SIGTERM.
func TestSdNotify(t *testing.T) {
	exe, err := exec.LookPath("pizauth") // this test binary, set up by testscript.Main
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "pizauth.conf")
	if err := os.WriteFile(conf, []byte(notifyConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	runtimeDir := testtool.ShortDir(t)
	sock := listenNotify(t, filepath.Join(runtimeDir, "notify"))

	cmd := exec.Command(exe, "server", "-d", "-c", conf)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+runtimeDir, "NOTIFY_SOCKET="+sock.LocalAddr().String(), "SHELL=/bin/sh")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})

	expectNotify(t, sock, "READY=1")
	signalServer(t, cmd, syscall.SIGHUP)
	expectNotify(t, sock, "RELOADING=1")
	expectNotify(t, sock, "READY=1")
	signalServer(t, cmd, syscall.SIGTERM)
	expectNotify(t, sock, "STOPPING=1")
	if err := cmd.Wait(); err != nil {
		t.Errorf("server exited with %v after SIGTERM; want status 0\nstderr:\n%s", err, stderr.String())
	}
}

func listenNotify(t *testing.T, path string) *net.UnixConn {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// expectNotify reads the next notification and fails unless it is want.
// The deadline only bounds a broken server; nothing waits for time to pass.
func expectNotify(t *testing.T, conn *net.UnixConn, want string) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("waiting for %s: %v", want, err)
	}
	if got := strings.TrimSpace(string(buf[:n])); got != want {
		t.Fatalf("got notification %q; want %q", got, want)
	}
}

func signalServer(t *testing.T, cmd *exec.Cmd, sig syscall.Signal) {
	t.Helper()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatalf("sending %v to the server: %v", sig, err)
	}
}
