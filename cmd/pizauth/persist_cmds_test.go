package main

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pizauth-go/pizauth/internal/dump"
)

func init() {
	scriptCmds["agekey"] = cmdAgeKey
	scriptCmds["agedecrypt"] = cmdAgeDecrypt
	scriptCmds["filemode"] = cmdFileMode
	scriptCmds["waitsaved"] = cmdWaitSaved
}

// cmdAgeKey writes a new age identity to FILE and sets AGE_RECIPIENT to its
// recipient, for expand.
//
//	agekey FILE
func cmdAgeKey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: agekey FILE")
	}
	id, err := age.GenerateX25519Identity()
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(id.String()+"\n"), 0o600))
	ts.Setenv("AGE_RECIPIENT", id.Recipient().String())
}

// cmdAgeDecrypt decrypts FILE with the identities in KEYFILE, as `age -d
// -i KEYFILE` does, and writes the plaintext to OUT.
//
//	agedecrypt KEYFILE FILE OUT
func cmdAgeDecrypt(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: agedecrypt KEYFILE FILE OUT")
	}
	ids, err := age.ParseIdentities(strings.NewReader(ts.ReadFile(args[0])))
	ts.Check(err)
	r, err := age.Decrypt(strings.NewReader(ts.ReadFile(args[1])), ids...)
	var plain []byte
	if err == nil {
		plain, err = io.ReadAll(r)
	}
	switch {
	case neg && err == nil:
		ts.Fatalf("%s decrypts; want it not to", args[1])
	case neg:
		return
	}
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), plain, 0o600))
}

// cmdFileMode checks the permission bits of FILE.
//
//	filemode FILE MODE      (MODE in octal, e.g. 0600)
func cmdFileMode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: filemode FILE MODE")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	if got := fi.Mode().Perm(); got != os.FileMode(want) {
		ts.Fatalf("%s has mode %#o; want %#o", args[0], got, want)
	}
}

// cmdWaitSaved waits until FILE, decrypted with the identities in KEYFILE,
// holds a token of ACCOUNT. The server writes persist_file at start, before
// any token, and again after each change: that the file exists says
// nothing of the token.
//
//	waitsaved KEYFILE FILE ACCOUNT
func cmdWaitSaved(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: waitsaved KEYFILE FILE ACCOUNT")
	}
	ids, err := age.ParseIdentities(strings.NewReader(ts.ReadFile(args[0])))
	ts.Check(err)
	path := ts.MkAbs(args[1])
	saved := func() bool {
		sealed, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		r, err := age.Decrypt(bytes.NewReader(sealed), ids...)
		if err != nil {
			return false
		}
		plain, err := io.ReadAll(r)
		if err != nil {
			return false
		}
		tokens, err := dump.DecodeNamed(plain, []string{args[2]})
		return err == nil && len(tokens) > 0
	}
	if err := waitUntil(path, saved, 30*time.Second); err != nil {
		ts.Fatalf("waitsaved %s: %v", strings.Join(args, " "), err)
	}
}
