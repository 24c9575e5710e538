package redirect

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// certLifetime is how long a self-signed certificate is valid. A new one is
// made at every start, so a year is only an upper bound for a server that
// never restarts; browsers do not check it for a certificate the user
// accepts by its key anyway.
const certLifetime = 365 * 24 * time.Hour

// SelfSigned returns a new ECDSA P-256 certificate for localhost, 127.0.0.1
// and ::1, valid from an hour ago (tolerating clock skew) for a year, and
// its public key for the user to compare with what the browser shows. The
// key is shown as the original pizauth and browsers' certificate viewers
// show it: the raw key (for P-256 the 65-byte uncompressed point, starting
// with 04) in upper-case hex bytes separated by colons, e.g. "04:1F:...".
func SelfSigned() (cert tls.Certificate, pubKeyHex string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("generate serial number: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("parse certificate: %w", err)
	}
	pub, err := PublicKeyHex(leaf.PublicKey)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	cert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	return cert, pub, nil
}

// PublicKeyHex formats an ECDSA public key the way SelfSigned reports it:
// the uncompressed point in upper-case hex bytes separated by colons.
func PublicKeyHex(pub crypto.PublicKey) (string, error) {
	key, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return "", fmt.Errorf("public key: got %T, want ECDSA", pub)
	}
	raw, err := key.Bytes()
	if err != nil {
		return "", fmt.Errorf("public key: %w", err)
	}
	return colonHex(raw), nil
}

// colonHex formats b as upper-case hex bytes separated by colons.
func colonHex(b []byte) string {
	parts := make([]string, len(b))
	for i := range b {
		parts[i] = strings.ToUpper(hex.EncodeToString(b[i : i+1]))
	}
	return strings.Join(parts, ":")
}
