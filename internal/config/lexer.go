package config

import (
	"bytes"
	"fmt"
	"math"
	"time"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tokEOF    tokKind = iota
	tokError          // val is the message, pos where it applies
	tokString         // the value is src[pos+1:end-1], or val when escaped
	tokTime           // dur is the value
	tokWord           // option names, account, none
	tokPunct          // one of = ; , { } [ ] :
)

// token is one lexical token. It refers to the source by offsets, so that
// lexing allocates only for strings containing escapes.
type token struct {
	kind    tokKind
	pos     int    // byte offset of the first byte
	end     int    // byte offset just past the last byte
	val     string // see tokKind
	dur     time.Duration
	escaped bool // a string with escapes: offsets in val do not map to the source
}

// lexer splits the source into tokens. It never allocates for a token but
// for strings containing escapes.
type lexer struct {
	src []byte
	off int
}

// next returns the next token, or a tokError token.
func (l *lexer) next() token {
	l.skipSpace()
	if l.off >= len(l.src) {
		return token{kind: tokEOF, pos: len(l.src), end: len(l.src)}
	}
	c := l.src[l.off]
	switch {
	case c == '"':
		return l.lexString()
	case c >= '0' && c <= '9':
		return l.lexTime()
	case isWordStart(c):
		return l.lexWord()
	case isPunct(c):
		l.off++
		return token{kind: tokPunct, pos: l.off - 1, end: l.off}
	case c == '/':
		return l.errTok(l.off, "unexpected '/': comments start with //")
	}
	r, _ := utf8.DecodeRune(l.src[l.off:])
	return l.errTok(l.off, fmt.Sprintf("unexpected character %q", r))
}

func (l *lexer) errTok(pos int, msg string) token {
	return token{kind: tokError, pos: pos, end: pos, val: msg}
}

// skipSpace skips whitespace and comments.
func (l *lexer) skipSpace() {
	for l.off < len(l.src) {
		switch c := l.src[l.off]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			l.off++
		case c == '/' && l.off+1 < len(l.src) && l.src[l.off+1] == '/':
			nl := bytes.IndexByte(l.src[l.off:], '\n')
			if nl < 0 {
				l.off = len(l.src)
				return
			}
			l.off += nl + 1
		default:
			return
		}
	}
}

func isPunct(c byte) bool {
	switch c {
	case '=', ';', ',', '{', '}', '[', ']', ':':
		return true
	}
	return false
}

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// isWordByte also takes '-' so that auth-uri is one (unknown) word for
// which a suggestion can be made.
func isWordByte(c byte) bool {
	return isWordStart(c) || c >= '0' && c <= '9' || c == '-'
}

func (l *lexer) lexWord() token {
	start := l.off
	for l.off < len(l.src) && isWordByte(l.src[l.off]) {
		l.off++
	}
	return token{kind: tokWord, pos: start, end: l.off}
}

// lexTime lexes <digits>[smhd]. It takes in any letters, digits, '.' or '_'
// that follow, so that 1.5h or 10min are reported whole.
func (l *lexer) lexTime() token {
	start := l.off
	var n uint64
	overflow := false
	for l.off < len(l.src) && l.src[l.off] >= '0' && l.src[l.off] <= '9' {
		d := uint64(l.src[l.off] - '0')
		if n > (math.MaxInt64-d)/10 {
			overflow = true
		} else {
			n = n*10 + d
		}
		l.off++
	}
	digitsEnd := l.off
	for l.off < len(l.src) && (isWordByte(l.src[l.off]) || l.src[l.off] == '.') {
		l.off++
	}
	text := clip(string(l.src[start:l.off]))
	unit := unitOf(l.src[digitsEnd:l.off])
	switch {
	case digitsEnd == l.off:
		return l.errTok(start, fmt.Sprintf("time %q has no unit: add s, m, h or d (e.g. %ss)", text, text))
	case unit == 0:
		return l.errTok(start, fmt.Sprintf("bad time %q: want a whole number followed by s, m, h or d (e.g. 90s, 15m, 2h, 1d)", text))
	case overflow || n > uint64(math.MaxInt64/unit):
		return l.errTok(start, fmt.Sprintf("time %q is too large: the maximum is about 292 years", text))
	}
	return token{kind: tokTime, pos: start, end: l.off, dur: time.Duration(n) * unit}
}

// unitOf returns the duration of one unit, or 0 when suffix is not a unit.
func unitOf(suffix []byte) time.Duration {
	if len(suffix) != 1 {
		return 0
	}
	switch suffix[0] {
	case 's':
		return time.Second
	case 'm':
		return time.Minute
	case 'h':
		return time.Hour
	case 'd':
		return 24 * time.Hour
	}
	return 0
}

// lexString lexes a double-quoted string. Strings may span lines, as in the
// original pizauth.
func (l *lexer) lexString() token {
	start := l.off
	i := start + 1
	seg := i // start of the not yet copied part, when escaped
	var b []byte
	for i < len(l.src) {
		switch l.src[i] {
		case '"':
			l.off = i + 1
			t := token{kind: tokString, pos: start, end: l.off}
			if b != nil {
				t.val, t.escaped = string(append(b, l.src[seg:i]...)), true
			}
			return t
		case '\\':
			if i+1 < len(l.src) && (l.src[i+1] == '"' || l.src[i+1] == '\\') {
				b = append(append(b, l.src[seg:i]...), l.src[i+1])
				i += 2
				seg = i
				continue
			}
			if i+1 < len(l.src) {
				l.off = len(l.src)
				return l.errTok(i, badEscape(l.src[i+1:]))
			}
		}
		i++
	}
	l.off = len(l.src)
	return l.errTok(start, `unterminated string: add the closing "`)
}

// badEscape describes the escape whose character starts rest.
func badEscape(rest []byte) string {
	r, _ := utf8.DecodeRune(rest)
	const only = `: only \" and \\ are allowed (write \\ for a backslash)`
	if unicode.IsGraphic(r) && r != ' ' {
		return fmt.Sprintf(`unknown escape sequence \%c in string%s`, r, only)
	}
	return fmt.Sprintf("unknown escape sequence: backslash followed by %q in string%s", r, only)
}
