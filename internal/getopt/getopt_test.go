package getopt

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

var testOptions = []Option{
	{Short: 'c', Long: "config", OptArg: true}, {Short: 'd'}, {Short: 'v', Long: "verbose", Multi: true}, {Short: 'u'},
	{Short: 'k', HasArg: true}, {Long: "wait", OptArg: true}, {Long: "user", HasArg: true}, {Long: "auto-start"},
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
		{args: []string{"-vvv", "-d", "--verbose"}, count: map[string]int{"verbose": 4, "d": 1}},
		// An optional short argument: attached, or the next argument
		// unless that is an option, or none.
		{args: []string{"-dc", "p", "x"}, count: map[string]int{"d": 1, "config": 1}, value: map[string]string{"config": "p"}, operands: []string{"x"}},
		{args: []string{"-cpath"}, count: map[string]int{"config": 1}, value: map[string]string{"config": "path"}},
		{args: []string{"-c", "-d"}, count: map[string]int{"config": 1, "d": 1}},
		{args: []string{"-c", "-"}, count: map[string]int{"config": 1}, value: map[string]string{"config": "-"}},
		{args: []string{"-c"}, count: map[string]int{"config": 1}},
		{args: []string{"-cd"}, count: map[string]int{"config": 1}, value: map[string]string{"config": "d"}},
		// An optional long argument only attached.
		{args: []string{"--config", "p"}, count: map[string]int{"config": 1}, operands: []string{"p"}},
		{args: []string{"--config=p"}, count: map[string]int{"config": 1}, value: map[string]string{"config": "p"}},
		{args: []string{"--c=p"}, count: map[string]int{"config": 1}, value: map[string]string{"config": "p"}},
		{args: []string{"--wait", "acct"}, count: map[string]int{"wait": 1}, operands: []string{"acct"}},
		{args: []string{"--wait=10s", "acct"}, count: map[string]int{"wait": 1}, value: map[string]string{"wait": "10s"}, operands: []string{"acct"}},
		// A required argument: attached or the next, whatever it is.
		{args: []string{"-k", "-d"}, count: map[string]int{"k": 1}, value: map[string]string{"k": "-d"}},
		{args: []string{"-dk1"}, count: map[string]int{"d": 1, "k": 1}, value: map[string]string{"k": "1"}},
		{args: []string{"--user", "a@b"}, count: map[string]int{"user": 1}, value: map[string]string{"user": "a@b"}},
		{args: []string{"--user=-x"}, count: map[string]int{"user": 1}, value: map[string]string{"user": "-x"}},
		// Options and operands in any order; "--" ends the options.
		{args: []string{"acct", "-u"}, count: map[string]int{"u": 1}, operands: []string{"acct"}},
		{args: []string{"a", "-v", "b", "-v"}, count: map[string]int{"verbose": 2}, operands: []string{"a", "b"}},
		{args: []string{"--", "-v"}, operands: []string{"-v"}},
		{args: []string{"a", "--", "-v", "--"}, operands: []string{"a", "-v", "--"}},
		{args: []string{"-"}, operands: []string{"-"}},
		{args: []string{"-x"}, err: "unknown option -x"},
		{args: []string{"a", "-vx"}, err: "unknown option -x"},
		{args: []string{"--nope"}, err: "unknown option --nope"},
		{args: []string{"--ver"}, err: "unknown option --ver"}, // no abbreviations
		{args: []string{"-k"}, err: "option -k needs an argument"},
		{args: []string{"--user"}, err: "option --user needs an argument"},
		{args: []string{"--auto-start=yes"}, err: "option --auto-start takes no argument"},
		{args: []string{"-u", "a", "-u"}, err: "option -u given more than once"},
		{args: []string{"--wait", "--wait=1s"}, err: "option --wait given more than once"},
		{args: []string{"-c", "a", "-c", "b"}, err: "option --config given more than once"},
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
	f.Add("acct\x00-u\x00--config=x\x00-c")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		p, err := Parse(args, testOptions)
		if err != nil {
			return
		}
		// Operands are a subsequence of the arguments; every option
		// counted or valued is a known one.
		if !subsequence(p.Operands, args) {
			t.Errorf("%q: operands %q are not a subsequence", args, p.Operands)
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

// subsequence reports whether sub's elements appear in all, in order.
func subsequence(sub, all []string) bool {
	for _, a := range all {
		if len(sub) > 0 && sub[0] == a {
			sub = sub[1:]
		}
	}
	return len(sub) == 0
}
