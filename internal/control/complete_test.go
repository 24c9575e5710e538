package control

import "testing"

func TestShellWord(t *testing.T) {
	tests := []struct{ name, want string }{
		{"work", "work"},
		{"me@example.com", "me@example.com"},
		{"my office", `"my office"`},
		{`a"b$c`, `"a\"b\$c"`},
		{"it's", `"it'\''s"`},
	}
	for _, tt := range tests {
		if got := shellWord(tt.name); got != tt.want {
			t.Errorf("shellWord(%q) = %q; want %q", tt.name, got, tt.want)
		}
	}
}
