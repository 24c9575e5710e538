package config

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// manOption matches an option's entry in pizauth.conf(5): ".It Ic name No =
// Ar kind ;".
var manOption = regexp.MustCompile(`(?m)^\.It Ic ([a-z_]+) No = Ar ([A-Za-z ]+?) ;$`)

// manKinds are the words pizauth.conf(5) uses for each kind of value.
var manKinds = map[string]kind{
	"string": kString, "URI": kURI, "time": kTime, "listen address": kListen, "list": kList, "fields": kFields,
}

// TestManPageOptions compares the options the parser knows, and the kind
// of their values, with those pizauth.conf(5) documents: the global ones
// under GLOBAL OPTIONS, the account ones under ACCOUNTS.
func TestManPageOptions(t *testing.T) {
	b, err := os.ReadFile("../../man/pizauth.conf.5")
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, sec := range []struct {
		name string
		opts []option
	}{
		{"GLOBAL OPTIONS", globalOptions[:]},
		{"ACCOUNTS", accountOptions[:]},
	} {
		documented := map[string]string{}
		for _, m := range manOption.FindAllStringSubmatch(manSection(t, page, sec.name), -1) {
			documented[m[1]] = m[2]
		}
		var code []string
		for _, o := range sec.opts {
			code = append(code, o.name)
			doc, ok := documented[o.name]
			switch {
			case !ok:
				t.Errorf("%s: option %s is not documented in pizauth.conf(5)", sec.name, o.name)
			case manKinds[doc] != o.kind || doc == "":
				t.Errorf("%s: pizauth.conf(5) says %s takes %q; the parser wants %s", sec.name, o.name, doc, o.kind.need())
			}
		}
		for name := range documented {
			if !slices.Contains(code, name) {
				t.Errorf("%s: pizauth.conf(5) documents %s, which the parser does not know", sec.name, name)
			}
		}
	}
}

// manSection returns the text of the section called name.
func manSection(t *testing.T, page, name string) string {
	t.Helper()
	_, after, ok := strings.Cut(page, "\n.Sh "+name+"\n")
	if !ok {
		t.Fatalf("no section %s", name)
	}
	sec, _, _ := strings.Cut(after, "\n.Sh ")
	return sec
}
