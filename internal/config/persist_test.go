package config

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
)

func testRecipient(t *testing.T) string {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id.Recipient().String()
}

func TestPersistOptions(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	r1, r2 := testRecipient(t), testRecipient(t)
	src := `persist_file = "~/.local/state/pizauth/state.age";
persist_recipients = ["` + r1 + `", "` + r2 + `"];
persist_identity_cmd = "pass show age";
` + minimal
	c := mustParse(t, src)
	if got, want := c.PersistFile, "/home/u/.local/state/pizauth/state.age"; got != want {
		t.Errorf("got PersistFile %q; want %q", got, want)
	}
	if got, want := c.PersistRecipients, []string{r1, r2}; !slices.Equal(got, want) {
		t.Errorf("got PersistRecipients %q; want %q", got, want)
	}
	if got, want := c.PersistIdentityCmd, "pass show age"; got != want {
		t.Errorf("got PersistIdentityCmd %q; want %q", got, want)
	}
	if c := mustParse(t, minimal); c.PersistFile != "" || c.PersistRecipients != nil || c.PersistIdentityCmd != "" {
		t.Errorf("got %q %q %q by default; want all unset", c.PersistFile, c.PersistRecipients, c.PersistIdentityCmd)
	}
	abs := mustParse(t, `persist_file = "/var/s/../x.age"; persist_recipients = ["`+r1+`"];`+minimal)
	if got, want := abs.PersistFile, "/var/x.age"; got != want {
		t.Errorf("got PersistFile %q; want %q", got, want)
	}
}

func TestPersistErrors(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	r := testRecipient(t)
	pq, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	file := `persist_file = "/s.age";` + "\n"
	recs := `persist_recipients = ["` + r + `"];` + "\n"
	tests := []struct {
		name      string
		src       string
		line, col int
		msg       string
	}{
		{"relative file", `persist_file = "state.age";` + "\n" + recs, 1, 16, "is not an absolute path"},
		{"directory", `persist_file = "~/state/";` + "\n" + recs, 1, 16, "names a directory"},
		{"file without recipients", file, 1, 1, "persist_file needs persist_recipients"},
		{"recipients without file", recs, 1, 1, "persist_recipients is set but persist_file is not"},
		{"identity without file", `persist_identity_cmd = "x";` + "\n", 1, 1, "persist_identity_cmd is set but persist_file is not"},
		{"empty recipients", file + "persist_recipients = [];\n", 2, 22, "persist_recipients is empty"},
		{"bad second recipient", file + `persist_recipients = ["` + r + `", "age1nope"];` + "\n", 2, 27 + len(r), `"age1nope" is not an age recipient`},
		{"identity as recipient", file + `persist_recipients = ["AGE-SECRET-KEY-1XYZ"];` + "\n", 2, 23, "unknown recipient type"},
		{"recipient with newline", file + "persist_recipients = [\"" + r + "\n\"];\n", 2, 23, "is not an age recipient"},
		{"mixed post-quantum and classic", file + `persist_recipients = ["` + r + `", "` + pq.Recipient().String() + `"];` + "\n", 2, 22, "cannot be used together"},
		{"twice", file + recs + recs, 3, 1, "persist_recipients is set more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("p.conf", []byte(tt.src+minimal))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v; want an *Error", err)
			}
			if e.Line != tt.line || e.Col != tt.col {
				t.Errorf("got position %d:%d; want %d:%d\n%v", e.Line, e.Col, tt.line, tt.col, err)
			}
			if !strings.Contains(e.Error(), tt.msg) {
				t.Errorf("got %q; want it to contain %q", e.Error(), tt.msg)
			}
		})
	}
}
