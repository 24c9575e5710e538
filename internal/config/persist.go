package config

import (
	"os"
	"path/filepath"
	"strings"
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

// setPersistRecipients sets persist_recipients and records where it and
// each entry stand: package persist, which knows what an age recipient is,
// checks them and reports its errors there.
func (p *parser) setPersistRecipients(v value) *Error {
	if len(v.list) == 0 {
		return p.errorf(v.tok.pos, `persist_recipients is empty: give at least one age recipient such as "age1..."`)
	}
	p.cfg.PersistRecipients = v.list
	p.cfg.PersistRecipientsPlace = p.placeAt(v.tok.pos)
	p.cfg.PersistRecipientPlaces = make([]Place, len(v.listPos))
	for i, pos := range v.listPos {
		p.cfg.PersistRecipientPlaces[i] = p.placeAt(pos)
	}
	return nil
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
