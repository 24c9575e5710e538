package dump

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"strings"
	"testing"
	"time"
)

func sampleDump(t testing.TB) []byte {
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	b, err := Encode([]Token{
		{Name: "work", Digest: [32]byte{1}, Access: "canary-access", Refresh: "canary-refresh", Obtained: t0, Expiry: t0.Add(time.Hour)},
		{Name: "home", Digest: [32]byte{2}, Access: "a2", Obtained: t0, Expiry: t0.Add(time.Minute)},
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
	got, err := Decode(b)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if len(got) != 2 || got[0].Name != "work" || got[0].Access.Reveal() != "canary-access" ||
		got[0].Refresh.Reveal() != "canary-refresh" || got[1].Refresh.Reveal() != "" ||
		!got[0].Expiry.Equal(time.Date(2026, 3, 4, 6, 6, 7, 0, time.UTC)) || got[1].Digest != [32]byte{2} {
		t.Errorf("Decode = %+v; want what was encoded", got)
	}
}

func TestDamagedDumpsAreRefused(t *testing.T) {
	good := sampleDump(t)
	variants := map[string][]byte{
		"empty":          nil,
		"random":         bytes.Repeat([]byte{0x5a}, 200),
		"truncated":      good[:len(good)-1],
		"magic only":     []byte(magic),
		"header only":    good[:len(magic)+1],
		"trailing bytes": append(append([]byte{}, good...), 0),
	}
	future := append([]byte{}, good...)
	future[len(magic)] = version + 1
	variants["foreign version"] = future
	for i := range good {
		flipped := append([]byte{}, good...)
		flipped[i] ^= 0x01
		variants["bit flip at "+string(rune('0'+i%10))+"/"+strings.Repeat("x", i/10)] = flipped
	}
	for name, b := range variants {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: Decode succeeded; want an error", name)
		}
	}
	if _, err := Decode(future); err == nil || !strings.Contains(err.Error(), "version") {
		t.Errorf("foreign version error = %v; want it to name the version", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(sampleDump(f))
	f.Add([]byte(magic + "\x01"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		tokens, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Encode(tokens)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := Decode(again); err != nil || len(back) != len(tokens) {
			t.Fatalf("re-encoded dump does not decode: %v", err)
		}
	})
}

// FuzzDecodePayload fuzzes what the seal protects, which FuzzDecode's
// inputs almost never reach: anyone can seal a payload with the public
// key. Read as either version, a payload that decodes holds no more tokens
// than can fit in it, decodes the same once encoded again, and decoded for
// some accounts only gives the first token of each of them.
func FuzzDecodePayload(f *testing.F) {
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	f.Add(encodePayload([]Token{{Name: "work", Access: "a", Refresh: "r", Obtained: t0, Expiry: t0.Add(time.Hour)}}))
	two := []Token{{Name: "work", Access: "a", RefreshExpiry: t0, RefreshWarned: true}, {Name: "work", Access: "b"}}
	f.Add(appendExtras(encodePayload(two), two))
	f.Add(encodePayload(make([]Token, 3)))
	f.Add(binary.AppendUvarint(nil, 1<<40))
	f.Add([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})
	f.Fuzz(func(t *testing.T, p []byte) {
		for _, v := range []byte{version1, version} {
			checkPayload(t, p, v)
		}
	})
}

func checkPayload(t *testing.T, p []byte, v byte) {
	tokens, err := decodeVersion(p, v, nil)
	wanted := func(name string) bool { return strings.HasPrefix(name, "w") }
	some, someErr := decodeVersion(p, v, wanted)
	if (err == nil) != (someErr == nil) {
		t.Fatalf("version %d: decoding all gives %v, decoding some %v", v, err, someErr)
	}
	if err != nil {
		return
	}
	if len(tokens) > len(p)/minToken {
		t.Fatalf("version %d: %d tokens from %d bytes", v, len(tokens), len(p))
	}
	again := encodePayload(tokens)
	if v == version {
		again = appendExtras(again, tokens)
	}
	back, err := decodeVersion(again, v, nil)
	if err != nil || len(back) != len(tokens) {
		t.Fatalf("version %d: re-encoded payload: %d tokens, %v; want %d", v, len(back), err, len(tokens))
	}
	for i := range back {
		if !sameToken(back[i], tokens[i]) {
			t.Fatalf("version %d: token %d: %+v after a round trip; want %+v", v, i, back[i], tokens[i])
		}
	}
	var firsts []Token
	seen := make(map[string]bool)
	for _, tok := range tokens {
		if wanted(tok.Name) && !seen[tok.Name] {
			seen[tok.Name] = true
			firsts = append(firsts, tok)
		}
	}
	if len(some) != len(firsts) {
		t.Fatalf("version %d: %d tokens wanted; want %d", v, len(some), len(firsts))
	}
	for i := range some {
		if !sameToken(some[i], firsts[i]) {
			t.Fatalf("version %d: wanted token %d: %+v; want %+v", v, i, some[i], firsts[i])
		}
	}
}

func sameToken(a, b Token) bool {
	return a.Name == b.Name && a.Digest == b.Digest && a.Access == b.Access && a.Refresh == b.Refresh &&
		a.Obtained.Equal(b.Obtained) && a.Expiry.Equal(b.Expiry) &&
		a.RefreshExpiry.Equal(b.RefreshExpiry) && a.RefreshWarned == b.RefreshWarned
}

// forgedDump seals a payload that claims count tokens, followed by filler,
// with the public dump key: anyone can make one.
func forgedDump(t testing.TB, count uint64, filler int) []byte {
	t.Helper()
	p := binary.AppendUvarint(nil, count)
	p = append(p, make([]byte, filler)...)
	aead, err := newAEAD()
	if err != nil {
		t.Fatal(err)
	}
	header := append([]byte(magic), version)
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
		_, err := Decode(b)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("count %d: Decode succeeded; want an error", count)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 3*size {
			t.Errorf("count %d: decoding a %d-byte dump allocated %d bytes; want at most %d", count, len(b), got, 3*size)
		}
	}

	// The most tokens a dump of that size holds: a few times its size.
	tokens := make([]Token, size/minToken)
	b, err := Encode(tokens)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err := Decode(b)
	runtime.ReadMemStats(&after)
	if err != nil || len(got) != len(tokens) {
		t.Fatalf("Decode of %d tokens: got %d, %v", len(tokens), len(got), err)
	}
	// A Token takes about three times the 51 bytes of the smallest
	// encoded one, plus the opened payload: 5 times the size at most.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 5*size {
		t.Errorf("decoding %d tokens (%d bytes) allocated %d bytes; want at most %d", len(tokens), len(b), alloc, 5*size)
	}
}

// TestVersion2: the refresh token's expiry and warning survive a dump; a
// dump without them stays version 1, which older pizauths read, and
// version 1 dumps still decode.
func TestVersion2(t *testing.T) {
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	plain := Token{Name: "work", Access: "a", Refresh: "r", Obtained: t0, Expiry: t0.Add(time.Hour)}
	b, err := Encode([]Token{plain})
	if err != nil || b[len(magic)] != version1 {
		t.Fatalf("Encode without refresh expiries: version %d, %v; want %d", b[len(magic)], err, version1)
	}
	if got, err := Decode(b); err != nil || len(got) != 1 || !got[0].RefreshExpiry.IsZero() || got[0].RefreshWarned {
		t.Fatalf("Decode of version 1 = %+v, %v", got, err)
	}
	withExpiry := plain
	withExpiry.RefreshExpiry, withExpiry.RefreshWarned = t0.Add(7*24*time.Hour), true
	b, err = Encode([]Token{plain, withExpiry})
	if err != nil || b[len(magic)] != version {
		t.Fatalf("Encode with a refresh expiry: version %d, %v; want %d", b[len(magic)], err, version)
	}
	got, err := Decode(b)
	if err != nil || len(got) != 2 || !got[0].RefreshExpiry.IsZero() || got[0].RefreshWarned ||
		!got[1].RefreshExpiry.Equal(withExpiry.RefreshExpiry) || !got[1].RefreshWarned {
		t.Errorf("Decode of version 2 = %+v, %v; want the expiries and warnings encoded", got, err)
	}
}

// TestDecodeForKeepsOnlyWhatIsWanted decodes the largest dump of a given
// size, every token for an account that is not wanted but one: it costs
// about the payload, not a token struct for each, and the first token of a
// wanted account is the one kept.
func TestDecodeForKeepsOnlyWhatIsWanted(t *testing.T) {
	const size = 1 << 20
	tokens := make([]Token, size/(minToken+1))
	for i := range tokens {
		tokens[i].Name = "x"
	}
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	tokens[7] = Token{Name: "work", Access: "first", RefreshExpiry: t0, RefreshWarned: true}
	tokens[9] = Token{Name: "work", Access: "second", RefreshExpiry: t0.Add(time.Hour)}
	b, err := Encode(tokens)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err := DecodeFor(b, func(name string) bool { return name == "work" })
	runtime.ReadMemStats(&after)
	if err != nil || len(got) != 1 || got[0].Access != "first" || !got[0].RefreshExpiry.Equal(t0) || !got[0].RefreshWarned {
		t.Fatalf("DecodeFor = %+v (%v); want work's first token, with its refresh expiry", got, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2*size {
		t.Errorf("decoding %d unwanted tokens (%d bytes) allocated %d bytes; want at most %d", len(tokens), len(b), alloc, 2*size)
	}
}

// TestDecodeNamed keeps the first token of each account named, in the
// dump's order.
func TestDecodeNamed(t *testing.T) {
	b, err := Encode([]Token{{Name: "gone", Access: "a"}, {Name: "work", Access: "b"}, {Name: "home", Access: "c"}, {Name: "work", Access: "d"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeNamed(b, []string{"home", "work", "other"})
	if err != nil || len(got) != 2 || got[0].Name != "work" || got[0].Access != "b" || got[1].Name != "home" {
		t.Errorf("DecodeNamed = %+v (%v); want work's first token, then home's", got, err)
	}
}
