// Package secret provides a string type for credentials that redacts itself
// wherever it could be printed or logged by accident.
//
// Access tokens, refresh tokens, client secrets, authorisation codes and PKCE
// verifiers are held as secret.String. Formatting with any fmt verb, logging
// with log/slog, or marshalling as JSON or text yields "[redacted]". The only
// way to get the value out is the explicit Reveal method, so every place a
// secret leaves the process is greppable.
package secret

import (
	"fmt"
	"log/slog"
)

const redacted = "[redacted]"

// String is a string that must not reach logs, error messages or argv.
type String string

// Reveal returns the secret value. Call it only where the value must leave
// the process or reach a protocol peer.
func (s String) Reveal() string { return string(s) }

// IsZero reports whether the secret is empty.
func (s String) IsZero() bool { return s == "" }

// String implements fmt.Stringer.
func (s String) String() string { return redacted }

// GoString implements fmt.GoStringer so that %#v redacts too.
func (s String) GoString() string { return redacted }

// Format implements fmt.Formatter so that every verb (%s, %v, %q, %x, ...)
// redacts.
func (s String) Format(f fmt.State, _ rune) { fmt.Fprint(f, redacted) }

// LogValue implements slog.LogValuer.
func (s String) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText implements encoding.TextMarshaler, which encoding/json also uses.
func (s String) MarshalText() ([]byte, error) { return []byte(redacted), nil }
