package testidp

import (
	"encoding/base64"
	"net/url"
	"strings"
)

// secretFields are the form fields of a request that carry secrets.
var secretFields = []string{"client_secret", "code", "code_verifier", "refresh_token", "device_code", "token"}

// EchoSecrets is an error_description that repeats every secret in form:
// as sent, percent-encoded the ways servers write it (upper- and
// lower-case hex, %20 or + for a space), cut by a line break, with JSON's
// \/ for /, and in base64.
func EchoSecrets(form url.Values) string {
	var parts []string
	for _, k := range secretFields {
		for _, v := range form[k] {
			parts = append(parts, k+": "+v, url.QueryEscape(v), url.PathEscape(v),
				lowerHex(url.QueryEscape(v)), v[:len(v)/2]+"\r\n"+v[len(v)/2:],
				strings.ReplaceAll(v, "/", `\/`), base64.StdEncoding.EncodeToString([]byte(v)))
		}
	}
	return "debug: " + strings.Join(parts, "; ")
}

// lowerHex is the percent-encoded s with lower-case hex digits.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lower(b[i+1]), lower(b[i+2])
		}
	}
	return string(b)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}
