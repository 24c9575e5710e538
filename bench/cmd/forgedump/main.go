// Command forgedump writes the hostile inputs that bench/hostiledump feeds
// the server: dumps anyone can make, since the dump key is public.
//
//	forgedump DIR
//
// writes DIR/valid.dump (the most tokens a restore request holds, all for
// an account that is not configured: the costliest dump to decode), and
// DIR/state.age, DIR/key.txt and DIR/recipient (the same as a persist_file
// of the largest size the server reads, the age identity that opens it and
// its recipient). Dumps whose count cannot fit are refused before any cost
// (internal/dump's tests).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"filippo.io/age"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/dump"
	"github.com/pizauth-go/pizauth/internal/persist"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: forgedump DIR")
		os.Exit(2)
	}
	if err := forge(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "forgedump:", err)
		os.Exit(1)
	}
}

func forge(dir string) error {
	const size = ctl.MaxRestore - 1024 // room for "restore:"
	valid, err := dump.Encode(tokens(size))
	if err != nil {
		return err
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return err
	}
	persisted, err := dump.Encode(tokens(persist.MaxFile - 128<<10))
	if err != nil {
		return err
	}
	sealed, err := persist.Seal(persisted, []string{id.Recipient().String()})
	if err != nil {
		return err
	}
	for name, b := range map[string][]byte{
		"valid.dump": valid, "state.age": sealed,
		"key.txt": []byte(id.String() + "\n"), "recipient": []byte(id.Recipient().String()),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// tokens returns as many one-letter-named tokens as a dump of size bytes
// holds (52 bytes each).
func tokens(size int) []dump.Token {
	t := make([]dump.Token, (size-64)/52)
	for i := range t {
		t[i].Name = "x"
	}
	return t
}
