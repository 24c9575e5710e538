package config

import (
	"bytes"
	"fmt"
)

// parser turns tokens into a Config. It keeps one token of lookahead in tok
// and stops at the first error.
type parser struct {
	file string
	src  []byte
	lex  lexer
	tok  token
	cfg  *Config
	// globalSeen holds 1 + the offset of each global option's name, 0 while
	// the option is unset.
	globalSeen [numGlobal]int
	accounts   []accountMeta
	names      map[string]int // account name → offset of its name
	// uris holds the URIs checkURI accepted, so that accounts of the same
	// provider share the strings and the check.
	uris map[string]string
}

func newParser(file string, src []byte) *parser {
	return &parser{
		file: file,
		src:  src,
		lex:  lexer{src: src},
		cfg: &Config{
			AuthNotifyInterval:  defaultAuthNotifyInterval,
			HTTPListen:          defaultListen,
			HTTPSListen:         defaultListen,
			HTTPListenDefault:   true,
			HTTPSListenDefault:  true,
			RefreshAtLeast:      defaultRefreshAtLeast,
			RefreshBeforeExpiry: defaultRefreshBeforeExpiry,
			RefreshRetry:        defaultRefreshRetry,
			RefreshTokenWarn:    defaultRefreshTokenWarn,
		},
		names: make(map[string]int),
		uris:  make(map[string]string),
	}
}

// errorf returns an Error at byte offset pos.
func (p *parser) errorf(pos int, format string, args ...any) *Error {
	return errorAt(p.file, p.src, pos, fmt.Sprintf(format, args...))
}

// placeAt is the place of byte offset pos, for errors found later.
func (p *parser) placeAt(pos int) Place { return Place{at: *errorAt(p.file, p.src, pos, "")} }

// advance moves to the next token.
func (p *parser) advance() *Error {
	p.tok = p.lex.next()
	if p.tok.kind == tokError {
		return errorAt(p.file, p.src, p.tok.pos, p.tok.val)
	}
	return nil
}

// isPunct reports whether the current token is the punctuation c.
func (p *parser) isPunct(c byte) bool {
	return p.tok.kind == tokPunct && p.src[p.tok.pos] == c
}

// isWord reports whether the current token is the word w.
func (p *parser) isWord(w string) bool {
	return p.tok.kind == tokWord && string(p.src[p.tok.pos:p.tok.end]) == w
}

// describe names a token for "found ..." in messages.
func (p *parser) describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "end of file"
	case tokString:
		return "a string"
	case tokTime:
		return "a time"
	case tokWord:
		return clip(string(p.src[t.pos:t.end]))
	}
	return fmt.Sprintf("%q", p.src[t.pos])
}

// parseFile parses the top level: options and account blocks.
func (p *parser) parseFile() *Error {
	if err := p.advance(); err != nil {
		return err
	}
	for p.tok.kind != tokEOF {
		if p.tok.kind != tokWord {
			return p.errorf(p.tok.pos, "expected an option name or an account block, found %s", p.describe(p.tok))
		}
		var err *Error
		if p.isWord("account") {
			err = p.parseAccount()
		} else {
			err = p.parseGlobal()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// parseGlobal parses one top-level `name = value;`.
func (p *parser) parseGlobal() *Error {
	name := p.tok
	id := lookup(globalOptions[:], p.src[name.pos:name.end])
	if id < 0 {
		return p.errorf(name.pos, "%s", unknownOption(string(p.src[name.pos:name.end]), false))
	}
	if err := p.once(p.globalSeen[:], id, name, globalOptions[id].name); err != nil {
		return err
	}
	v, err := p.statement(globalOptions[id])
	if err != nil {
		return err
	}
	return p.setGlobal(id, v)
}

// once records that option id is set by the statement at name, or fails
// when it already was.
func (p *parser) once(seen []int, id int, name token, optName string) *Error {
	if first := seen[id]; first != 0 {
		return p.errorf(name.pos, "%s is set more than once (first at line %d): keep one", optName, lineOf(p.src, first-1))
	}
	seen[id] = name.pos + 1
	return nil
}

func (p *parser) setGlobal(id int, v value) *Error {
	c := p.cfg
	switch id {
	case gAuthNotifyCmd:
		c.AuthNotifyCmd = v.str
	case gAuthNotifyInterval:
		c.AuthNotifyInterval = v.tok.dur
	case gErrorNotifyCmd:
		c.ErrorNotifyCmd = v.str
	case gHTTPListen, gHTTPSListen:
		return p.setListen(id, v)
	case gPersistFile:
		return p.setPersistFile(v)
	case gPersistIdentityCmd:
		c.PersistIdentityCmd = v.str
	case gPersistRecipients:
		return p.setPersistRecipients(v)
	case gRefreshAtLeast:
		c.RefreshAtLeast = v.tok.dur
	case gRefreshBeforeExpiry:
		c.RefreshBeforeExpiry = v.tok.dur
	case gRefreshRetry:
		c.RefreshRetry = v.tok.dur
	case gRefreshTokenWarn:
		c.RefreshTokenWarn = v.tok.dur
	case gStartupCmd:
		c.StartupCmd = v.str
	case gTokenEventCmd:
		c.TokenEventCmd = v.str
	case gTransientErrorIfCmd:
		c.TransientErrorIfCmd = v.str
	}
	return nil
}

func (p *parser) setListen(id int, v value) *Error {
	addr := ""
	if v.tok.kind == tokString {
		addr = v.str
		if msg := checkListen(globalOptions[id].name, addr); msg != "" {
			return p.errorf(v.tok.pos, "%s", msg)
		}
	}
	if id == gHTTPListen {
		p.cfg.HTTPListen, p.cfg.HTTPListenDefault = addr, false
	} else {
		p.cfg.HTTPSListen, p.cfg.HTTPSListenDefault = addr, false
	}
	return nil
}

// statement parses `= value;` after the option name in the current token.
func (p *parser) statement(opt option) (value, *Error) {
	if err := p.advance(); err != nil {
		return value{}, err
	}
	if !p.isPunct('=') {
		return value{}, p.errorf(p.tok.pos, "expected = after %s, found %s", opt.name, p.describe(p.tok))
	}
	if err := p.advance(); err != nil {
		return value{}, err
	}
	v, err := p.value(opt)
	if err != nil {
		return value{}, err
	}
	if !p.isPunct(';') {
		pos := p.tok.pos
		if bytes.IndexByte(p.src[v.end:pos], '\n') >= 0 {
			pos = v.end // the ; is missing at the end of the line
		}
		return value{}, p.errorf(pos, "expected ; after the value of %s, found %s%s", opt.name, p.describe(p.tok), p.multiLineHint(v.tok))
	}
	return v, p.advance()
}

// multiLineHint explains, when t is a string running over several lines,
// that a closing quote may be missing: strings may span lines, so a missing
// quote shows only later.
func (p *parser) multiLineHint(t token) string {
	if t.kind != tokString || bytes.IndexByte(p.src[t.pos:t.end], '\n') < 0 {
		return ""
	}
	return fmt.Sprintf(`; the string at line %d runs over several lines: is its closing " missing?`, lineOf(p.src, t.pos))
}
