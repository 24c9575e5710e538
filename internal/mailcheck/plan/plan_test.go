package plan

import (
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/getopt"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		proto Protocol
		in    string
		want  Target
		err   string
	}{
		{proto: IMAP, in: "imap.gmail.com", want: Target{IMAP, "imap.gmail.com", 993, ImplicitTLS}},
		{proto: IMAP, in: "outlook.office365.com:143", want: Target{IMAP, "outlook.office365.com", 143, StartTLS}},
		{proto: POP, in: "pop.gmail.com", want: Target{POP, "pop.gmail.com", 995, ImplicitTLS}},
		{proto: POP, in: "h:110", want: Target{POP, "h", 110, StartTLS}},
		{proto: SMTP, in: "smtp.gmail.com", want: Target{SMTP, "smtp.gmail.com", 465, ImplicitTLS}},
		{proto: SMTP, in: "smtp.office365.com:587", want: Target{SMTP, "smtp.office365.com", 587, StartTLS}},
		{proto: SMTP, in: "mx:25", want: Target{SMTP, "mx", 25, StartTLS}},
		{proto: SMTP, in: "127.0.0.1:2525", want: Target{SMTP, "127.0.0.1", 2525, ImplicitOrStartTLS}},
		{proto: IMAP, in: "h:993", want: Target{IMAP, "h", 993, ImplicitTLS}},
		{proto: IMAP, in: "h:587", want: Target{IMAP, "h", 587, ImplicitOrStartTLS}}, // SMTP's port
		{proto: IMAP, in: "[::1]:143", want: Target{IMAP, "::1", 143, StartTLS}},
		{proto: IMAP, in: "[::1]", want: Target{IMAP, "::1", 993, ImplicitTLS}},
		{proto: IMAP, in: "fe80::1%eth0", want: Target{IMAP, "fe80::1%eth0", 993, ImplicitTLS}},
		{proto: IMAP, in: "", err: `--imap "": no host`},
		{proto: IMAP, in: ":993", err: `--imap ":993": no host`},
		{proto: IMAP, in: "h:", err: `--imap "h:": the port must be a number from 1 to 65535`},
		{proto: IMAP, in: "h:0", err: "the port must be"},
		{proto: IMAP, in: "h:65536", err: "the port must be"},
		{proto: IMAP, in: "h:0993", err: "the port must be"},
		{proto: IMAP, in: "h:+993", err: "the port must be"},
		{proto: POP, in: "[::1", err: `--pop "[::1": missing ] after the IPv6 address`},
		{proto: POP, in: "[::1]x", err: "want [ADDRESS]:PORT"},
		{proto: SMTP, in: "me@smtp.example.com", err: "not a host name or address"},
		{proto: SMTP, in: "smtp://smtp.example.com", err: "the port must be"},
		{proto: SMTP, in: "a b", err: "not a host name or address"},
		{proto: SMTP, in: "a\nb", err: "not a host name or address"},
		{proto: SMTP, in: strings.Repeat("a", 254), err: "too long"},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.proto, tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseTarget(%s, %q) = %v, %v; want an error with %q", tt.proto, tt.in, got, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseTarget(%s, %q) = %v, %v; want %v", tt.proto, tt.in, got, err, tt.want)
		}
	}
}

func TestAddr(t *testing.T) {
	for _, tt := range []struct {
		t    Target
		want string
	}{
		{Target{Host: "h", Port: 1}, "h:1"},
		{Target{Host: "::1", Port: 143}, "[::1]:143"},
	} {
		if got := tt.t.Addr(); got != tt.want {
			t.Errorf("%v.Addr() = %q; want %q", tt.t, got, tt.want)
		}
	}
}

func TestFromArgs(t *testing.T) {
	args := func(v map[string]string) getopt.Args { return getopt.Args{Value: v, Operands: []string{"acct"}} }
	pl, err := FromArgs(args(map[string]string{"smtp": "s", "imap": "i", "user": "me@example.com", "ca-file": "ca.pem"}))
	if err != nil || len(pl.Targets) != 2 || pl.Targets[0].Protocol != IMAP || pl.Targets[1].Protocol != SMTP ||
		pl.User != "me@example.com" || pl.CAFile != "ca.pem" {
		t.Errorf("got %+v, %v", pl, err)
	}
	for _, tt := range []struct {
		v   map[string]string
		err string
	}{
		{map[string]string{"user": "me"}, "test needs at least one of --imap, --pop and --smtp HOST[:PORT]"},
		{map[string]string{"imap": "i"}, "test needs --user ADDRESS"},
		{map[string]string{"imap": "i", "user": ""}, "test needs --user ADDRESS"},
		{map[string]string{"imap": "i", "user": "me\x01"}, `--user "me\x01": control characters are not allowed`},
		{map[string]string{"imap": "i", "user": "me", "ca-file": ""}, "--ca-file needs a file name"},
		{map[string]string{"imap": "i:x", "user": "me"}, `--imap "i:x": the port must be a number from 1 to 65535`},
	} {
		if _, err := FromArgs(args(tt.v)); err == nil || !strings.HasPrefix(err.Error(), tt.err) {
			t.Errorf("FromArgs(%q): got %v; want %q", tt.v, err, tt.err)
		}
	}
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"imap.gmail.com", "h:143", "[::1]:993", "[::1", "a:b:c", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, proto := range Protocols {
			got, err := ParseTarget(proto, s)
			if err != nil {
				continue
			}
			if got.Host == "" || got.Port < 1 || got.Port > 65535 || strings.ContainsAny(got.Host, " /@[]\r\n\x00") {
				t.Fatalf("ParseTarget(%s, %q) = %+v", proto, s, got)
			}
			if again, err := ParseTarget(proto, got.Addr()); err != nil || again.Host != got.Host || again.Port != got.Port {
				t.Fatalf("%q: Addr %q parses as %+v, %v", s, got.Addr(), again, err)
			}
		}
	})
}
