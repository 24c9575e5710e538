package config

import (
	"bytes"
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
	start := max(0, col-maxShown/2)
	for start > 0 && !utf8.RuneStart(line[start]) {
		start--
	}
	end := min(len(line), start+maxShown)
	for end < len(line) && !utf8.RuneStart(line[end]) {
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
func errorAt(file string, src []byte, pos int, secrets []span, msg string) *Error {
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
		Source: maskSecrets(src, start, max(start, end), secrets),
	}
}

// lineOf returns the 1-based line of byte offset pos.
func lineOf(src []byte, pos int) int {
	return 1 + bytes.Count(src[:max(0, min(pos, len(src)))], []byte{'\n'})
}

// maskSecrets returns src[start:end] with client secrets replaced by '*':
// those the lexer recorded and, for lines not lexed yet, any string that
// follows "client_secret =" on the line.
func maskSecrets(src []byte, start, end int, secrets []span) string {
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
	for _, s := range secrets {
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
