package config

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is a parse or validation error at a position in the configuration.
type Error struct {
	File string // as given to Parse; may be empty
	// Line and Col are 1-based. Col counts bytes from the start of the line,
	// as Go's own tools do, so a tab or a multi-byte character before the
	// error counts as one or several columns respectively.
	Line, Col int
	Msg       string // lowercase, actionable, without position
	// Source is the offending line without its line ending, with the
	// characters of any client_secret string replaced by '*'.
	Source string
}

// Place is where a value stands in the configuration file. A package that
// gives a value its meaning reports its errors about it there: package
// persist checks persist_recipients (Config.PersistRecipientPlaces).
type Place struct{ at Error }

// Errorf returns the error at p with the message format makes; quote the
// input with [Clip].
func (p Place) Errorf(format string, args ...any) *Error {
	e := p.at
	e.Msg = fmt.Sprintf(format, args...)
	return &e
}

// Clip shortens an input for quoting in a message.
func Clip(s string) string { return clip(s) }

// maxQuoted is how much of an input a message quotes.
const maxQuoted = 64

// clip shortens s for quoting in a message.
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	end := maxQuoted
	for i := 0; i < utf8.UTFMax && end > 0 && !utf8.RuneStart(s[end]); i++ {
		end--
	}
	return s[:end] + "..."
}

// maxShown is how much of a long source line Error shows around the column.
const maxShown = 120

// Error renders "FILE:LINE:COL: MSG\n    SOURCE\n    ^" with the caret under
// the column. Control characters and invalid UTF-8 in the source are shown
// as U+FFFD; a long line is shown as an excerpt around the column.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	b.WriteString(strconv.Itoa(e.Line))
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(e.Col))
	b.WriteString(": ")
	b.WriteString(e.Msg)
	shown, caret := excerpt(e.Source, e.Col-1)
	b.WriteString("\n    ")
	for _, r := range shown {
		b.WriteRune(displayRune(r))
	}
	b.WriteString("\n    ")
	for _, r := range shown[:caret] {
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteByte('^')
	return b.String()
}

// displayRune replaces what a terminal should not be sent.
func displayRune(r rune) rune {
	if r != '\t' && (r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)) {
		return utf8.RuneError
	}
	return r
}

// excerpt returns the part of line to show and the byte index of the caret
// in it.
func excerpt(line string, col int) (string, int) {
	col = max(0, min(col, len(line)))
	if len(line) <= maxShown {
		return line, col
	}
	// Cut at rune boundaries, but only a few bytes back: invalid UTF-8
	// may have none.
	start := max(0, col-maxShown/2)
	for i := 0; i < utf8.UTFMax && start > 0 && !utf8.RuneStart(line[start]); i++ {
		start--
	}
	end := min(len(line), start+maxShown)
	for i := 0; i < utf8.UTFMax && end < len(line) && !utf8.RuneStart(line[end]); i++ {
		end--
	}
	shown, caret := line[start:end], col-start
	if start > 0 {
		shown, caret = "..."+shown, caret+3
	}
	if end < len(line) {
		shown += "..."
	}
	return shown, caret
}

// errorAt builds the Error for byte offset pos of src.
func errorAt(file string, src []byte, pos int, msg string) *Error {
	pos = max(0, min(pos, len(src)))
	start := bytes.LastIndexByte(src[:pos], '\n') + 1
	end := len(src)
	if i := bytes.IndexByte(src[pos:], '\n'); i >= 0 {
		end = pos + i
	}
	if end > start && src[end-1] == '\r' {
		end--
	}
	return &Error{
		File:   file,
		Line:   lineOf(src, start),
		Col:    pos - start + 1,
		Msg:    msg,
		Source: maskSecrets(src, start, max(start, end)),
	}
}

// lineOf returns the 1-based line of byte offset pos.
func lineOf(src []byte, pos int) int {
	return 1 + bytes.Count(src[:max(0, min(pos, len(src)))], []byte{'\n'})
}

// span is a range of byte offsets in the source.
type span struct{ start, end int }

// maskSecrets returns src[start:end] with client secrets replaced by '*',
// keeping the line's length: the values of client_secret as far as src
// lexes and, past a lexical error, any string after "client_secret =" on
// the line.
func maskSecrets(src []byte, start, end int) string {
	line := string(src[start:end])
	var masked []byte
	mask := func(from, to int) {
		if masked == nil {
			masked = []byte(line)
		}
		for i := max(from, 0); i < min(to, len(masked)); i++ {
			masked[i] = '*'
		}
	}
	for _, s := range secretSpans(src) {
		if s.start < end && s.end > start {
			mask(s.start-start, s.end-start)
		}
	}
	for i := 0; ; {
		j := strings.Index(line[i:], "client_secret")
		if j < 0 {
			break
		}
		i += j + len("client_secret")
		if from, to := secretAfter(line, i); from >= 0 {
			mask(from, to)
		}
	}
	if masked == nil {
		return line
	}
	return string(masked)
}

// secretSpans lexes src up to its end or first lexical error and returns
// the contents of the strings given to client_secret. A secret string that
// does not lex runs to the end of src.
func secretSpans(src []byte) []span {
	var spans []span
	l := lexer{src: src}
	var before [2]token // the two tokens before the current one
	for {
		l.skipSpace()
		start := l.off
		t := l.next()
		isSecret := before[0].kind == tokWord && string(src[before[0].pos:before[0].end]) == "client_secret" &&
			before[1].kind == tokPunct && src[before[1].pos] == '='
		switch {
		case t.kind == tokEOF:
			return spans
		case t.kind == tokError:
			if isSecret && start < len(src) && src[start] == '"' {
				spans = append(spans, span{start + 1, len(src)})
			}
			return spans
		case t.kind == tokString && isSecret:
			spans = append(spans, span{t.pos + 1, t.end - 1})
		}
		before = [2]token{before[1], t}
	}
}

// secretAfter finds the string in `= "..."` at line[i:] and returns the
// range of its contents, or -1, -1.
func secretAfter(line string, i int) (int, int) {
	i = skipBlanks(line, i)
	if i >= len(line) || line[i] != '=' {
		return -1, -1
	}
	i = skipBlanks(line, i+1)
	if i >= len(line) || line[i] != '"' {
		return -1, -1
	}
	from := i + 1
	for i = from; i < len(line) && line[i] != '"'; i++ {
		if line[i] == '\\' {
			i++
		}
	}
	return from, min(i, len(line))
}

func skipBlanks(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}
