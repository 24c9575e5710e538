package persist

import (
	"bytes"
	"strings"
	"testing"

	"filippo.io/age"
)

// fuzzIdentity is a fixed identity, so that the corpus can hold files
// sealed to it. It protects nothing.
const fuzzIdentity = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"

func TestSealOpen(t *testing.T) {
	id, err := age.ParseX25519Identity(fuzzIdentity)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := Seal([]byte("state"), []string{id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("state")) {
		t.Errorf("sealed data contains the state in clear")
	}
	got, err := Open(sealed, []byte("# a comment\n"+fuzzIdentity+"\n"))
	if err != nil || string(got) != "state" {
		t.Errorf("Open = %q, %v; want %q", got, err, "state")
	}
	if _, err := Open(sealed, []byte("not an identity")); err == nil || !strings.Contains(err.Error(), "did not print an age identity") {
		t.Errorf("Open with no identity: %v; want it to say so", err)
	}
	if _, err := Seal([]byte("x"), []string{"age1nope"}); err == nil {
		t.Errorf("Seal to a bad recipient succeeded")
	}
}

// FuzzOpen reads persist_file contents as the server does at start: any
// bytes give an error or at most MaxFile bytes, never a panic.
func FuzzOpen(f *testing.F) {
	id, err := age.ParseX25519Identity(fuzzIdentity)
	if err != nil {
		f.Fatal(err)
	}
	sealed, err := Seal([]byte("PIZAUTHGO-DUMP"), []string{id.Recipient().String()})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add(sealed[:len(sealed)/2])
	f.Add([]byte("age-encryption.org/v1\n-> X25519 x\n--- x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		state, err := Open(b, []byte(fuzzIdentity))
		if err == nil && len(state) > MaxFile {
			t.Fatalf("Open returned %d bytes; want at most %d", len(state), MaxFile)
		}
	})
}
