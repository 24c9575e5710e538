package config

import (
	"bytes"
	"fmt"

	"github.com/pizauth-go/pizauth/internal/secret"
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
	listenPos  [2]int // offsets of the http_listen and https_listen values
	accounts   []accountMeta
	names      map[string]int // account name → offset of its name
	// uris holds the URIs checkURI accepted, so that accounts of the same
	// provider share the strings and the check.
	uris map[string]string
}

// accountMeta is what validation after the whole file needs of an account.
type accountMeta struct {
	acc         *Account
	namePos     int
	redirectPos int     // offset of the redirect_uri value; -1 when defaulted
	own         [3]bool // refresh_at_least, refresh_before_expiry, refresh_retry set
}

// accountState is an account block being parsed.
type accountState struct {
	accountMeta
	seen         [numAccount]int // as parser.globalSeen
	loginHint    string
	hintKeyPos   int // offset of the first "login_hint" auth_uri_fields key; -1 if none
	braceOpenPos int
}

// value is an option's value. Times and none are in tok.
type value struct {
	tok        token  // the value's first token
	str        string // the value of a string
	end        int   // offset just past the value
	list       []string
	fields     []Field
	hintKeyPos int // as accountState.hintKeyPos
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
			RefreshAtLeast:      defaultRefreshAtLeast,
			RefreshBeforeExpiry: defaultRefreshBeforeExpiry,
			RefreshRetry:        defaultRefreshRetry,
		},
		names: make(map[string]int),
		uris:  make(map[string]string),
	}
}

// errorf returns an Error at byte offset pos.
func (p *parser) errorf(pos int, format string, args ...any) *Error {
	return errorAt(p.file, p.src, pos, p.lex.secrets, fmt.Sprintf(format, args...))
}

