// Package getopt parses pizauth's command lines as the original pizauth's
// getopts does (POSIX short options, GNU long options, operands anywhere),
// in a few lines and without reflection: the client runs it on every
// pizauth show.
package getopt

import (
	"fmt"
	"strings"
)

// Option describes one command-line option of a subcommand.
type Option struct {
	Short byte   // 0 when the option has no short form
	Long  string // "" when the option has no long form
	// HasArg: the option needs an argument, attached (-cpath,
	// --config=path) or the next argument (-c path, --config path).
	HasArg bool
	// OptArg: the option's argument is optional. A long option takes it
	// only attached (--wait=10s); a short one attached (-cpath) or, when it
	// ends its group, from the next argument unless that looks like an
	// option (-c path). Without one, the option has no Value.
	OptArg bool
	// Multi: the option may be given more than once (-vvv); any other
	// option given twice is an error.
	Multi bool
}

// Args is a subcommand's command line after option parsing.
type Args struct {
	Count    map[string]int    // times each option was given, by canonical name
	Value    map[string]string // argument of each option given one
	Operands []string
}

// name is the canonical name of an option: its long form, else its short one.
func (o Option) name() string {
	if o.Long != "" {
		return o.Long
	}
	return string(o.Short)
}

// Parse parses args as getopts does: short options may be grouped (-vvv,
// -dc path), an option's argument may be attached (-cpath, --config=path),
// options and operands may come in any order, and "--" makes every
// following argument an operand. A long name of one letter stands for that
// short option (--c=path).
func Parse(args []string, opts []Option) (Args, error) {
	p := Args{Count: map[string]int{}, Value: map[string]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		var n int
		var err error
		switch {
		case a == "--":
			p.Operands = append(p.Operands, args[i+1:]...)
			return p, p.checkRepeats(opts)
		case strings.HasPrefix(a, "--"):
			n, err = p.long(a[2:], args[i+1:], opts)
		case len(a) > 1 && a[0] == '-':
			n, err = p.shorts(a[1:], args[i+1:], opts)
		default:
			p.Operands = append(p.Operands, a)
		}
		if err != nil {
			return p, err
		}
		i += n
	}
	return p, p.checkRepeats(opts)
}

// long parses one --name[=value]; it returns how many following arguments it
// consumed.
func (p *Args) long(a string, rest []string, opts []Option) (int, error) {
	name, val, hasVal := strings.Cut(a, "=")
	o, found := findLong(name, opts)
	if !found {
		return 0, fmt.Errorf("unknown option --%s", name)
	}
	p.Count[o.name()]++
	switch {
	case hasVal && !o.HasArg && !o.OptArg:
		return 0, fmt.Errorf("option --%s takes no argument", name)
	case hasVal:
		p.Value[o.name()] = val
	case o.HasArg && len(rest) == 0:
		return 0, fmt.Errorf("option --%s needs an argument", name)
	case o.HasArg:
		p.Value[o.name()] = rest[0]
		return 1, nil
	}
	return 0, nil
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
		switch {
		case !o.HasArg && !o.OptArg:
			continue
		case j+1 < len(group):
			p.Value[o.name()] = group[j+1:]
			return 0, nil
		case len(rest) > 0 && (o.HasArg || !looksLikeOption(rest[0])):
			p.Value[o.name()] = rest[0]
			return 1, nil
		case o.HasArg:
			return 0, fmt.Errorf("option -%c needs an argument", o.Short)
		}
	}
	return 0, nil
}

// checkRepeats fails when an option that is not Multi was given twice.
func (p *Args) checkRepeats(opts []Option) error {
	for _, o := range opts {
		if !o.Multi && p.Count[o.name()] > 1 {
			if o.Long != "" {
				return fmt.Errorf("option --%s given more than once", o.Long)
			}
			return fmt.Errorf("option -%c given more than once", o.Short)
		}
	}
	return nil
}

// looksLikeOption reports whether a is an option rather than a value an
// optional argument may take.
func looksLikeOption(a string) bool { return len(a) > 1 && a[0] == '-' }

func findLong(name string, opts []Option) (Option, bool) {
	if len(name) == 1 {
		return findShort(name[0], opts)
	}
	for _, o := range opts {
		if o.Long == name && name != "" {
			return o, true
		}
	}
	return Option{}, false
}

func findShort(c byte, opts []Option) (Option, bool) {
	for _, o := range opts {
		if o.Short == c && c != 0 {
			return o, true
		}
	}
	return Option{}, false
}
