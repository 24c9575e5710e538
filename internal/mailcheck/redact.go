package mailcheck

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// gramLen is the length of the pieces of a secret that redact looks for:
// a server that echoes part of what it was sent (the token, or a SASL
// initial response that carries it) shows no 10 bytes of it in a row, in
// any of the encodings redact reads.
const gramLen = 10

// maxShown bounds each piece of server text in a result line.
const maxShown = 300

// maxRedacted bounds the text redact reads: text beyond it is cut off
// first, so that a server's 256 lines of 16 KiB cost little. A secret cut
// there shows less than gramLen bytes of itself at most.
const maxRedacted = 8 * maxShown

// maxDepth bounds how many encodings, one inside the other, redact undoes
// (base64 of a SASL response that holds the token is two).
const maxDepth = 2

// redactor removes secrets from text the server sent.
type redactor struct {
	grams map[string]bool // every gramLen-byte piece of every secret, in canonical form
	short []string        // secrets shorter than gramLen, matched whole
}

func newRedactor(secrets ...string) *redactor {
	r := &redactor{grams: map[string]bool{}}
	for _, s := range secrets {
		c := secret.Canonicalize(s)
		if len(c) < gramLen {
			if s != "" {
				r.short = append(r.short, s)
			}
			continue
		}
		for i := 0; i+gramLen <= len(c); i++ {
			r.grams[c[i:i+gramLen]] = true
		}
	}
	return r
}

// redact replaces each run of s that gives a piece of a secret away by
// "[redacted]", and cuts s to maxRedacted bytes first. A server may echo
// what it was sent as it was or re-encoded, so a piece is looked for
//
//   - as it is, spaced out, or cut by line breaks, control characters or
//     backslashes;
//   - with percent (%2F) or quoted-printable (=2F) escapes decoded;
//   - with backslash (\x2f, \u002f, as JSON and Go quote) or HTML (&#47;)
//     escapes decoded;
//   - in base64 (either alphabet, at any offset, wrapped or not) or hex:
//     then the whole run of base64 or hex goes, and an encoding inside
//     another (base64 of a SASL response) is undone too.
func (r *redactor) redact(s string) string {
	if len(s) > maxRedacted {
		s = s[:maxRedacted] + "..."
	}
	var spans []secret.Span
	for _, c := range readings(s) {
		spans = r.findGrams(c, spans)
		spans = r.findEncoded(c, maxDepth, spans)
	}
	for _, short := range r.short {
		for off := 0; ; {
			i := strings.Index(s[off:], short)
			if i < 0 {
				break
			}
			spans = append(spans, secret.Span{Start: off + i, End: off + i + len(short)})
			off += i + 1
		}
	}
	return secret.Cover(s, spans)
}

// leaks reports whether b, decoded from a run of server text, holds a
// piece of a secret, encoded at most depth times more.
func (r *redactor) leaks(b string, depth int) bool {
	for _, c := range readings(b) {
		if len(r.findGrams(c, nil)) > 0 || len(r.findEncoded(c, depth, nil)) > 0 {
			return true
		}
	}
	return false
}

// findGrams adds to spans the text ranges of c's pieces of a secret.
func (r *redactor) findGrams(c canonical, spans []secret.Span) []secret.Span {
	for i := 0; i+gramLen <= len(c.s); i++ {
		if r.grams[c.s[i:i+gramLen]] {
			spans = append(spans, secret.Span{Start: c.start[i], End: c.end[i+gramLen-1]})
		}
	}
	return spans
}

// findEncoded adds to spans the text ranges of c's runs of base64 or hex
// whose decoding, at some offset, leaks a secret (depth > 0).
func (r *redactor) findEncoded(c canonical, depth int, spans []secret.Span) []secret.Span {
	if depth == 0 {
		return spans
	}
	for _, run := range encodedRuns(c.s) {
		if !r.runLeaks(c.s[run.Start:run.End], depth) {
			continue
		}
		run = r.narrow(c, run, depth)
		spans = append(spans, secret.Span{Start: c.start[run.Start], End: c.end[run.End-1]})
	}
	return spans
}

// runLeaks reports whether a run of base64 or hex leaks a secret, decoded
// any way.
func (r *redactor) runLeaks(run string, depth int) bool {
	for _, decoded := range decodings(run) {
		if r.leaks(decoded, depth-1) {
			return true
		}
	}
	return false
}

// narrow drops from a leaking run of c the words at either end that it
// leaks without: the canonical form joins words (so that base64 cut by
// line breaks is read whole), but the server's own words beside an echo
// are kept. A run that leaks leaks with more words around it, so the
// words to drop are found by binary search: a server's many tiny words
// cost a few decodings, not one per word.
func (r *redactor) narrow(c canonical, run secret.Span, depth int) secret.Span {
	var cuts []int // where a word of the text starts within the run
	for i := run.Start + 1; i < run.End; i++ {
		if c.start[i] != c.end[i-1] {
			cuts = append(cuts, i)
		}
	}
	// The first cuts[:n] can go from the start.
	n := sort.Search(len(cuts), func(k int) bool { return !r.runLeaks(c.s[cuts[k]:run.End], depth) })
	if n > 0 {
		run.Start, cuts = cuts[n-1], cuts[n:]
	}
	// The last cuts[m:] can end the run.
	m := sort.Search(len(cuts), func(k int) bool { return r.runLeaks(c.s[run.Start:cuts[k]], depth) })
	if m < len(cuts) {
		run.End = cuts[m]
	}
	return run
}

// printable escapes what a terminal would act on (control characters,
// invalid UTF-8) as Go does in quoted strings, leaving the rest as it is.
func printable(s string) string {
	if !strings.ContainsFunc(s, notPrintable) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case notPrintable(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case notPrintable(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func notPrintable(r rune) bool { return !unicode.IsPrint(r) }

// truncate cuts s to at most maxShown bytes, at a rune boundary.
func truncate(s string) string {
	if len(s) <= maxShown {
		return s
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
