// Package getopt parses pizauth's command lines POSIX-style, with GNU long
// options, in a few lines and without reflection: the client runs it on
// every pizauth show.
package getopt

import (
	"fmt"
	"strings"
)

// Option describes one command-line option of a subcommand.
type Option struct {
	Short  byte   // 0 when the option has no short form
	Long   string // "" when the option has no long form
	HasArg bool
	// OptArg: a long option whose argument is optional and, when given,
	// attached (--wait=10s); bare, its value is "".
	OptArg bool
}

// Args is a subcommand's command line after option parsing.
type Args struct {
	Count    map[string]int    // times each option was given, by canonical name
	Value    map[string]string // last argument of each option taking one
	Operands []string
}

// name is the canonical name of an option: its long form, else its short one.
func (o Option) name() string {
	if o.Long != "" {
		return o.Long
	}
	return string(o.Short)
}

// Parse parses args POSIX-style: short options may be grouped (-vvv, -dc
// path), a short option's argument may be attached (-cpath), long options take
// --name=value or --name value, and "--" ends the options. Options stop at
// the first operand.
func Parse(args []string, opts []Option) (Args, error) {
	p := Args{Count: map[string]int{}, Value: map[string]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			p.Operands = append(p.Operands, args[i+1:]...)
			return p, nil
		case strings.HasPrefix(a, "--"):
			n, err := p.long(a[2:], args[i+1:], opts)
			if err != nil {
				return p, err
			}
			i += n
		case len(a) > 1 && a[0] == '-':
			n, err := p.shorts(a[1:], args[i+1:], opts)
			if err != nil {
				return p, err
			}
			i += n
		default:
			p.Operands = append(p.Operands, args[i:]...)
			return p, nil
		}
	}
	return p, nil
}

// long parses one --name[=value]; it returns how many following arguments it
// consumed.
func (p *Args) long(a string, rest []string, opts []Option) (int, error) {
	name, val, hasVal := strings.Cut(a, "=")
	for _, o := range opts {
		if o.Long != name {
			continue
		}
		p.Count[o.name()]++
		switch {
		case o.OptArg:
			p.Value[o.name()] = val
			return 0, nil
		case !o.HasArg && hasVal:
			return 0, fmt.Errorf("option --%s takes no argument", name)
		case !o.HasArg:
			return 0, nil
		case hasVal:
			p.Value[o.name()] = val
			return 0, nil
		case len(rest) == 0:
			return 0, fmt.Errorf("option --%s needs an argument", name)
		}
		p.Value[o.name()] = rest[0]
		return 1, nil
	}
	return 0, fmt.Errorf("unknown option --%s", name)
}

// shorts parses a group of short options; it returns how many following
// arguments it consumed.
func (p *Args) shorts(group string, rest []string, opts []Option) (int, error) {
	for j := 0; j < len(group); j++ {
		o, found := findShort(group[j], opts)
		if !found {
			return 0, fmt.Errorf("unknown option -%c", group[j])
		}
		p.Count[o.name()]++
		if !o.HasArg {
			continue
		}
		if j+1 < len(group) {
			p.Value[o.name()] = group[j+1:]
			return 0, nil
		}
		if len(rest) == 0 {
			return 0, fmt.Errorf("option -%c needs an argument", o.Short)
		}
		p.Value[o.name()] = rest[0]
		return 1, nil
	}
	return 0, nil
}

func findShort(c byte, opts []Option) (Option, bool) {
	for _, o := range opts {
		if o.Short == c && c != 0 {
			return o, true
		}
	}
	return Option{}, false
}
