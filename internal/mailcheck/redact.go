package mailcheck

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// gramLen is the length of the pieces of a secret that redact looks for:
// a server that echoes part of what it was sent (the token, or a SASL
// initial response that carries it) shows no 10 bytes of it in a row.
const gramLen = 10

// maxShown bounds each piece of server text in a result line.
const maxShown = 300

// redactor removes secrets from text the server sent.
type redactor struct {
	grams map[string]bool // every gramLen-byte piece of every secret
	short []string        // secrets shorter than gramLen, matched whole
}

func newRedactor(secrets ...string) *redactor {
	r := &redactor{grams: map[string]bool{}}
	for _, s := range secrets {
		if len(s) < gramLen {
			if s != "" {
				r.short = append(r.short, s)
			}
			continue
		}
		for i := 0; i+gramLen <= len(s); i++ {
			r.grams[s[i:i+gramLen]] = true
		}
	}
	return r
}

// redact replaces each run of bytes of s that belongs to a piece of a
// secret by "[redacted]".
func (r *redactor) redact(s string) string {
	hide := make([]bool, len(s))
	hidden := false
	mark := func(from, to int) {
		for i := from; i < to; i++ {
			hide[i] = true
		}
		hidden = true
	}
	for i := 0; i+gramLen <= len(s); i++ {
		if r.grams[s[i:i+gramLen]] {
			mark(i, i+gramLen)
		}
	}
	for _, secret := range r.short {
		for off := 0; ; {
			i := strings.Index(s[off:], secret)
			if i < 0 {
				break
			}
			mark(off+i, off+i+len(secret))
			off += i + 1
		}
	}
	if !hidden {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case !hide[i]:
			b.WriteByte(s[i])
		case i == 0 || !hide[i-1]:
			b.WriteString("[redacted]")
		}
	}
	return b.String()
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