// advance moves to the next token.
func (p *parser) advance() *Error {
	p.tok = p.lex.next()
	if p.tok.kind == tokError {
		return errorAt(p.file, p.src, p.tok.pos, p.lex.secrets, p.tok.val)
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

// text returns the value of a string token as a new string: the Config
// does not retain the source.
func (p *parser) text(t token) string {
	if t.escaped {
		return t.val
	}
	return string(p.contents(t))
}

// knownURI returns the URI in string token t if it was checked before.
func (p *parser) knownURI(t token) (string, bool) {
	if t.escaped {
		s, ok := p.uris[t.val]
		return s, ok
	}
	s, ok := p.uris[string(p.contents(t))]
	return s, ok
}

// contents returns the bytes between the quotes of an unescaped string.
func (p *parser) contents(t token) []byte {
	return p.src[t.pos+1 : t.end-1]
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
		return string(p.src[t.pos:t.end])
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
	v, err := p.statement(globalOptions[id], false)
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
	case gRefreshAtLeast:
		c.RefreshAtLeast = v.tok.dur
	case gRefreshBeforeExpiry:
		c.RefreshBeforeExpiry = v.tok.dur
	case gRefreshRetry:
		c.RefreshRetry = v.tok.dur
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
		p.cfg.HTTPListen, p.listenPos[0] = addr, v.tok.pos
	} else {
		p.cfg.HTTPSListen, p.listenPos[1] = addr, v.tok.pos
	}
	return nil
}

// parseAccount parses `account "name" { ... }` and an optional `;`.
func (p *parser) parseAccount() *Error {
	if err := p.advance(); err != nil {
		return err
	}
	st := &accountState{accountMeta: accountMeta{acc: &Account{}, namePos: p.tok.pos, redirectPos: -1}, hintKeyPos: -1}
	if err := p.accountName(st); err != nil {
		return err
	}
	if !p.isPunct('{') {
		return p.errorf(p.tok.pos, "expected { after the account name, found %s", p.describe(p.tok))
	}
	st.braceOpenPos = p.tok.pos
	if err := p.advance(); err != nil {
		return err
	}
	for !p.isPunct('}') {
		if err := p.accountStatement(st); err != nil {
			return err
		}
	}
	if err := p.advance(); err != nil {
		return err
	}
	if p.isPunct(';') {
		if err := p.advance(); err != nil {
			return err
		}
	}
	return p.finishAccount(st)
}

// accountName checks and records the name of the account block.
func (p *parser) accountName(st *accountState) *Error {
	if p.tok.kind != tokString {
		return p.errorf(p.tok.pos, `expected the account name in double quotes after account, found %s`, p.describe(p.tok))
	}
	name := p.text(p.tok)
	if msg := checkName(name); msg != "" {
		return p.errorf(p.tok.pos, "%s", msg)
	}
	if first, dup := p.names[name]; dup {
		return p.errorf(p.tok.pos, "account %q is defined more than once (first at line %d)", name, lineOf(p.src, first))
	}
	p.names[name] = p.tok.pos
	st.acc.Name = name
	return p.advance()
}

// accountStatement parses one `name = value;` inside an account block.
func (p *parser) accountStatement(st *accountState) *Error {
	switch {
	case p.tok.kind == tokEOF:
		return p.errorf(st.braceOpenPos, "missing } to close account %q", st.acc.Name)
	case p.tok.kind != tokWord:
		return p.errorf(p.tok.pos, "expected an option name or } in account %q, found %s", st.acc.Name, p.describe(p.tok))
	case p.isWord("account"):
		return p.errorf(p.tok.pos, "account blocks cannot be nested: close account %q with } first", st.acc.Name)
	}
	name := p.tok
	id := lookup(accountOptions[:], p.src[name.pos:name.end])
	if id < 0 {
		return p.errorf(name.pos, "%s", unknownOption(string(p.src[name.pos:name.end]), true))
	}
	if err := p.once(st.seen[:], id, name, accountOptions[id].name); err != nil {
		return err
	}
	v, err := p.statement(accountOptions[id], id == aClientSecret)
	if err != nil {
		return err
	}
	return p.setAccount(st, id, v)
}

func (p *parser) setAccount(st *accountState, id int, v value) *Error {
	a := st.acc
	switch id {
	case aAuthURI, aTokenURI, aRedirectURI:
		return p.setURI(st, id, v)
	case aAuthURIFields:
		a.AuthURIFields, st.hintKeyPos = v.fields, v.hintKeyPos
	case aClientID:
		if v.str == "" {
			return p.errorf(v.tok.pos, "client_id must not be empty")
		}
		a.ClientID = v.str
	case aClientSecret:
		a.ClientSecret = secret.String(v.str)
	case aLoginHint:
		st.loginHint = v.str
	case aRefreshAtLeast:
		a.RefreshAtLeast, st.own[0] = v.tok.dur, true
	case aRefreshBeforeExpiry:
		a.RefreshBeforeExpiry, st.own[1] = v.tok.dur, true
	case aRefreshRetry:
		a.RefreshRetry, st.own[2] = v.tok.dur, true
	case aScopes:
		a.Scopes = v.list
	}
	return nil
}

func (p *parser) setURI(st *accountState, id int, v value) *Error {
	uri, known := p.knownURI(v.tok)
	if !known {
		uri = p.text(v.tok)
		if msg, at := checkURI(accountOptions[id].name, uri); msg != "" {
			pos := v.tok.pos
			if at >= 0 && !v.tok.escaped {
				pos += 1 + at
			}
			return p.errorf(pos, "%s", msg)
		}
		p.uris[uri] = uri
	}
	switch id {
	case aAuthURI:
		st.acc.AuthURI = uri
	case aTokenURI:
		st.acc.TokenURI = uri
	default:
		st.acc.RedirectURI, st.redirectPos = uri, v.tok.pos
	}
	return nil
}

// statement parses `= value;` after the option name in the current token.
func (p *parser) statement(opt option, isSecret bool) (value, *Error) {
	if err := p.advance(); err != nil {
		return value{}, err
	}
	if !p.isPunct('=') {
		return value{}, p.errorf(p.tok.pos, "expected = after %s, found %s", opt.name, p.describe(p.tok))
	}
	p.lex.secretNext = isSecret
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

// value parses the value of opt, starting at the current token.
func (p *parser) value(opt option) (value, *Error) {
	v := value{tok: p.tok, end: p.tok.end, hintKeyPos: -1}
	var ok bool
	switch opt.kind {
	case kString, kURI:
		ok = p.tok.kind == tokString
	case kTime:
		ok = p.tok.kind == tokTime
	case kListen:
		ok = p.tok.kind == tokString || p.isWord("none")
	case kList:
		if p.isPunct('[') {
			return p.list(opt, v)
		}
	case kFields:
		if p.isPunct('{') {
			return p.fields(opt, v)
		}
	}
	if !ok {
		return v, p.wrongType(opt, p.tok)
	}
	if p.tok.kind == tokString && opt.kind != kURI { // URIs: see setURI
		v.str = p.text(p.tok)
	}
	return v, p.advance()
}

func (p *parser) wrongType(opt option, t token) *Error {
	if opt.kind == kTime && t.kind == tokString && !t.escaped {
		s := p.src[t.pos+1 : t.end-1]
		if unit := bytes.TrimLeft(s, "0123456789"); len(unit) < len(s) && unitOf(unit) != 0 {
			return p.errorf(t.pos, "%s needs %s without quotes, found a string", opt.name, opt.kind.need())
		}
	}
	return p.errorf(t.pos, "%s needs %s, found %s", opt.name, opt.kind.need(), p.describe(t))
}
