package secret

import (
	"slices"
	"strings"
)

// What the finders of echoed secrets share (package oauth for a
// provider's answers, package mailcheck for a mail server's): a secret is
// looked for in canonical forms of the text, with the bytes that may cut a
// copy of it (spaces, line breaks, control characters, backslashes) left
// out, and what is found is covered in the text as it was.

// Span is a range of a text, [Start, End).
type Span struct{ Start, End int }

// Ignorable reports whether b is left out of canonical forms.
func Ignorable(b byte) bool { return b <= ' ' || b == '\\' || b == 0x7f }

// Canonicalize is s without the bytes canonical forms leave out: the form
// in which a secret is looked for.
func Canonicalize(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if !Ignorable(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// Cover replaces the parts of text that spans cover with "[redacted]",
// once for overlapping or adjacent spans; empty spans cover nothing. It
// sorts spans.
func Cover(text string, spans []Span) string {
	spans = slices.DeleteFunc(spans, func(s Span) bool { return s.Start >= s.End })
	if len(spans) == 0 {
		return text
	}
	slices.SortFunc(spans, func(a, b Span) int { return a.Start - b.Start })
	var b strings.Builder
	at := 0
	for i := 0; i < len(spans); {
		start, end := spans[i].Start, spans[i].End
		for i++; i < len(spans) && spans[i].Start <= end; i++ {
			end = max(end, spans[i].End)
		}
		b.WriteString(text[at:max(at, start)])
		b.WriteString(redacted)
		at = max(at, end)
	}
	b.WriteString(text[at:])
	return b.String()
}
