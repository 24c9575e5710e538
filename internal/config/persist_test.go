package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// Recipients for the tests: config does not check what they are (package
// persist does), only where they stand.
const (
	recipient1 = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
	recipient2 = "age1lggyhqrw2nlhcxprm67z43rta597azn8gknawjehu9d9dl0jq3yqqvfafg"
)

func TestPersistOptions(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	r1, r2 := recipient1, recipient2
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
	r := recipient1
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

// TestPersistRecipientPlaces checks that persist_recipients and each entry
// keep their place, where package persist reports what is wrong with them.
func TestPersistRecipientPlaces(t *testing.T) {
	src := "persist_file = \"/s.age\";\n  persist_recipients = [\"" + recipient1 + "\", \"nope\"];\n" + minimal
	c := mustParse(t, src)
	for _, tt := range []struct {
		place     Place
		line, col int
	}{
		{c.PersistRecipientsPlace, 2, 24},
		{c.PersistRecipientPlaces[0], 2, 25},
		{c.PersistRecipientPlaces[1], 2, 29 + len(recipient1)},
	} {
		e := tt.place.Errorf("%q is wrong", "nope")
		if e.Line != tt.line || e.Col != tt.col || e.Msg != `"nope" is wrong` || e.Source != strings.SplitN(src, "\n", 3)[1] {
			t.Errorf("got %d:%d %q (line %q); want %d:%d", e.Line, e.Col, e.Msg, e.Source, tt.line, tt.col)
		}
	}
}
