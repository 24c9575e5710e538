package config

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
)

// digestDomain separates security digests from any other SHA-256 use and
// versions the encoding: change it whenever the encoding changes.
const digestDomain = "pizauth-go config.Account security digest v1"

// SecurityDigest is a SHA-256 over an unambiguous (length-prefixed) encoding of the
// security-relevant settings: name, auth_uri, auth_uri_fields, client_id, client_secret,
// redirect_uri, scopes, token_uri. Reload keeps a token only if the digest is unchanged;
// dump/restore stores it instead of the settings themselves.
//
// The encoding starts with a domain-separation and version string; every
// string is preceded by its length and every list by its number of items,
// as 8-byte big-endian integers. The refresh timings are not included:
// changing them does not make a token less trustworthy.
//
// Options beyond the original (auth_flow when not "code", device_auth_uri,
// revoke_uri, issuer) follow as name/value string pairs, each only when set, so an
// account without them keeps the digest it always had (and its dumps stay
// restorable) while any of them set or changed gives a different digest.
func (a *Account) SecurityDigest() [32]byte {
	d := digester{h: sha256.New()}
	d.string(digestDomain)
	d.string(a.Name)
	d.string(a.AuthURI)
	d.count(len(a.AuthURIFields))
	for _, f := range a.AuthURIFields {
		d.string(f.Key)
		d.string(f.Value)
	}
	d.string(a.ClientID)
	d.string(a.ClientSecret.Reveal())
	d.string(a.RedirectURI)
	d.count(len(a.Scopes))
	for _, s := range a.Scopes {
		d.string(s)
	}
	d.string(a.TokenURI)
	d.optional("auth_flow", a.AuthFlow, FlowCode)
	d.optional("device_auth_uri", a.DeviceAuthURI, "")
	d.optional("revoke_uri", a.RevokeURI, "")
	d.optional("issuer", a.Issuer, "")
	var sum [32]byte
	d.h.Sum(sum[:0])
	return sum
}

// SameSecurity reports whether a and b agree on every security-relevant
// setting, that is whether their security digests are equal. Two nil
// accounts are the same; a nil and a non-nil one are not.
func (a *Account) SameSecurity(b *Account) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.SecurityDigest() == b.SecurityDigest()
}

// digester writes the length-prefixed encoding to a hash.
type digester struct {
	h   hash.Hash
	buf [8]byte
}

func (d *digester) count(n int) {
	binary.BigEndian.PutUint64(d.buf[:], uint64(n))
	d.h.Write(d.buf[:])
}

// optional writes name and value unless value is the default, def.
func (d *digester) optional(name, value, def string) {
	if value == def || value == "" {
		return
	}
	d.string(name)
	d.string(value)
}

func (d *digester) string(s string) {
	d.count(len(s))
	d.h.Write([]byte(s))
}
