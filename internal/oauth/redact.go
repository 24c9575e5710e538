package oauth

import (
	"encoding/base64"
	"encoding/hex"
	"html"
	"strings"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// redact replaces every copy of the secrets in sent that text holds with
// "[redacted]". text has been cleaned (see clean): control codes are single
// spaces. A provider that echoes what it was sent may write a secret as it
// got it or re-encoded, so a copy is found
//
//   - percent-encoded, wholly or partly, with upper- or lower-case hex, a
//     space as "+" or "%20" (a form body, a query, a path);
//   - cut by spaces, line breaks, zero-width characters or backslashes
//     (wrapped text, JSON's "\/"), and with the secret's own spaces
//     changed or dropped;
//   - in base64 (standard or URL alphabet, with or without padding), in
//     hex or with HTML escapes.
//
// It works on canonical forms of the text and of the secrets: spaces and
// backslashes removed, and the text read three ways: as it is, with its
// percent escapes decoded, and decoded with "+" read as a space. A short
// secret may so blank out more than a copy of itself; that is the safe
// side.
func redact(text string, sent []secret.String) string {
	var spans []secret.Span
	for _, r := range []reading{{}, {percent: true}, {percent: true, plusIsSpace: true}} {
		c := canonicalText(text, r)
		for _, v := range sent {
			if v.IsZero() {
				continue
			}
			for _, form := range secretForms(v.Reveal()) {
				spans = c.find(secret.Canonicalize(form), spans)
			}
		}
	}
	return secret.Cover(text, spans)
}

// secretForms are the ways a provider may write s.
func secretForms(s string) []string {
	b := []byte(s)
	return []string{
		s,
		html.EscapeString(s),
		base64.StdEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
		hex.EncodeToString(b),
		strings.ToUpper(hex.EncodeToString(b)),
	}
}

// canonical is a canonical form of a text, with where each of its bytes
// came from.
type canonical struct {
	s     string
	start []int // start[i]: offset in the text of the source of s[i]
	end   []int // end[i]: offset in the text just past it
}

// reading is how canonicalText reads a text.
type reading struct {
	percent     bool // decode percent escapes
	plusIsSpace bool // read "+" as a space (a form body)
}

// canonicalText reads text as r says and leaves out what secret.Ignorable says.
func canonicalText(text string, r reading) canonical {
	var c canonical
	var b strings.Builder
	for i := 0; i < len(text); {
		v, n := text[i], 1
		switch {
		case v == '%' && r.percent && i+2 < len(text):
			if d, err := hex.DecodeString(text[i+1 : i+3]); err == nil {
				v, n = d[0], 3
			}
		case v == '+' && r.plusIsSpace:
			v = ' '
		}
		if !secret.Ignorable(v) {
			b.WriteByte(v)
			c.start = append(c.start, i)
			c.end = append(c.end, i+n)
		}
		i += n
	}
	c.s = b.String()
	return c
}

// maxCopies bounds how many copies of one form of a secret find looks for
// one by one: past them, the rest of the text goes. Overlapping copies of
// a repetitive secret (a provider chooses its refresh tokens) would
// otherwise cost the length of the text times that of the secret.
const maxCopies = 16

// find adds to spans the text ranges of every copy of form in c,
// overlapping ones included.
func (c canonical) find(form string, spans []secret.Span) []secret.Span {
	if form == "" {
		return spans
	}
	for n, from := 0, 0; ; n++ {
		i := strings.Index(c.s[from:], form)
		if i < 0 {
			return spans
		}
		i += from
		if n == maxCopies {
			return append(spans, secret.Span{Start: c.start[i], End: c.end[len(c.s)-1]})
		}
		spans = append(spans, secret.Span{Start: c.start[i], End: c.end[i+len(form)-1]})
		from = i + 1
	}
}
