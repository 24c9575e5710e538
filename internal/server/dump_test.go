package server

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/dump"
	"github.com/pizauth-go/pizauth/internal/secret"
)

func TestDumpRestoreBetweenServers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		work, other, changed := testAccount("work"), testAccount("other"), testAccount("changed")
		a := start(t, testConfig(work, other, changed))
		a.authorise("work")
		a.authorise("changed")
		token := a.token("work")
		dump := a.do(ctl.Request{Cmd: ctl.CmdDump})
		if dump.Kind != ctl.KindOK {
			t.Fatalf("dump = %+v", dump)
		}

		changedNow := testAccount("changed")
		changedNow.ClientSecret = secret.String("a new secret")
		b := start(t, testConfig(testAccount("work"), testAccount("other"), changedNow))
		r := b.do(ctl.Request{Cmd: ctl.CmdRestore, Data: []byte(dump.Payload)})
		if r.Kind != ctl.KindOK || r.Payload != "1" {
			t.Fatalf("restore = %+v; want ok restoring 1 account", r)
		}
		if got := b.token("work"); got != token {
			t.Errorf("restored token = %q; want %q", got, token)
		}
		if r := b.show("changed"); r.Kind != ctl.KindPending {
			t.Errorf("show of an account whose client_secret changed = %+v; want pending", r)
		}
		// A second restore does not replace an active token.
		b.do(ctl.Request{Cmd: ctl.CmdRevoke, Account: "changed"})
		b.do(ctl.Request{Cmd: ctl.CmdRefresh, Account: "work"})
		synctest.Wait()
		fresh := b.token("work")
		b.do(ctl.Request{Cmd: ctl.CmdRestore, Data: []byte(dump.Payload)})
		if got := b.token("work"); got != fresh {
			t.Errorf("restore replaced an active token")
		}
	})
}

// TestRestoreOfDamagedDumpChangesNothing restores damaged dumps into a
// server with an active token and a pending request: neither changes.
func TestRestoreOfDamagedDumpChangesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work"), testAccount("home")))
		h.authorise("work")
		h.show("home")
		token, before := h.token("work"), h.status()
		good := sampleDump(t)
		flipped := bytes.Clone(good)
		flipped[len(flipped)-1] ^= 1
		for _, data := range [][]byte{nil, []byte("garbage"), good[:20], good[:len(good)-1], flipped} {
			if r := h.do(ctl.Request{Cmd: ctl.CmdRestore, Data: data}); r.Kind != ctl.KindError {
				t.Errorf("restore %q = %+v; want an error", data, r)
			}
		}
		synctest.Wait()
		if after := h.status(); after != before {
			t.Errorf("status changed from %q to %q", before, after)
		}
		if got := h.token("work"); got != token {
			t.Errorf("work's token changed from %q to %q", token, got)
		}
	})
}

// sampleDump is a dump of one token for an account named work.
func sampleDump(t testing.TB) []byte {
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	b, err := dump.Encode([]dump.Token{
		{Name: "work", Digest: [32]byte{1}, Access: "canary-access", Refresh: "canary-refresh", Obtained: t0, Expiry: t0.Add(time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRestoreRefusesTokensWithControlCharacters: a forged dump (its key is
// public) cannot plant a token that injects a header where it is used
// (issue 13 item 7); the same check guards persist_file.
func TestRestoreRefusesTokensWithControlCharacters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work"), testAccount("home")))
		t0 := time.Now()
		b, err := dump.Encode([]dump.Token{
			{Name: "work", Digest: testAccount("work").SecurityDigest(), Access: "tok\r\nX-Injected: 1", Obtained: t0, Expiry: t0.Add(time.Hour)},
			{Name: "home", Digest: testAccount("home").SecurityDigest(), Access: "good", Refresh: "rt\x1b[2J", Obtained: t0, Expiry: t0.Add(time.Hour)},
		})
		if err != nil {
			t.Fatal(err)
		}
		if r := h.do(ctl.Request{Cmd: ctl.CmdRestore, Data: b}); r.Kind != ctl.KindOK || r.Payload != "0" {
			t.Errorf("restore = %+v; want ok restoring nothing", r)
		}
		for _, name := range []string{"work", "home"} {
			if r := h.show(name); r.Kind == ctl.KindToken {
				t.Errorf("show %s = %+v; want no token", name, r)
			}
		}
	})
}

// TestRestoreWaitingItsTurnStopsWithItsClient runs a restore that holds
// its turn (a client_secret_cmd that does not finish) and a second whose
// client hangs up while it waits: the second stops at once.
func TestRestoreWaitingItsTurnStopsWithItsClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ac := testAccount("work")
		ac.ClientSecretCmd = "pass show work"
		release := make(chan struct{})
		h := startWith(t, Options{Config: testConfig(ac), RunOutput: func(ctx context.Context, _ *slog.Logger, _, _ string, _ []string, _ time.Duration) ([]byte, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return []byte("secret"), nil
		}})
		data := sampleDump(t)
		first := make(chan ctl.Response, 1)
		go func() { first <- h.do(ctl.Request{Cmd: ctl.CmdRestore, Data: data}) }()
		synctest.Wait()
		ctx, hangUp := context.WithCancel(t.Context())
		second := make(chan ctl.Response, 1)
		go func() { second <- h.ctl.Handle(ctx, ctl.Request{Cmd: ctl.CmdRestore, Data: data}) }()
		synctest.Wait()
		hangUp()
		synctest.Wait()
		select {
		case r := <-second:
			if r.Kind != ctl.KindError || !strings.Contains(r.Payload, "abandoned") {
				t.Errorf("restore whose client hung up = %+v; want it abandoned", r)
			}
		default:
			t.Errorf("a restore whose client hung up still waits for its turn")
		}
		close(release)
		if r := <-first; r.Kind != ctl.KindOK {
			t.Errorf("first restore = %+v; want ok", r)
		}
	})
}
