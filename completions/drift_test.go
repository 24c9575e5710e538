package completions

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/cmdline"
	"github.com/pizauth-go/pizauth/internal/testtool"
)

// synopsis is what one document says of a command: its options and
// whether it takes an account.
type synopsis struct {
	options []string // sorted
	account bool
}

// helpCommand is `pizauth help`, which prints the usage and so has no line
// in it.
const helpCommand = "help"

// topLevel are the options pizauth takes instead of a command.
var topLevel = []string{"--help", "--version", "-V", "-h"}

// usageOmits are options the usage leaves out: info's -c, since its line
// is the original's, word for word.
var usageOmits = map[string][]string{"info": {"-c"}}

// fromTable is what the command table in the code says: each option by its
// short name if it has one; -v only for server, the one command it changes.
func fromTable() map[string]synopsis {
	out := map[string]synopsis{}
	for _, c := range cmdline.Commands {
		var s synopsis
		for _, o := range c.Options {
			if o.Short != 0 {
				s.options = append(s.options, "-"+string(o.Short))
			} else {
				s.options = append(s.options, "--"+o.Long)
			}
		}
		if c.Name == "server" {
			s.options = append(s.options, "-v")
		}
		slices.Sort(s.options)
		s.account = c.Operands == 1
		out[c.Name] = s
	}
	return out
}

// usageOption matches an option in a usage line: [-u], [-dv],
// [-c <config-path>], [--wait[=<duration>]], --user <address>.
var usageOption = regexp.MustCompile(`(?:\[| )(--?[a-z][a-z-]*)`)

// fromUsage parses the usage text.
func fromUsage(t *testing.T) map[string]synopsis {
	out := map[string]synopsis{}
	for _, line := range strings.Split(strings.TrimSuffix(cmdline.Usage("pizauth"), "\n"), "\n")[1:] {
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[0] != "pizauth" {
			t.Fatalf("usage line %q", line)
		}
		var s synopsis
		for _, m := range usageOption.FindAllStringSubmatch(line, -1) {
			if o := m[1]; !strings.HasPrefix(o, "--") && len(o) > 2 { // -dv
				for _, c := range o[1:] {
					s.options = append(s.options, "-"+string(c))
				}
			} else {
				s.options = append(s.options, o)
			}
		}
		slices.Sort(s.options)
		s.account = strings.Contains(line, " <account>")
		out[fields[1]] = s
	}
	return out
}

// manToken matches the words of pizauth(1)'s SYNOPSIS that matter: a
// command, an option, the account operand.
var manToken = regexp.MustCompile(`\b(Cm|Fl|Ar) (\S+)`)

// fromMan parses pizauth(1)'s SYNOPSIS: the commands, and the options given
// without one.
func fromMan(t *testing.T) (map[string]synopsis, []string) {
	b, err := os.ReadFile("../man/pizauth.1")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(b), "\n.Sh SYNOPSIS\n")
	sec, _, _ := strings.Cut(rest, "\n.Sh ")
	out := map[string]synopsis{}
	var top []string
	for _, entry := range strings.Split(sec, ".Nm\n")[1:] {
		cmd := ""
		var s synopsis
		for _, m := range manToken.FindAllStringSubmatch(entry, -1) {
			switch {
			case m[1] == "Cm":
				cmd = m[2]
			case m[1] == "Fl" && cmd == "":
				top = append(top, "-"+m[2])
			case m[1] == "Fl":
				s.options = append(s.options, "-"+m[2])
			case m[2] == "account":
				s.account = true
			}
		}
		if cmd != "" {
			slices.Sort(s.options)
			out[cmd] = s
		}
	}
	slices.Sort(top)
	return out, top
}

// TestUsageManAndCompletionsAgree compares the command table in the code
// (internal/cmdline) with the usage text, pizauth(1)'s SYNOPSIS and what
// each shell's completion offers: the same commands, and for each the same
// options and operand.
func TestUsageManAndCompletionsAgree(t *testing.T) {
	table := fromTable()
	names := []string{helpCommand}
	for name := range table {
		names = append(names, name)
	}
	slices.Sort(names)

	usage := fromUsage(t)
	for name, want := range table {
		want.options = slices.DeleteFunc(slices.Clone(want.options), func(o string) bool { return slices.Contains(usageOmits[name], o) })
		if got, ok := usage[name]; !ok || !slices.Equal(got.options, want.options) || got.account != want.account {
			t.Errorf("usage of %s: got %+v; the table says %+v", name, got, want)
		}
	}
	if len(usage) != len(table) {
		t.Errorf("the usage has %d commands; the table %d", len(usage), len(table))
	}

	man, manTop := fromMan(t)
	manNames := slices.Sorted(func(yield func(string) bool) {
		for name := range man {
			if !yield(name) {
				return
			}
		}
	})
	if !slices.Equal(manNames, names) {
		t.Errorf("pizauth(1) SYNOPSIS has commands %q; the table and help %q", manNames, names)
	}
	for name, want := range table {
		if got := man[name]; !slices.Equal(got.options, want.options) || got.account != want.account {
			t.Errorf("pizauth(1) SYNOPSIS of %s: got %+v; the table says %+v", name, got, want)
		}
	}
	if !slices.Equal(manTop, topLevel) {
		t.Errorf("pizauth(1) SYNOPSIS has options %q without a command; want %q", manTop, topLevel)
	}

	for _, sh := range shells {
		t.Run(sh.name, func(t *testing.T) {
			testtool.Require(t, sh.prog)
			cs := []completion{{"pizauth ", names}, {"pizauth -", topLevel}}
			for _, name := range names {
				cs = append(cs, completion{"pizauth " + name + " -", table[name].options})
			}
			check(t, sh, newEnv(t), cs)
		})
	}
}

// TestREADMECommandLine: the README's "Command line" block is the usage.
func TestREADMECommandLine(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n## Command line\n\n```\n")
	block, _, _ := strings.Cut(rest, "```\n")
	want := strings.ReplaceAll(strings.TrimPrefix(cmdline.Usage("pizauth"), "Usage:\n"), "  pizauth ", "pizauth ")
	if !ok || block != want {
		t.Errorf("README's Command line block:\n%s\nwant the usage:\n%s", block, want)
	}
}
