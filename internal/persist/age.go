package persist

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"

	"github.com/pizauth-go/pizauth/internal/config"
)

// CheckRecipients checks cfg's persist_recipients, which config.Parse
// leaves to this package: each must be an age recipient, and all must be
// usable together. The error is a *config.Error at the offending place.
func CheckRecipients(cfg *config.Config) error {
	recs := make([]age.Recipient, len(cfg.PersistRecipients))
	for i, r := range cfg.PersistRecipients {
		rec, err := parseRecipient(r)
		if err != nil {
			return cfg.PersistRecipientPlaces[i].Errorf("persist_recipients: %q is not an age recipient (want \"age1...\", as printed by age-keygen -y): %v", config.Clip(r), err)
		}
		recs[i] = rec
	}
	if len(recs) == 0 {
		return nil
	}
	if _, err := age.Encrypt(io.Discard, recs...); err != nil {
		return cfg.PersistRecipientsPlace.Errorf("persist_recipients cannot be used together: %v", err)
	}
	return nil
}

// parseRecipient parses one age recipient, as persist_recipients holds
// them: an X25519 ("age1...") or a post-quantum hybrid ("age1pq1...")
// recipient.
func parseRecipient(s string) (age.Recipient, error) {
	switch {
	case strings.HasPrefix(s, "age1pq1"):
		return age.ParseHybridRecipient(s)
	case strings.HasPrefix(s, "age1"):
		return age.ParseX25519Recipient(s)
	}
	return nil, errors.New("unknown recipient type")
}

// Seal encrypts data with age to recipients (as persist_recipients holds
// them).
func Seal(data []byte, recipients []string) ([]byte, error) {
	recs := make([]age.Recipient, len(recipients))
	for i, r := range recipients {
		rec, err := parseRecipient(r)
		if err != nil {
			return nil, fmt.Errorf("persist_recipients %q: %w", r, err)
		}
		recs[i] = rec
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recs...)
	if err != nil {
		return nil, fmt.Errorf("age: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("age: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("age: %w", err)
	}
	return buf.Bytes(), nil
}

// ageHeader starts every file that Seal makes.
const ageHeader = "age-encryption.org/v1\n"

// Sealed reports whether data can be a file that Seal made, or is empty
// (nothing is lost by replacing it).
func Sealed(data []byte) bool {
	return len(data) == 0 || bytes.HasPrefix(data, []byte(ageHeader))
}

// Open decrypts what Seal made with the identities in identityText (as
// persist_identity_cmd prints them), reading at most MaxFile bytes.
func Open(sealed, identityText []byte) ([]byte, error) {
	ids, err := age.ParseIdentities(bytes.NewReader(identityText))
	if err != nil {
		return nil, fmt.Errorf("persist_identity_cmd did not print an age identity: %w", err)
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), ids...)
	if err != nil {
		return nil, fmt.Errorf("decrypting: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFile+1))
	if err != nil {
		return nil, fmt.Errorf("decrypting: %w", err)
	}
	if len(data) > MaxFile {
		return nil, fmt.Errorf("decrypted state larger than %d bytes", MaxFile)
	}
	return data, nil
}
