package persist

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/pizauth-go/pizauth/internal/config"
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

// TestCheckRecipients checks that what is not an age recipient, or
// recipients that cannot be used together, are refused where they stand
// in the configuration file.
func TestCheckRecipients(t *testing.T) {
	classic, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	pq, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	r := classic.Recipient().String()
	account := `account "a" { auth_uri = "https://example.com/a"; token_uri = "https://example.com/t"; client_id = "c"; }` + "\n"
	file := `persist_file = "/s.age";` + "\n"
	tests := []struct {
		name      string
		src       string
		line, col int // 0: no error
		msg       string
	}{
		{"classic", file + `persist_recipients = ["` + r + `"];` + "\n", 0, 0, ""},
		{"post-quantum", file + `persist_recipients = ["` + pq.Recipient().String() + `"];` + "\n", 0, 0, ""},
		{"no persist_file", "", 0, 0, ""},
		{"bad second recipient", file + `persist_recipients = ["` + r + `", "age1nope"];` + "\n", 2, 27 + len(r), `"age1nope" is not an age recipient`},
		{"identity as recipient", file + `persist_recipients = ["AGE-SECRET-KEY-1XYZ"];` + "\n", 2, 23, "unknown recipient type"},
		{"recipient with newline", file + "persist_recipients = [\"" + r + "\n\"];\n", 2, 23, "is not an age recipient"},
		{"mixed post-quantum and classic", file + `persist_recipients = ["` + r + `", "` + pq.Recipient().String() + `"];` + "\n", 2, 22, "cannot be used together"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse("p.conf", []byte(tt.src+account))
			if err != nil {
				t.Fatal(err)
			}
			err = CheckRecipients(cfg)
			if tt.line == 0 {
				if err != nil {
					t.Errorf("got %v; want no error", err)
				}
				return
			}
			var e *config.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v; want a *config.Error", err)
			}
			if e.File != "p.conf" || e.Line != tt.line || e.Col != tt.col {
				t.Errorf("got position %s:%d:%d; want p.conf:%d:%d\n%v", e.File, e.Line, e.Col, tt.line, tt.col, err)
			}
			if !strings.Contains(e.Error(), tt.msg) {
				t.Errorf("got %q; want it to contain %q", e.Error(), tt.msg)
			}
		})
	}
}

// TestDocRecipients checks that the age recipients the documents show are
// recipients: package config, which parses their snippets, does not know.
func TestDocRecipients(t *testing.T) {
	n := 0
	for _, doc := range []string{"../../README.md", "../../man/pizauth.1", "../../man/pizauth.conf.5"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range regexp.MustCompile(`age1[a-z0-9]{20,}`).FindAllString(string(b), -1) {
			n++
			if _, err := parseRecipient(r); err != nil {
				t.Errorf("%s: %q: %v", doc, r, err)
			}
		}
	}
	if n == 0 {
		t.Errorf("found no age recipient in the documents")
	}
}
