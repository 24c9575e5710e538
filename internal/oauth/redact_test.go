package oauth

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// lowerHex is s percent-encoded as a form is, with lower-case hex digits.
func lowerHex(s string) string {
	e := url.QueryEscape(s)
	var b strings.Builder
	for i := 0; i < len(e); i++ {
		if e[i] == '%' {
			b.WriteString(strings.ToLower(e[i : i+3]))
			i += 2
			continue
		}
		b.WriteByte(e[i])
	}
	return b.String()
}

// TestRedactEncodings has a provider echo a secret in error_description
// the ways a server may write what it got: each copy must go, whatever
// the encoding.
func TestRedactEncodings(t *testing.T) {
	// Google's refresh tokens start with "1//"; client secrets may hold
	// anything, spaces included.
	secrets := []string{"1//0gRefresh-Tok_en.x~y", "Cl1ent Secret+/=!@&<x>"}
	for _, sec := range secrets {
		encodings := map[string]string{
			"raw":                  sec,
			"form":                 url.QueryEscape(sec),
			"path":                 url.PathEscape(sec),
			"lower-case hex":       lowerHex(sec),
			"json slashes":         strings.ReplaceAll(sec, "/", `\/`),
			"html":                 strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(sec),
			"base64":               base64.StdEncoding.EncodeToString([]byte(sec)),
			"base64url":            base64.RawURLEncoding.EncodeToString([]byte(sec)),
			"hex":                  hex.EncodeToString([]byte(sec)),
			"split by a line feed": sec[:6] + "\n" + sec[6:],
			"split by CR LF":       sec[:6] + "\r\n" + sec[6:],
			"zero-width space":     sec[:6] + "\u200b" + sec[6:],
			"tab for space":        strings.ReplaceAll(sec, " ", "\t"),
			"two spaces for one":   strings.ReplaceAll(sec, " ", "  "),
		}
		var all strings.Builder
		for _, b := range []byte(sec) {
			fmt.Fprintf(&all, "%%%02x", b)
		}
		encodings["every byte escaped"] = all.String()
		for name, enc := range encodings {
			got := describeError("invalid_grant", "bad value "+enc+" end", "", []secret.String{secret.String(sec)})
			if want := "invalid_grant: bad value [redacted] end"; got != want {
				t.Errorf("%q %s:\ngot  %s\nwant %s", sec, name, got, want)
			}
		}
	}
}

// TestRedactKeepsOtherText: text that holds no secret is left alone,
// percent escapes and all.
func TestRedactKeepsOtherText(t *testing.T) {
	sent := []secret.String{"s3cr3t-value", "", "another-one"}
	for _, text := range []string{
		"AADSTS70008: The refresh token has expired due to inactivity.",
		"see https://idp.example/err?x=a%20b+c&d=%zz%",
		"",
	} {
		if got := redact(text, sent); got != text {
			t.Errorf("redact(%q) = %q; want it unchanged", text, got)
		}
	}
}

// TestRedactCopies: every copy goes, overlapping ones too, and a text made
// of copies of a repetitive secret (a provider chooses its refresh tokens)
// costs no more than a few scans of it.
func TestRedactCopies(t *testing.T) {
	tests := []struct{ secret, text, want string }{
		{"XYZXYZ", "a XYZXYZXYZ b", "a [redacted] b"},
		{"abc", "abc abc %61bc", "[redacted] [redacted] [redacted]"},
		{"abc", "x abc y abc z", "x [redacted] y [redacted] z"},
		{strings.Repeat("a", 2000), strings.Repeat("a", 1<<20) + " tail", "[redacted]"},
	}
	for _, tt := range tests {
		if got := redact(tt.text, []secret.String{secret.String(tt.secret)}); got != tt.want {
			t.Errorf("redact(%.20q..., %.10q...) = %.60q; want %q", tt.text, tt.secret, got, tt.want)
		}
	}
}

// TestNoSecretInErrorsEncoded: an endpoint that echoes the secrets it got,
// re-encoded, in its error_description; the message and status -j's last
// error must not quote them.
func TestNoSecretInErrorsEncoded(t *testing.T) {
	const canary = "CANARY /7f3a+="
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		var echo []string
		for _, k := range []string{"client_secret", "refresh_token", "code", "code_verifier"} {
			v := r.PostForm.Get(k)
			if len(v) < 5 {
				continue
			}
			echo = append(echo, k+"="+url.PathEscape(v), k+"="+lowerHex(v), k+"="+v[:5]+"\n"+v[5:])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":"invalid_grant","error_description":%q}`, strings.Join(echo, " "))
	}))
	t.Cleanup(srv.Close)
	p := Params{TokenURI: srv.URL, ClientID: "cid", RedirectURI: "http://localhost/", ClientSecret: canary + "s"}
	_, rerr := new(Client).Refresh(t.Context(), p, canary+"r")
	_, xerr := new(Client).Exchange(t.Context(), p, canary+"c", secret.String(canary+"v"))
	for _, err := range []error{rerr, xerr} {
		if err == nil {
			t.Fatal("got no error")
		}
		if strings.Contains(strings.ToUpper(err.Error()), "CANARY") || strings.Contains(err.Error(), "7f3a") {
			t.Errorf("error %q reveals a secret", err)
		}
	}
}

// FuzzRedact: redact never panics, and what it leaves holds no copy of
// the secret, as sent or form-encoded, unless "[redacted]" itself makes
// one up with its neighbours.
func FuzzRedact(f *testing.F) {
	f.Add("bad value 1%2F%2f0gx end", "1//0gx")
	f.Add("a XYZXYZXYZ b %", "XYZXYZ")
	f.Add("%%%2", "%")
	f.Fuzz(func(t *testing.T, text, sec string) {
		got := redact(text, []secret.String{secret.String(sec)})
		if secret.Canonicalize(sec) == "" || strings.ContainsAny(sec, "[redacted]") {
			return
		}
		for _, form := range []string{sec, url.QueryEscape(sec)} {
			if strings.Contains(got, form) {
				t.Errorf("redact(%q, %q) = %q: still holds %q", text, sec, got, form)
			}
		}
	})
}
