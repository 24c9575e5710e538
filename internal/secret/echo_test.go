package secret

import "testing"

func TestCover(t *testing.T) {
	tests := []struct {
		text  string
		spans []Span
		want  string
	}{
		{"abcdef", nil, "abcdef"},
		{"abcdef", []Span{{1, 3}}, "a[redacted]def"},
		{"abcdef", []Span{{4, 6}, {0, 2}}, "[redacted]cd[redacted]"},
		{"abcdef", []Span{{1, 3}, {3, 5}}, "a[redacted]f"},  // adjacent
		{"abcdef", []Span{{1, 4}, {2, 3}}, "a[redacted]ef"}, // inside another
		{"abcdef", []Span{{1, 3}, {2, 5}}, "a[redacted]f"},  // overlapping
		{"abcdef", []Span{{2, 2}}, "abcdef"},                // empty
		{"abcdef", []Span{{0, 6}}, "[redacted]"},
	}
	for _, tt := range tests {
		if got := Cover(tt.text, tt.spans); got != tt.want {
			t.Errorf("Cover(%q, %v) = %q; want %q", tt.text, tt.spans, got, tt.want)
		}
	}
}

func TestCanonicalize(t *testing.T) {
	if got, want := Canonicalize("a b\\/c\x00\x7fd\te\n"), "ab/cde"; got != want {
		t.Errorf("Canonicalize = %q; want %q", got, want)
	}
}
