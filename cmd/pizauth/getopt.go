package main

import (
	"fmt"
	"strings"
)

// option describes one command-line option of a subcommand.
type option struct {
	short  byte   // 0 when the option has no short form
	long   string // "" when the option has no long form
	hasArg bool
	// optArg: a long option whose argument is optional and, when given,
	// attached (--wait=10s); bare, its value is "".
	optArg bool
}

// parsedArgs is a subcommand's command line after option parsing.
type parsedArgs struct {
	count    map[string]int    // times each option was given, by canonical name
	value    map[string]string // last argument of each option taking one
	operands []string
}

// name is the canonical name of an option: its long form, else its short one.
func (o option) name() string {
	if o.long != "" {
		return o.long
	}
	return string(o.short)
}

// getopt parses args POSIX-style: short options may be grouped (-vvv, -dc
// path), a short option's argument may be attached (-cpath), long options take
// --name=value or --name value, and "--" ends the options. Options stop at
// the first operand.
func getopt(args []string, opts []option) (parsedArgs, error) {
	p := parsedArgs{count: map[string]int{}, value: map[string]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			p.operands = append(p.operands, args[i+1:]...)
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
			p.operands = append(p.operands, args[i:]...)
			return p, nil
		}
	}
	return p, nil
}

// long parses one --name[=value]; it returns how many following arguments it
// consumed.
func (p *parsedArgs) long(a string, rest []string, opts []option) (int, error) {
	name, val, hasVal := strings.Cut(a, "=")
	for _, o := range opts {
		if o.long != name {
			continue
		}
		p.count[o.name()]++
		switch {
		case o.optArg:
			p.value[o.name()] = val
			return 0, nil
		case !o.hasArg && hasVal:
			return 0, fmt.Errorf("option --%s takes no argument", name)
		case !o.hasArg:
			return 0, nil
		case hasVal:
			p.value[o.name()] = val
			return 0, nil
		case len(rest) == 0:
			return 0, fmt.Errorf("option --%s needs an argument", name)
		}
		p.value[o.name()] = rest[0]
		return 1, nil
	}
	return 0, fmt.Errorf("unknown option --%s", name)
}

// shorts parses a group of short options; it returns how many following
// arguments it consumed.
func (p *parsedArgs) shorts(group string, rest []string, opts []option) (int, error) {
	for j := 0; j < len(group); j++ {
		o, found := findShort(group[j], opts)
		if !found {
			return 0, fmt.Errorf("unknown option -%c", group[j])
		}
		p.count[o.name()]++
		if !o.hasArg {
			continue
		}
		if j+1 < len(group) {
			p.value[o.name()] = group[j+1:]
			return 0, nil
		}
		if len(rest) == 0 {
			return 0, fmt.Errorf("option -%c needs an argument", o.short)
		}
		p.value[o.name()] = rest[0]
		return 1, nil
	}
	return 0, nil
}

func findShort(c byte, opts []option) (option, bool) {
	for _, o := range opts {
		if o.short == c && c != 0 {
			return o, true
		}
	}
	return option{}, false
}
