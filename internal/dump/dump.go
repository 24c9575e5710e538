// Package dump is the binary format of `pizauth dump` and `pizauth restore`:
// every account's active token, with the digest of the account's
// security-relevant settings, sealed with a public key. The seal hides
// tokens from grep and strings and detects any change, but it is not
// encryption: users who keep dumps must encrypt them (e.g. with age).
package dump

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// A dump is magic, a version byte, a 12-byte nonce and the AES-256-GCM
// sealed payload, with magic and version as additional data. The key is
// fixed (see the package comment).
//
// Version 2 adds, after the tokens of version 1, each token's refresh
// token expiry and whether its warning ran. Encode writes version 1 when
// no token has them, so that older pizauths still read such dumps; Decode
// reads both.
const (
	magic    = "PIZAUTHGO-DUMP"
	version1 = 1
	version  = 2 // the newest this package reads
)

// key is public by design (see the package comment).
var key = []byte("pizauth-go dump obfuscation key!")

// ErrDamaged is Decode's answer to anything that Encode did not write, or
// that was changed since.
var ErrDamaged = errors.New("not a pizauth dump, or a damaged one")

// Token is one account's token in a dump.
type Token struct {
	Name     string
	Digest   [32]byte // the account's config.Account.SecurityDigest
	Access   secret.String
	Refresh  secret.String
	Obtained time.Time
	Expiry   time.Time
	// Version 2: when the refresh token expires (zero: unknown) and
	// whether the user was warned of it.
	RefreshExpiry time.Time
	RefreshWarned bool
}

// Encode seals tokens into a dump.
func Encode(tokens []Token) ([]byte, error) {
	v := byte(version1)
	for _, t := range tokens {
		if !t.RefreshExpiry.IsZero() || t.RefreshWarned {
			v = version
		}
	}
	p := encodePayload(tokens)
	if v == version {
		p = appendExtras(p, tokens)
	}
	aead, err := newAEAD()
	if err != nil {
		return nil, err
	}
	header := append([]byte(magic), v)
	out := make([]byte, len(header)+aead.NonceSize(), len(header)+aead.NonceSize()+len(p)+aead.Overhead())
	copy(out, header)
	nonce := out[len(header):]
	rand.Read(nonce)
	return aead.Seal(out, nonce, p, header), nil
}

// Decode opens a dump, refusing anything that was not written by Encode of
// this version, byte for byte. It allocates a few times len(b) at most,
// whatever b claims.
func Decode(b []byte) ([]Token, error) { return DecodeFor(b, nil) }

// DecodeFor is Decode keeping only the first token of each account that
// wanted (when not nil) accepts: a restore needs no more, and memory then
// stays bounded by the accounts wanted, not by the hundreds of thousands of
// tokens a forged dump can hold. The whole dump is checked all the same.
func DecodeFor(b []byte, wanted func(name string) bool) ([]Token, error) {
	aead, err := newAEAD()
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, []byte(magic)) || len(b) < len(magic)+1 {
		return nil, ErrDamaged
	}
	v := b[len(magic)]
	if v != version1 && v != version {
		return nil, fmt.Errorf("dump format version %d is not supported (this pizauth reads versions %d to %d)", v, version1, version)
	}
	header := b[:len(magic)+1]
	rest := b[len(header):]
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrDamaged
	}
	p, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], header)
	if err != nil {
		return nil, ErrDamaged
	}
	return decodeVersion(p, v, wanted)
}

// DecodeNamed is DecodeFor keeping the tokens of the accounts called names:
// those a restore can apply.
func DecodeNamed(b []byte, names []string) ([]Token, error) {
	wanted := make(map[string]bool, len(names))
	for _, name := range names {
		wanted[name] = true
	}
	return DecodeFor(b, func(name string) bool { return wanted[name] })
}

// encodePayload is what Encode seals: the number of tokens, then each
// token's fields in order, strings prefixed by their length (uvarints),
// times as big-endian Unix nanoseconds.
func encodePayload(tokens []Token) []byte {
	var p []byte
	p = binary.AppendUvarint(p, uint64(len(tokens)))
	for _, t := range tokens {
		p = appendString(p, t.Name)
		p = append(p, t.Digest[:]...)
		p = appendString(p, t.Access.Reveal())
		p = appendString(p, t.Refresh.Reveal())
		p = binary.BigEndian.AppendUint64(p, uint64(t.Obtained.UnixNano()))
		p = binary.BigEndian.AppendUint64(p, uint64(t.Expiry.UnixNano()))
	}
	return p
}

// minToken is the size of the smallest token in a payload: empty name,
// access and refresh (one length byte each), the digest and two times.
const minToken = 3 + 32 + 8 + 8

// appendExtras appends version 2's fields of every token: the refresh
// token's expiry (big-endian Unix nanoseconds, 0 when unknown) and a flags
// byte (1: warned).
func appendExtras(p []byte, tokens []Token) []byte {
	for _, t := range tokens {
		var ns int64
		if !t.RefreshExpiry.IsZero() {
			ns = t.RefreshExpiry.UnixNano()
		}
		var flags byte
		if t.RefreshWarned {
			flags = 1
		}
		p = binary.BigEndian.AppendUint64(p, uint64(ns))
		p = append(p, flags)
	}
	return p
}

// decodeVersion reads a payload of version v, keeping the tokens that
// wanted accepts (see DecodeFor). A count that cannot fit in the payload is
// refused before anything is allocated for it, and the first short read
// ends the decoding, so that memory stays bounded by the payload's size.
// Strings are copied out of p only for the tokens kept.
func decodeVersion(p []byte, v byte, wanted func(name string) bool) ([]Token, error) {
	r := reader{b: p}
	n := r.uvarint()
	if r.err || n > uint64(len(r.b))/minToken {
		return nil, ErrDamaged
	}
	var tokens []Token
	var at []uint64 // the index in the dump of each token kept
	if wanted == nil {
		tokens, at = make([]Token, 0, n), make([]uint64, 0, n)
	}
	kept := make(map[string]bool)
	for i := uint64(0); i < n && !r.err; i++ {
		name := r.bytes(r.uvarint())
		digest := r.bytes(32)
		access, refresh := r.bytes(r.uvarint()), r.bytes(r.uvarint())
		obtained, expiry := r.uint64(), r.uint64()
		if r.err || wanted != nil && (kept[string(name)] || !wanted(string(name))) {
			continue
		}
		t := Token{Name: string(name), Access: secret.String(access), Refresh: secret.String(refresh),
			Obtained: time.Unix(0, int64(obtained)), Expiry: time.Unix(0, int64(expiry))}
		copy(t.Digest[:], digest)
		if wanted != nil {
			kept[t.Name] = true
		}
		tokens, at = append(tokens, t), append(at, i)
	}
	for i, j := uint64(0), 0; v >= version && i < n && !r.err; i++ {
		ns := int64(r.uint64())
		flags := r.bytes(1)
		if len(flags) == 1 && flags[0] > 1 {
			r.err = true
		}
		if j < len(at) && at[j] == i {
			if ns != 0 {
				tokens[j].RefreshExpiry = time.Unix(0, ns)
			}
			tokens[j].RefreshWarned = len(flags) == 1 && flags[0]&1 != 0
			j++
		}
	}
	if r.err || len(r.b) != 0 {
		return nil, ErrDamaged
	}
	return tokens, nil
}

func newAEAD() (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// reader reads a payload; after the first short read err is set and
// every further read returns zero values.
type reader struct {
	b   []byte
	err bool
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if r.err || n > uint64(len(r.b)) {
		r.err, r.b = true, nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) uint64() uint64 {
	b := r.bytes(8)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
