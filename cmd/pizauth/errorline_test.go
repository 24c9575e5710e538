package main

import (
	"os"
	"testing"
)

// TestErrorLine: errors look as the original's logger (stderrlog) prints
// them, in red on a terminal.
func TestErrorLine(t *testing.T) {
	if got, want := errorLine("No account 'x'", false), "ERROR - No account 'x'\n"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	if got, want := errorLine("No account 'x'", true), "\x1b[0m\x1b[31mERROR - No account 'x'\n\x1b[0m"; got != want {
		t.Errorf("in colour: got %q; want %q", got, want)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if isTerminal(w) || isTerminal(null) {
		t.Errorf("a pipe or /dev/null taken for a terminal")
	}
}
