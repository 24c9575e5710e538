package config

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
)

// setPersistFile sets persist_file, expanding a leading ~/ to $HOME. The
// path must be absolute: a detached server does not run where it was
// started.
func (p *parser) setPersistFile(v value) *Error {
	path := v.str
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		home := os.Getenv("HOME")
		if home == "" {
			return p.errorf(v.tok.pos, "persist_file %q starts with ~/ but $HOME is not set", clip(path))
		}
		path = filepath.Join(home, rest)
	}
	switch {
	case !filepath.IsAbs(path):
		return p.errorf(v.tok.pos, "persist_file %q is not an absolute path: start it with / or ~/", clip(v.str))
	case strings.HasSuffix(v.str, "/"):
		return p.errorf(v.tok.pos, "persist_file %q names a directory: give a file name such as \"~/.local/state/pizauth/state.age\"", clip(v.str))
	}
	p.cfg.PersistFile = filepath.Clean(path)
	return nil
}

// setPersistRecipients sets persist_recipients, each of which must be an age
// recipient ("age1..."), and all of which must be usable together.
func (p *parser) setPersistRecipients(v value) *Error {
	if len(v.list) == 0 {
		return p.errorf(v.tok.pos, `persist_recipients is empty: give at least one age recipient such as "age1..."`)
	}
	var recs []age.Recipient
	for i, r := range v.list {
		parsed, err := ParseRecipient(r)
		if err != nil {
			return p.errorf(v.listPos[i], "persist_recipients: %q is not an age recipient (want \"age1...\", as printed by age-keygen -y): %v", clip(r), err)
		}
		recs = append(recs, parsed)
	}
	if _, err := age.Encrypt(io.Discard, recs...); err != nil {
		return p.errorf(v.tok.pos, "persist_recipients cannot be used together: %v", err)
	}
	p.cfg.PersistRecipients = v.list
	return nil
}

// ParseRecipient parses one age recipient, as persist_recipients holds them:
// an X25519 ("age1...") or a post-quantum hybrid ("age1pq1...") recipient.
func ParseRecipient(s string) (age.Recipient, error) {
	switch {
	case strings.HasPrefix(s, "age1pq1"):
		return age.ParseHybridRecipient(s)
	case strings.HasPrefix(s, "age1"):
		return age.ParseX25519Recipient(s)
	}
	return nil, errors.New("unknown recipient type")
}

// checkPersist checks that the persist_* options make sense together.
func (p *parser) checkPersist() *Error {
	file := p.globalSeen[gPersistFile]
	recipients := p.globalSeen[gPersistRecipients]
	identity := p.globalSeen[gPersistIdentityCmd]
	switch {
	case file != 0 && recipients == 0:
		return p.errorf(file-1, "persist_file needs persist_recipients: the age recipients the state is encrypted to")
	case file == 0 && recipients != 0:
		return p.errorf(recipients-1, "persist_recipients is set but persist_file is not: add persist_file or remove persist_recipients")
	case file == 0 && identity != 0:
		return p.errorf(identity-1, "persist_identity_cmd is set but persist_file is not: add persist_file or remove persist_identity_cmd")
	}
	return nil
}
