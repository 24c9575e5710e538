package config

import (
	"bytes"
	"slices"
)

// value is an option's value. Times and none are in tok.
type value struct {
	tok        token  // the value's first token
	str        string // the value of a string
	end        int    // offset just past the value
	list       []string
	listPos    []int // offset of each item of list
	fields     []Field
	hintKeyPos int // as accountState.hintKeyPos
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
		s := p.contents(t)
		if unit := bytes.TrimLeft(s, "0123456789"); len(unit) < len(s) && unitOf(unit) != 0 {
			return p.errorf(t.pos, "%s needs %s without quotes, found a string", opt.name, opt.kind.need())
		}
	}
	return p.errorf(t.pos, "%s needs %s, found %s", opt.name, opt.kind.need(), p.describe(t))
}

// text returns the value of a string token as a new string: the Config
// does not retain the source.
func (p *parser) text(t token) string {
	if t.escaped {
		return t.val
	}
	return string(p.contents(t))
}

// contents returns the bytes between the quotes of an unescaped string.
func (p *parser) contents(t token) []byte {
	return p.src[t.pos+1 : t.end-1]
}

// list parses `["a", "b"]` (a trailing comma is allowed), starting at '['.
func (p *parser) list(opt option, v value) (value, *Error) {
	if err := p.advance(); err != nil {
		return v, err
	}
	for !p.isPunct(']') {
		if p.tok.kind != tokString {
			return v, p.errorf(p.tok.pos, "expected a string or ] in %s, found %s", opt.name, p.describe(p.tok))
		}
		v.list = append(v.list, p.text(p.tok))
		v.listPos = append(v.listPos, p.tok.pos)
		if err := p.separator(opt, ']'); err != nil {
			return v, err
		}
	}
	v.end = p.tok.end
	return v, p.advance()
}

// fields parses `{ "k": "v", "k2": "v2" }` (a trailing comma is allowed),
// starting at '{'.
func (p *parser) fields(opt option, v value) (value, *Error) {
	if err := p.advance(); err != nil {
		return v, err
	}
	for !p.isPunct('}') {
		key := p.tok
		if key.kind != tokString {
			return v, p.errorf(key.pos, "expected a key in double quotes or } in %s, found %s", opt.name, p.describe(key))
		}
		k := p.text(key)
		if slices.Contains(reservedFields, k) {
			return v, p.errorf(key.pos, "%s key %q is reserved: pizauth sets it itself", opt.name, clip(k))
		}
		if k == "login_hint" && v.hintKeyPos < 0 {
			v.hintKeyPos = key.pos
		}
		if err := p.advance(); err != nil {
			return v, err
		}
		if !p.isPunct(':') {
			return v, p.errorf(p.tok.pos, "expected : after the key %q in %s, found %s", clip(k), opt.name, p.describe(p.tok))
		}
		if err := p.advance(); err != nil {
			return v, err
		}
		if p.tok.kind != tokString {
			return v, p.errorf(p.tok.pos, "expected a value in double quotes for the key %q in %s, found %s", clip(k), opt.name, p.describe(p.tok))
		}
		v.fields = append(v.fields, Field{Key: k, Value: p.text(p.tok)})
		if err := p.separator(opt, '}'); err != nil {
			return v, err
		}
	}
	v.end = p.tok.end
	return v, p.advance()
}

// separator moves past an item and the ',' after it, if any; without a ','
// the item must be followed by closer.
func (p *parser) separator(opt option, closer byte) *Error {
	item := p.tok
	if err := p.advance(); err != nil {
		return err
	}
	if p.isPunct(',') {
		return p.advance()
	}
	if !p.isPunct(closer) {
		return p.errorf(p.tok.pos, "expected , or %c after an item of %s, found %s%s", closer, opt.name, p.describe(p.tok), p.multiLineHint(item))
	}
	return nil
}
