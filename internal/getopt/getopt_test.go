package getopt

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

var testOptions = []Option{
	{Short: 'c', HasArg: true}, {Short: 'd'}, {Short: 'v'}, {Short: 'u'},
	{Long: "wait", OptArg: true}, {Long: "user", HasArg: true}, {Long: "auto-start"},
}

func TestParse(t *testing.T) {
	tests := []struct {
		args     []string
		count    map[string]int
		value    map[string]string
		operands []string
		err      string
	}{
		{args: nil},
		{args: []string{"acct"}, operands: []string{"acct"}},
		{args: []string{"-vvv", "-d"}, count: map[string]int{"v": 3, "d": 1}},
		{args: []string{"-dc", "p", "x"}, count: map[string]int{"d": 1, "c": 1}, value: map[string]string{"c": "p"}, operands: []string{"x"}},
		{args: []string{"-cpath"}, count: map[string]int{"c": 1}, value: map[string]string{"c": "path"}},
		{args: []string{"-c", "a", "-c", "b"}, count: map[string]int{"c": 2}, value: map[string]string{"c": "b"}},
		{args: []string{"--wait", "acct"}, count: map[string]int{"wait": 1}, value: map[string]string{"wait": ""}, operands: []string{"acct"}},
		{args: []string{"--wait=10s", "acct"}, count: map[string]int{"wait": 1}, value: map[string]string{"wait": "10s"}, operands: []string{"acct"}},
		{args: []string{"--user", "a@b", "--user=c"}, count: map[string]int{"user": 2}, value: map[string]string{"user": "c"}},
		{args: []string{"--", "-v"}, operands: []string{"-v"}},
		{args: []string{"acct", "-v"}, operands: []string{"acct", "-v"}}, // options stop at the first operand
		{args: []string{"-"}, operands: []string{"-"}},
		{args: []string{"-x"}, err: "unknown option -x"},
		{args: []string{"--nope"}, err: "unknown option --nope"},
		{args: []string{"-c"}, err: "option -c needs an argument"},
		{args: []string{"--user"}, err: "option --user needs an argument"},
		{args: []string{"--auto-start=yes"}, err: "option --auto-start takes no argument"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.args, testOptions)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: got error %v; want %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if tt.count == nil {
			tt.count = map[string]int{}
		}
		if tt.value == nil {
			tt.value = map[string]string{}
		}
		if !reflect.DeepEqual(p.Count, tt.count) || !reflect.DeepEqual(p.Value, tt.value) || !slices.Equal(p.Operands, tt.operands) {
			t.Errorf("%q: got %v %v %q; want %v %v %q", tt.args, p.Count, p.Value, p.Operands, tt.count, tt.value, tt.operands)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("-vvv\x00--wait=1m\x00acct")
	f.Add("-dc\x00path\x00--\x00-x")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		p, err := Parse(args, testOptions)
		if err != nil {
			return
		}
		// Operands are a suffix of the arguments; every option counted or
		// valued is a known one.
		if len(p.Operands) > len(args) || !slices.Equal(p.Operands, args[len(args)-len(p.Operands):]) {
			t.Errorf("%q: operands %q are not a suffix", args, p.Operands)
		}
		known := map[string]bool{}
		for _, o := range testOptions {
			known[o.name()] = true
		}
		for name := range p.Count {
			if !known[name] {
				t.Errorf("%q: unknown option %q counted", args, name)
			}
		}
		for name := range p.Value {
			if p.Count[name] == 0 {
				t.Errorf("%q: option %q has a value but was not counted", args, name)
			}
		}
	})
}
