package server

import (
	"bytes"
	"encoding/binary"
	"runtime"
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

// forgedDump seals a payload that claims count tokens, followed by filler,
// with the public dump key: anyone can make one.
func forgedDump(t testing.TB, count uint64, filler int) []byte {
	t.Helper()
	p := binary.AppendUvarint(nil, count)
	p = append(p, make([]byte, filler)...)
	aead, err := dumpAEAD()
	if err != nil {
		t.Fatal(err)
	}
	header := append([]byte(dumpMagic), dumpVersion)
	nonce := make([]byte, aead.NonceSize())
	return aead.Seal(append(header, nonce...), nonce, p, header)
}

// TestForgedDumpCostsAtMostItsSize decodes dumps whose token count cannot
// fit in them: each is refused, and decoding allocates a few times the
// dump's size at most, not the count times a token.
func TestForgedDumpCostsAtMostItsSize(t *testing.T) {
	const size = 1 << 20
	for _, count := range []uint64{size, size / 2, size / 16, size / 50, 1 << 62} {
		b := forgedDump(t, count, size)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := decodeDump(b)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("count %d: decodeDump succeeded; want an error", count)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 3*size {
			t.Errorf("count %d: decoding a %d-byte dump allocated %d bytes; want at most %d", count, len(b), got, 3*size)
		}
	}

	// The most tokens a dump of that size holds: a few times its size.
	tokens := make([]dumpedToken, size/minDumpedToken)
	b, err := encodeDump(tokens)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err := decodeDump(b)
	runtime.ReadMemStats(&after)
	if err != nil || len(got) != len(tokens) {
		t.Fatalf("decodeDump of %d tokens: got %d, %v", len(tokens), len(got), err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*size {
		t.Errorf("decoding %d tokens (%d bytes) allocated %d bytes; want at most %d", len(tokens), len(b), alloc, 4*size)
	}
}

// TestRestoreRefusesTokensWithControlCharacters: a forged dump (its key is
// public) cannot plant a token that injects a header where it is used
// (issue 13 item 7); the same check guards persist_file.
func TestRestoreRefusesTokensWithControlCharacters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, testConfig(testAccount("work"), testAccount("home")))
		t0 := time.Now()
		b, err := encodeDump([]dumpedToken{
			{name: "work", digest: testAccount("work").SecurityDigest(), access: "tok\r\nX-Injected: 1", obtained: t0, expiry: t0.Add(time.Hour)},
			{name: "home", digest: testAccount("home").SecurityDigest(), access: "good", refresh: "rt\x1b[2J", obtained: t0, expiry: t0.Add(time.Hour)},
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
