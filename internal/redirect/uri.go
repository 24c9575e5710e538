package redirect

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// URI returns the redirect URI to send to the provider: configured, a
// redirect_uri from the configuration, with its port replaced by port, the
// listener's (0: no listener, the configured port is kept), and normalised the way the original pizauth's URL library
// (WHATWG URL) writes it: scheme and host in lower case, an empty path
// becomes "/", and "." and ".." path segments are resolved. So
// "http://localhost" becomes "http://localhost:PORT/", which providers that
// compare redirect URIs exactly expect. The authorisation URL and the code
// exchange must carry the same string.
func URI(configured string, port int) (string, error) {
	u, err := url.Parse(configured)
	if err != nil {
		return "", fmt.Errorf("redirect_uri: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("redirect_uri %q: want an http or https URI", configured)
	}
	if u.Opaque != "" || u.Host == "" {
		return "", fmt.Errorf("redirect_uri %q: no host", configured)
	}
	if port < 0 || port > 65535 {
		return "", fmt.Errorf("redirect_uri %q: port %d out of range", configured, port)
	}
	// Resolving the empty reference removes dot segments (RFC 3986,
	// section 5.2); it keeps the query.
	n := u.ResolveReference(&url.URL{})
	if n.Path == "" {
		n.Path, n.RawPath = "/", ""
	}
	n.RawQuery, n.ForceQuery = u.RawQuery, u.ForceQuery
	n.Host = strings.ToLower(u.Host)
	if port != 0 {
		n.Host = net.JoinHostPort(strings.ToLower(u.Hostname()), strconv.Itoa(port))
	}
	n.Fragment, n.RawFragment = "", ""
	return n.String(), nil
}
