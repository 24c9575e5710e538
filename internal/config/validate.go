package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkEncoding refuses a source that is not UTF-8 text.
func (p *parser) checkEncoding() *Error {
	nul := bytes.IndexByte(p.src, 0)
	if !utf8.Valid(p.src) {
		for i := 0; i < len(p.src) && (nul < 0 || i < nul); {
			r, size := utf8.DecodeRune(p.src[i:])
			if r == utf8.RuneError && size == 1 {
				return p.errorf(i, "invalid UTF-8: the configuration must be UTF-8 text")
			}
			i += size
		}
	}
	if nul >= 0 {
		return p.errorf(nul, "NUL byte: the configuration must be text")
	}
	return nil
}

// checkName explains what is wrong with an account name, or returns "".
// Names are typed on the command line and travel in the socket protocol.
func checkName(name string) string {
	if name == "" {
		return "account name must not be empty"
	}
	for _, r := range name {
		if r >= 0x20 && r < 0x7f {
			continue // printable ASCII, the usual case
		}
		if unicode.In(r, unicode.Cc, unicode.Zl, unicode.Zp) {
			return fmt.Sprintf("account name %q contains a control character: use a name you can type on the command line", clip(name))
		}
	}
	first, _ := utf8.DecodeRuneInString(name)
	last, _ := utf8.DecodeLastRuneInString(name)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return fmt.Sprintf("account name %q has leading or trailing whitespace: remove it", clip(name))
	}
	return ""
}

// checkURI explains what is wrong with the URI of option opt, or returns "".
// at is the byte offset in uri of the problem, or -1.
func checkURI(opt, uri string) (msg string, at int) {
	if i := strings.IndexByte(uri, '#'); i >= 0 {
		return fmt.Sprintf("%s must not have a #fragment: remove %q", opt, clip(uri[i:])), i
	}
	u, err := url.Parse(uri)
	if err != nil {
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Sprintf("%s %q is not a valid URI: %v", opt, clip(uri), err), -1
	}
	switch {
	case u.Scheme == "":
		return fmt.Sprintf("%s %q is not an absolute URI: it must start with https:// or http://", opt, clip(uri)), -1
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("%s %q must be an http or https URI, not %q", opt, clip(uri), clip(u.Scheme)), 0
	case u.Hostname() == "":
		return fmt.Sprintf("%s %q has no host: write it as %s://host/path", opt, clip(uri), u.Scheme), -1
	}
	return "", -1
}

// checkListen explains what is wrong with the listen address of option opt,
// or returns "".
func checkListen(opt, addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		if ae := (*net.AddrError)(nil); errors.As(err, &ae) {
			err = errors.New(ae.Err)
		}
		return fmt.Sprintf(`%s %q is not host:port (e.g. "127.0.0.1:0" or "[::1]:8080"): %v`, opt, clip(addr), err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Sprintf("%s %q has an invalid port %q: want a number from 0 to 65535 (0 picks a free port)", opt, clip(addr), clip(port))
	}
	return ""
}

// finish checks what needs the whole file, fills in the accounts'
// effective durations and sorts them.
func (p *parser) finish() *Error {
	c := p.cfg
	if len(p.accounts) == 0 {
		return p.errorf(len(p.src), `no accounts: add at least one account "name" { ... } block`)
	}
	if err := p.checkPersist(); err != nil {
		return err
	}
	c.Accounts = make([]*Account, len(p.accounts))
	for i, m := range p.accounts {
		if err := p.checkRedirect(m); err != nil {
			return err
		}
		inherit(&m.acc.RefreshAtLeast, m.own[0], c.RefreshAtLeast)
		inherit(&m.acc.RefreshBeforeExpiry, m.own[1], c.RefreshBeforeExpiry)
		inherit(&m.acc.RefreshRetry, m.own[2], c.RefreshRetry)
		inherit(&m.acc.RefreshTokenWarn, m.own[3], c.RefreshTokenWarn)
		c.Accounts[i] = m.acc
	}
	slices.SortFunc(c.Accounts, func(a, b *Account) int { return strings.Compare(a.Name, b.Name) })
	return nil
}

func inherit[T any](v *T, own bool, global T) {
	if !own {
		*v = global
	}
}

// checkRedirect refuses an account whose redirect URI needs a listener that
// is none, unless both are: then every login is finished by pasting the
// address the browser was sent to (`pizauth complete`). Device-flow
// accounts receive no redirects.
func (p *parser) checkRedirect(m accountMeta) *Error {
	if m.acc.AuthFlow == FlowDevice || p.cfg.NoListener() {
		return nil
	}
	scheme, opt, listen, other := "http", "http_listen", p.cfg.HTTPListen, "https"
	if len(m.acc.RedirectURI) >= 6 && strings.EqualFold(m.acc.RedirectURI[:6], "https:") {
		scheme, opt, listen, other = "https", "https_listen", p.cfg.HTTPSListen, "http"
	}
	switch {
	case listen != "":
		return nil
	case m.redirectPos < 0:
		return p.errorf(m.namePos, "account %q uses the default redirect_uri %q but %s is none: set %s, or give the account an %s redirect_uri",
			clip(m.acc.Name), defaultRedirectURI, opt, opt, other)
	}
	return p.errorf(m.redirectPos, "account %q has an %s redirect_uri but %s is none: set %s, or use an %s redirect_uri",
		clip(m.acc.Name), scheme, opt, opt, other)
}
