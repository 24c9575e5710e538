package mailcheck

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// How redact reads server text: in canonical forms, where what may cut an
// echoed secret (spaces, line breaks, control characters, backslashes) is
// left out, read as it is and with escapes decoded; then runs of base64 or
// hex in them are decoded.

// canonical is a canonical form of a text, with where each of its bytes
// came from.
type canonical struct {
	s     string
	start []int // start[i]: offset in the text of the source of s[i]
	end   []int // end[i]: offset in the text just past it
}

// decoder decodes an escape at the start of text: the bytes it stands for
// and its length; n == 0 when text does not start with one.
type decoder func(text string) (b []byte, n int)

// readings are text's canonical forms: as it is, with percent and
// quoted-printable escapes decoded, and with backslash and HTML escapes
// decoded, once or twice (JSON escapes of HTML entities).
func readings(text string) []canonical {
	escaped := read(text, backslashEscape)
	return []canonical{read(text, nil), read(text, percentEscape), escaped, escaped.reread(backslashEscape)}
}

// reread is c's text read again with dec, its offsets still those of the
// original text.
func (c canonical) reread(dec decoder) canonical {
	r := read(c.s, dec)
	for i := range r.s {
		r.start[i], r.end[i] = c.start[r.start[i]], c.end[r.end[i]-1]
	}
	return r
}

// read is text's canonical form with what dec decodes decoded.
func read(text string, dec decoder) canonical {
	var c canonical
	var b strings.Builder
	for i := 0; i < len(text); {
		v, n := []byte{text[i]}, 1
		if dec != nil {
			if d, m := dec(text[i:]); m > 0 {
				v, n = d, m
			}
		}
		for _, x := range v {
			if !secret.Ignorable(x) {
				b.WriteByte(x)
				c.start = append(c.start, i)
				c.end = append(c.end, i+n)
			}
		}
		i += n
	}
	c.s = b.String()
	return c
}

// percentEscape decodes %2F and =2F.
func percentEscape(text string) ([]byte, int) {
	if len(text) >= 3 && (text[0] == '%' || text[0] == '=') {
		if v, err := strconv.ParseUint(text[1:3], 16, 8); err == nil {
			return []byte{byte(v)}, 3
		}
	}
	return nil, 0
}

// backslashEscape decodes \x2f, \u002f, \U0000002f and &#47; &#x2f;.
func backslashEscape(text string) ([]byte, int) {
	switch {
	case strings.HasPrefix(text, `\x`):
		return hexRune(text, 2, 2)
	case strings.HasPrefix(text, `\u`):
		return hexRune(text, 2, 4)
	case strings.HasPrefix(text, `\U`):
		return hexRune(text, 2, 8)
	case strings.HasPrefix(text, "&#"):
		end := strings.IndexByte(text, ';')
		if end < 3 || end > 12 {
			return nil, 0
		}
		digits, base := text[2:end], 10
		if digits[0] == 'x' || digits[0] == 'X' {
			digits, base = digits[1:], 16
		}
		v, err := strconv.ParseUint(digits, base, 21)
		if err != nil || !utf8.ValidRune(rune(v)) {
			return nil, 0
		}
		return utf8.AppendRune(nil, rune(v)), end + 1
	}
	return nil, 0
}

// hexRune decodes the n hex digits after a prefix of length skip as a
// rune (a byte when n is 2).
func hexRune(text string, skip, n int) ([]byte, int) {
	if len(text) < skip+n {
		return nil, 0
	}
	v, err := strconv.ParseUint(text[skip:skip+n], 16, 32)
	switch {
	case err != nil:
		return nil, 0
	case n == 2:
		return []byte{byte(v)}, skip + n
	case !utf8.ValidRune(rune(v)):
		return nil, 0
	}
	return utf8.AppendRune(nil, rune(v)), skip + n
}

// minEncoded is the shortest run of base64 or hex that can hold gramLen
// bytes of a secret at any offset.
const minEncoded = (gramLen + 2) * 4 / 3

// encodedRuns returns s's maximal runs of base64 characters (either
// alphabet, and padding, which hex's are among) long enough to hold a
// piece of a secret.
func encodedRuns(s string) []secret.Span {
	var runs []secret.Span
	for i := 0; i < len(s); {
		if !isBase64(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isBase64(s[j]) {
			j++
		}
		if j-i >= minEncoded {
			runs = append(runs, secret.Span{Start: i, End: j})
		}
		i = j
	}
	return runs
}

func isBase64(b byte) bool {
	return 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' ||
		b == '+' || b == '/' || b == '-' || b == '_' || b == '='
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

// decodings are run decoded every way it may be encoded: as base64 from
// each of its first four characters (one of them is where an encoded
// secret's groups start, wherever it is in the run), and each of its runs
// of hex digits from each of their first two.
func decodings(run string) []string {
	var out []string
	for off := range min(4, len(run)) {
		out = append(out, base64Lenient(run[off:]))
	}
	for i := 0; i < len(run); {
		if !isHex(run[i]) {
			i++
			continue
		}
		j := i
		for j < len(run) && isHex(run[j]) {
			j++
		}
		if j-i >= 2*gramLen {
			out = append(out, hexLenient(run[i:j]), hexLenient(run[i+1:j]))
		}
		i = j
	}
	return out
}

// base64Lenient decodes s as base64 of either alphabet, reading padding
// as zero bits: text after a padded piece decodes as well where its
// groups line up.
func base64Lenient(s string) string {
	var b strings.Builder
	var acc uint32
	bits := 0
	for i := 0; i < len(s); i++ {
		acc = acc<<6 | uint32(base64Value(s[i]))
		if bits += 6; bits >= 8 {
			bits -= 8
			b.WriteByte(byte(acc >> bits))
		}
	}
	return b.String()
}

func base64Value(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c - 'A'
	case 'a' <= c && c <= 'z':
		return c - 'a' + 26
	case '0' <= c && c <= '9':
		return c - '0' + 52
	case c == '+' || c == '-':
		return 62
	case c == '/' || c == '_':
		return 63
	}
	return 0
}

// hexLenient decodes s's pairs of hex digits, ignoring an odd last one.
func hexLenient(s string) string {
	var b strings.Builder
	for i := 0; i+1 < len(s); i += 2 {
		v, _ := strconv.ParseUint(s[i:i+2], 16, 8)
		b.WriteByte(byte(v))
	}
	return b.String()
}
