package server

import (
	"bytes"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/secret"
)

func sampleDump(t testing.TB) []byte {
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	b, err := encodeDump([]dumpedToken{
		{name: "work", digest: [32]byte{1}, access: "canary-access", refresh: "canary-refresh", obtained: t0, expiry: t0.Add(time.Hour)},
		{name: "home", digest: [32]byte{2}, access: "a2", obtained: t0, expiry: t0.Add(time.Minute)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDumpRoundTrip(t *testing.T) {
	b := sampleDump(t)
	for _, s := range []string{"canary-access", "canary-refresh", "work"} {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("dump contains %q in clear", s)
		}
	}
	got, err := decodeDump(b)
	if err != nil {
		t.Fatalf("decodeDump: %v", err)
	}
	if len(got) != 2 || got[0].name != "work" || got[0].access.Reveal() != "canary-access" ||
		got[0].refresh.Reveal() != "canary-refresh" || got[1].refresh.Reveal() != "" ||
		!got[0].expiry.Equal(time.Date(2026, 3, 4, 6, 6, 7, 0, time.UTC)) || got[1].digest != [32]byte{2} {
		t.Errorf("decodeDump = %+v; want what was encoded", got)
	}
}

func TestDamagedDumpsAreRefused(t *testing.T) {
	good := sampleDump(t)
	variants := map[string][]byte{
		"empty":          nil,
		"random":         bytes.Repeat([]byte{0x5a}, 200),
		"truncated":      good[:len(good)-1],
		"magic only":     []byte(dumpMagic),
		"header only":    good[:len(dumpMagic)+1],
		"trailing bytes": append(append([]byte{}, good...), 0),
	}
	future := append([]byte{}, good...)
	future[len(dumpMagic)] = dumpVersion + 1
	variants["foreign version"] = future
	for i := range good {
		flipped := append([]byte{}, good...)
		flipped[i] ^= 0x01
		variants["bit flip at "+string(rune('0'+i%10))+"/"+strings.Repeat("x", i/10)] = flipped
	}
	for name, b := range variants {
		if _, err := decodeDump(b); err == nil {
			t.Errorf("%s: decodeDump succeeded; want an error", name)
		}
	}
	if _, err := decodeDump(future); err == nil || !strings.Contains(err.Error(), "version") {
		t.Errorf("foreign version error = %v; want it to name the version", err)
	}
}

func FuzzDecodeDump(f *testing.F) {
	f.Add(sampleDump(f))
	f.Add([]byte(dumpMagic + "\x01"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		tokens, err := decodeDump(b)
		if err != nil {
			return
		}
		again, err := encodeDump(tokens)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := decodeDump(again); err != nil || len(back) != len(tokens) {
			t.Fatalf("re-encoded dump does not decode: %v", err)
		}
	})
}

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

func TestRestoreOfDamagedDumpChangesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work")))
		h.show("work")
		before := h.s.status()
		for _, data := range [][]byte{nil, []byte("garbage"), sampleDump(t)[:20]} {
			if r := h.do(ctl.Request{Cmd: ctl.CmdRestore, Data: data}); r.Kind != ctl.KindError {
				t.Errorf("restore %q = %+v; want an error", data, r)
			}
		}
		if after := h.s.status(); after != before {
			t.Errorf("status changed from %q to %q", before, after)
		}
	})
}
