package redirect

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startTLS serves h over HTTPS with a new self-signed certificate and
// returns the listener and the certificate's public key.
func startTLS(t *testing.T, h Handler, setup ...func(*http.Server)) (*Listener, string) {
	t.Helper()
	cert, pub, err := SelfSigned()
	if err != nil {
		t.Fatalf("SelfSigned() error: %v", err)
	}
	l, err := Listen("127.0.0.1:0", &cert)
	if err != nil {
		t.Fatalf("Listen() error: %v", err)
	}
	for _, f := range setup {
		f(l.srv)
	}
	serve(t, l, h)
	return l, pub
}

// pinned is a client configuration that trusts no CA but accepts the peer
// whose certificate carries the public key pub (as SelfSigned formats it).
func pinned(pub string) *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: true, // replaced by VerifyConnection's key check
		VerifyConnection: func(cs tls.ConnectionState) error {
			got, err := PublicKeyHex(cs.PeerCertificates[0].PublicKey)
			if err != nil {
				return err
			}
			if got != pub {
				return errors.New("public key mismatch")
			}
			return nil
		},
	}
}

// tlsGet sends a GET for target over TLS, pinning pub.
func tlsGet(t *testing.T, l *Listener, pub, target string) response {
	t.Helper()
	d := tls.Dialer{Config: pinned(pub)}
	c, err := d.DialContext(t.Context(), "tcp", l.addr())
	if err != nil {
		t.Fatalf("TLS dial: %v", err)
	}
	defer c.Close()
	r, err := exchange(t, c, "GET", request("GET", target))
	if err != nil {
		t.Fatalf("%q: %v", target, err)
	}
	return r
}

func TestSelfSigned(t *testing.T) {
	cert, pub, err := SelfSigned()
	if err != nil {
		t.Fatalf("SelfSigned() error: %v", err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if err := leaf.VerifyHostname("localhost"); err != nil {
		t.Errorf("localhost: %v", err)
	}
	for _, ip := range []string{"127.0.0.1", "::1"} {
		if err := leaf.VerifyHostname(ip); err != nil {
			t.Errorf("%s: %v", ip, err)
		}
	}
	key, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		t.Errorf("got key %T; want ECDSA P-256", leaf.PublicKey)
	}
	if bits := leaf.SerialNumber.BitLen(); leaf.SerialNumber.Sign() <= 0 || bits > 128 {
		t.Errorf("got serial number of %d bits; want positive, at most 128", bits)
	}
	now := time.Now()
	if leaf.NotBefore.After(now.Add(-59*time.Minute)) || leaf.NotAfter.Before(now.Add(364*24*time.Hour)) {
		t.Errorf("got validity %v to %v; want from an hour ago for a year", leaf.NotBefore, leaf.NotAfter)
	}
	if leaf.KeyUsage != x509.KeyUsageDigitalSignature ||
		len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Errorf("got key usage %v, %v; want digital signature, server auth", leaf.KeyUsage, leaf.ExtKeyUsage)
	}
	// The raw uncompressed point (04, X, Y), as browsers' certificate
	// viewers and the original pizauth show it; not the DER SPKI.
	if !regexp.MustCompile(`^04(:[0-9A-F]{2}){64}$`).MatchString(pub) {
		t.Errorf("got public key %q; want the 65-byte P-256 point in colon-separated upper-case hex", pub)
	}
	if ok {
		point, err := key.Bytes() // the uncompressed point
		if err != nil {
			t.Fatal(err)
		}
		if want := hexBytes(point); pub != want {
			t.Errorf("got public key %q; want the certificate's %q", pub, want)
		}
	}
	if _, pub2, _ := SelfSigned(); pub2 == pub {
		t.Errorf("two certificates share the key %q", pub)
	}
}

// hexBytes formats b as %02X bytes joined by colons, independently of
// colonHex.
func hexBytes(b []byte) string {
	s := make([]string, len(b))
	for i, c := range b {
		s[i] = fmt.Sprintf("%02X", c)
	}
	return strings.Join(s, ":")
}

func TestPublicKeyHexRefusesOtherKeys(t *testing.T) {
	if _, err := PublicKeyHex("not a key"); err == nil {
		t.Error("PublicKeyHex(string) succeeded; want an error")
	}
}

func TestColonHex(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
	}{
		{nil, ""},
		{[]byte{0x0a}, "0A"},
		{[]byte{0x30, 0x59, 0xff}, "30:59:FF"},
		{[]byte{0x04, 0xab, 0x0c}, "04:AB:0C"},
	}
	for _, tt := range tests {
		if got := colonHex(tt.in); got != tt.want {
			t.Errorf("colonHex(%x) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestHTTPS(t *testing.T) {
	rec := &recorder{}
	l, pub := startTLS(t, rec.handle)
	r := tlsGet(t, l, pub, "/tls?state=s&code=c")
	if r.status != 200 {
		t.Errorf("got status %d; want 200", r.status)
	}
	checkHeaders(t, r.header)
	checkCalls(t, rec.calls(), &Callback{TLS: true, Path: "/tls", State: "s", Code: "c"})

	_, other, _ := SelfSigned()
	if c, err := tls.Dial("tcp", l.addr(), pinned(other)); err == nil {
		c.Close()
		t.Errorf("client pinning another key connected; want refused")
	}
	old := pinned(pub)
	old.MaxVersion = tls.VersionTLS11
	if c, err := tls.Dial("tcp", l.addr(), old); err == nil {
		c.Close()
		t.Errorf("TLS 1.1 client connected; want refused")
	}
}

// TestHTTPSJunkAndSilentClients checks that clients that do not complete a
// TLS handshake neither block a genuine request nor stay connected past the
// handshake deadline.
func TestHTTPSJunkAndSilentClients(t *testing.T) {
	l, pub := startTLS(t, (&recorder{}).handle, func(s *http.Server) {
		s.ReadHeaderTimeout = time.Second // the handshake deadline
	})
	clients := map[string][]byte{
		"silent":     nil,
		"garbage":    bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 64),
		"bad record": []byte("\x16\x03\x01\x00\x05hello"),
		"plain HTTP": []byte(request("GET", "/?state=s")),
	}
	conns := map[string]net.Conn{}
	for name, junk := range clients {
		c, err := net.Dial("tcp", l.addr())
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.Close()
		if _, err := c.Write(junk); err != nil {
			t.Fatalf("%s: write: %v", name, err)
		}
		conns[name] = c
	}
	if r := tlsGet(t, l, pub, "/?state=s"); r.status != 200 {
		t.Errorf("got status %d; want 200", r.status)
	}
	for name, c := range conns {
		c.SetReadDeadline(time.Now().Add(guard))
		if _, err := io.Copy(io.Discard, c); isTimeout(err) {
			t.Errorf("%s client still connected; want closed by the server", name)
		}
	}
}
