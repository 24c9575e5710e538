// Package config reads pizauth.conf, the configuration file of pizauth.
//
// The language is the original pizauth's: statements of the form
// `name = value;`, `//` comments, double-quoted strings whose only escapes
// are \" and \\, times such as 90s, 15m, 2h or 1d, the word none, lists
// (`["a", "b"]`) and ordered key/value pairs (`{ "k": "v" }`). Accounts are
// blocks:
//
//	http_listen = "127.0.0.1:8080";
//	account "work" {
//	    auth_uri = "https://login.example.com/authorize";
//	    token_uri = "https://login.example.com/token";
//	    client_id = "...";
//	    scopes = ["offline_access"];
//	}
//
// [Parse] checks everything it can without the network: syntax, option
// types, duplicates, URIs, listen addresses, account names and the
// consistency of listeners and redirect URIs, but not what an age recipient
// is: package persist checks persist_recipients, at the places Config
// records. Every problem is reported as an [*Error] carrying a line and
// column. The parser is hand-written, linear in
// the size of its input and never recursive, so any input is safe to parse.
package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// Defaults for the options a configuration may leave out.
const (
	defaultAuthNotifyInterval  = 15 * time.Minute
	defaultListen              = "127.0.0.1:0"
	defaultRefreshAtLeast      = 90 * time.Minute
	defaultRefreshBeforeExpiry = 90 * time.Second
	defaultRefreshRetry        = 40 * time.Second
	defaultRefreshTokenWarn    = 24 * time.Hour
	defaultRedirectURI         = "http://localhost/"
)

// Field is one auth_uri_fields entry: a query parameter added to the
// authorisation URL.
type Field struct{ Key, Value string }

// Config is a parsed and validated pizauth.conf. Options the file leaves out
// hold their defaults.
type Config struct {
	AuthNotifyCmd      string        // "" when unset
	AuthNotifyInterval time.Duration // default 15m
	ErrorNotifyCmd     string        // "" when unset
	HTTPListen         string        // default "127.0.0.1:0"; "" means none
	HTTPSListen        string        // default "127.0.0.1:0"; "" means none
	// HTTPListenDefault and HTTPSListenDefault are true when the file
	// leaves http_listen or https_listen out: the server then listens on
	// one port on both 127.0.0.1 and ::1, where "localhost" may lead, so
	// that no other user can take the address the browser tries first.
	// An address the file gives is used as it is, as by the original.
	HTTPListenDefault   bool
	HTTPSListenDefault  bool
	PersistFile         string        // absolute, ~/ expanded; "" when unset
	PersistIdentityCmd  string        // "" when unset
	PersistRecipients   []string      // age recipients (unchecked); set when PersistFile is
	RefreshAtLeast      time.Duration // default 90m
	RefreshBeforeExpiry time.Duration // default 90s
	RefreshRetry        time.Duration // default 40s
	RefreshTokenWarn    time.Duration // default 1d
	StartupCmd          string        // "" when unset
	TokenEventCmd       string        // "" when unset
	TransientErrorIfCmd string        // "" when unset
	Accounts            []*Account    // sorted by Name; at least one

	// PersistRecipientsPlace is where persist_recipients stands in the
	// file, and PersistRecipientPlaces where each of its entries does:
	// package persist, which knows what an age recipient is, checks them.
	PersistRecipientsPlace Place
	PersistRecipientPlaces []Place
}

// NoListener reports whether both http_listen and https_listen are none:
// the server then receives no redirects, and every login with the
// authorization code grant is finished by pasting the address the browser
// was sent to (`pizauth complete`).
func (c *Config) NoListener() bool { return c.HTTPListen == "" && c.HTTPSListen == "" }

// Account returns the account called name, or nil when there is none.
func (c *Config) Account(name string) *Account {
	i, found := slices.BinarySearchFunc(c.Accounts, name, func(a *Account, name string) int {
		return strings.Compare(a.Name, name)
	})
	if !found {
		return nil
	}
	return c.Accounts[i]
}

// Account is one account block.
type Account struct {
	Name         string
	AuthURI      string
	TokenURI     string
	ClientID     string
	ClientSecret secret.String // zero when not configured
	// ClientIDCmd and ClientSecretCmd, when set, are shell commands whose
	// output is the client ID or secret; the server runs them when the value
	// is first needed and on reload, and fills in ClientID or ClientSecret
	// of its own copy. The digest covers the output, never the command.
	ClientIDCmd, ClientSecretCmd string
	RedirectURI                  string   // default "http://localhost/"
	Scopes                       []string // may be empty
	AuthURIFields                []Field  // in config order; keys may repeat; login_hint mapped here
	// Effective values: the account's own setting, else the global one, else the default.
	RefreshAtLeast      time.Duration
	RefreshBeforeExpiry time.Duration
	RefreshRetry        time.Duration
	// RefreshTokenWarn is how long before a refresh token's expiry (when
	// the provider gives refresh_token_expires_in) error_notify_cmd warns.
	RefreshTokenWarn time.Duration
	// Beyond the original; all optional.
	AuthFlow      string // FlowCode (default) or FlowDevice
	DeviceAuthURI string // RFC 8628 device authorization endpoint; "" when unset
	RevokeURI     string // RFC 7009 revocation endpoint; "" when unset
	// Issuer, when set, is where the endpoints left unset are discovered
	// (OpenID Connect Discovery, RFC 8414).
	Issuer string
}

// Values of auth_flow.
const (
	FlowCode   = "code"   // authorization code grant with PKCE
	FlowDevice = "device" // device authorization grant (RFC 8628)
)

// Load reads the configuration file at path and parses it. Only a regular
// file of at most [MaxFileSize] bytes is read.
func Load(path string) (*Config, error) {
	src, err := readFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return Parse(path, src)
}

// Parse parses and validates the configuration in src. filename is used only
// in error messages. Any error is an [*Error].
func Parse(filename string, src []byte) (*Config, error) {
	p := newParser(filename, src)
	if err := p.checkEncoding(); err != nil {
		return nil, err
	}
	if err := p.parseFile(); err != nil {
		return nil, err
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p.cfg, nil
}
