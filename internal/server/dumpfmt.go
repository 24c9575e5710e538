package server

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
// fixed: this hides tokens from grep and strings and detects any change to
// the dump, but it is not encryption. Users who keep dumps must encrypt them
// (e.g. with age).
const (
	dumpMagic   = "PIZAUTHGO-DUMP"
	dumpVersion = 1
)

// dumpKey is public by design (see above).
var dumpKey = []byte("pizauth-go dump obfuscation key!")

var errBadDump = errors.New("not a pizauth dump, or a damaged one")

// dumpedToken is one account's token in a dump.
type dumpedToken struct {
	name     string
	digest   [32]byte // the account's config.Account.SecurityDigest
	access   secret.String
	refresh  secret.String
	obtained time.Time
	expiry   time.Time
}

// encodeDump seals tokens into a dump.
func encodeDump(tokens []dumpedToken) ([]byte, error) {
	var p []byte
	p = binary.AppendUvarint(p, uint64(len(tokens)))
	for _, t := range tokens {
		p = appendString(p, t.name)
		p = append(p, t.digest[:]...)
		p = appendString(p, t.access.Reveal())
		p = appendString(p, t.refresh.Reveal())
		p = binary.BigEndian.AppendUint64(p, uint64(t.obtained.UnixNano()))
		p = binary.BigEndian.AppendUint64(p, uint64(t.expiry.UnixNano()))
	}
	aead, err := dumpAEAD()
	if err != nil {
		return nil, err
	}
	header := append([]byte(dumpMagic), dumpVersion)
	out := make([]byte, len(header)+aead.NonceSize(), len(header)+aead.NonceSize()+len(p)+aead.Overhead())
	copy(out, header)
	nonce := out[len(header):]
	rand.Read(nonce)
	return aead.Seal(out, nonce, p, header), nil
}

// decodeDump opens a dump, refusing anything that was not written by
// encodeDump of this version, byte for byte.
func decodeDump(b []byte) ([]dumpedToken, error) {
	aead, err := dumpAEAD()
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, []byte(dumpMagic)) || len(b) < len(dumpMagic)+1 {
		return nil, errBadDump
	}
	if v := b[len(dumpMagic)]; v != dumpVersion {
		return nil, fmt.Errorf("dump format version %d is not supported (this pizauth reads version %d)", v, dumpVersion)
	}
	header := b[:len(dumpMagic)+1]
	rest := b[len(header):]
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, errBadDump
	}
	p, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], header)
	if err != nil {
		return nil, errBadDump
	}
	return decodePayload(p)
}

// minDumpedToken is the size of the smallest token in a payload: empty
// name, access and refresh (one length byte each), the digest and two
// times.
const minDumpedToken = 3 + 32 + 8 + 8

// decodePayload reads the tokens of an opened dump. A count that cannot fit
// in the payload is refused before anything is allocated for it, and the
// first short read ends the decoding, so that memory stays bounded by the
// payload's size.
func decodePayload(p []byte) ([]dumpedToken, error) {
	r := dumpReader{b: p}
	n := r.uvarint()
	if r.err || n > uint64(len(r.b))/minDumpedToken {
		return nil, errBadDump
	}
	tokens := make([]dumpedToken, 0, n)
	for ; n > 0 && !r.err; n-- {
		var t dumpedToken
		t.name = r.string()
		copy(t.digest[:], r.bytes(32))
		t.access = secret.String(r.string())
		t.refresh = secret.String(r.string())
		t.obtained = time.Unix(0, int64(r.uint64()))
		t.expiry = time.Unix(0, int64(r.uint64()))
		tokens = append(tokens, t)
	}
	if r.err || len(r.b) != 0 {
		return nil, errBadDump
	}
	return tokens, nil
}

func dumpAEAD() (cipher.AEAD, error) {
	block, err := aes.NewCipher(dumpKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// dumpReader reads a payload; after the first short read err is set and
// every further read returns zero values.
type dumpReader struct {
	b   []byte
	err bool
}

func (r *dumpReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *dumpReader) bytes(n uint64) []byte {
	if r.err || n > uint64(len(r.b)) {
		r.err, r.b = true, nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *dumpReader) string() string { return string(r.bytes(r.uvarint())) }

func (r *dumpReader) uint64() uint64 {
	b := r.bytes(8)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
