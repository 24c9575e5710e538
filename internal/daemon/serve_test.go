package daemon

import (
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/ctl/endpoint"
	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/testtool"
)

func TestWaitAtMost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		if !waitAtMost(stopLimit, func() { time.Sleep(stopLimit - time.Millisecond) }) {
			t.Errorf("waitAtMost gave up on work that finished within the limit")
		}
		stuck := make(chan struct{})
		start := time.Now()
		if waitAtMost(stopLimit, func() { <-stuck }) {
			t.Errorf("waitAtMost returned true for stuck work")
		}
		if got := time.Since(start); got != stopLimit {
			t.Errorf("waitAtMost gave up after %v; want %v", got, stopLimit)
		}
		close(stuck) // let the abandoned waiter end, as the bubble requires
	})
}

// TestDefaultListenersServeBothLoopbacks: left to their defaults, the
// redirect listeners hold their port on ::1 as well as 127.0.0.1, so that
// no other user can receive the redirect of a browser that resolves
// localhost to ::1 (issue 13, item 9); an address the file gives is used as
// it is, as by the original.
func TestDefaultListenersServeBothLoopbacks(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no ::1 on this machine: %v", err)
	}
	ln.Close()
	const account = `account "a" { auth_uri = "https://idp.example/auth"; token_uri = "https://idp.example/token"; client_id = "c"; }`
	tests := []struct {
		name string
		conf string
		want bool // served on ::1
	}{
		{"defaults", account, true},
		{"explicit", `http_listen = "127.0.0.1:0"; https_listen = "127.0.0.1:0";` + account, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse("pizauth.conf", []byte(tt.conf))
			if err != nil {
				t.Fatal(err)
			}
			ls, ports, err := listenRedirects(cfg)
			if err != nil {
				t.Fatalf("listenRedirects: %v", err)
			}
			defer closeAll(ls)
			for _, port := range []int{ports.HTTPPort, ports.HTTPSPort} {
				c, err := net.Dial("tcp", net.JoinHostPort("::1", strconv.Itoa(port)))
				if err == nil {
					c.Close()
				}
				if got := err == nil; got != tt.want {
					t.Errorf("port %d on ::1: got held %t (%v); want %t", port, got, err, tt.want)
				}
			}
		})
	}
}

// TestClaimRightAfterShutdown: a server started as soon as `pizauth
// shutdown` is answered (`pizauth shutdown; pizauth server`) gets the
// runtime directory once the old server has stopped, instead of failing as
// "already running" while the old one finishes.
func TestClaimRightAfterShutdown(t *testing.T) {
	cfg, err := config.Parse("pizauth.conf", []byte(`account "a" { auth_uri = "https://idp.example/auth"; token_uri = "https://idp.example/token"; client_id = "c"; }`))
	if err != nil {
		t.Fatal(err)
	}
	dir := testtool.ShortDir(t)
	for round := range 3 {
		p, err := Listen(t.Context(), RunOptions{ConfigPath: "pizauth.conf", Config: cfg, RuntimeDir: dir})
		if err != nil {
			t.Fatalf("round %d: Listen: %v", round, err)
		}
		served := make(chan error, 1)
		go func() { served <- p.Serve() }()
		c := &ctl.Client{Socket: filepath.Join(dir, paths.SocketName)}
		if resp, err := c.Do(ctl.Request{Cmd: ctl.CmdShutdown}); err != nil || resp.Kind != ctl.KindOK {
			t.Fatalf("round %d: shutdown: got %+v, %v; want ok", round, resp, err)
		}
		d, err := endpoint.Claim(dir) // what the next server does first
		if err != nil {
			t.Fatalf("round %d: Claim right after shutdown: %v", round, err)
		}
		if err := <-served; err != nil {
			t.Errorf("round %d: Serve: %v", round, err)
		}
		d.Close()
	}
}
