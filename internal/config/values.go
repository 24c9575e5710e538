package config

import "slices"

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
			return v, p.errorf(key.pos, "%s key %q is reserved: pizauth sets it itself", opt.name, k)
		}
		if k == "login_hint" && v.hintKeyPos < 0 {
			v.hintKeyPos = key.pos
		}
		if err := p.advance(); err != nil {
			return v, err
		}
		if !p.isPunct(':') {
			return v, p.errorf(p.tok.pos, "expected : after the key %q in %s, found %s", k, opt.name, p.describe(p.tok))
		}
		if err := p.advance(); err != nil {
			return v, err
		}
		if p.tok.kind != tokString {
			return v, p.errorf(p.tok.pos, "expected a value in double quotes for the key %q in %s, found %s", k, opt.name, p.describe(p.tok))
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
