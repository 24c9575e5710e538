package config

import (
	"fmt"
	"strings"
)

// kind is the type of an option's value.
type kind uint8

const (
	kString kind = iota // "..."
	kURI                // "..." holding an http or https URI
	kTime               // 90s
	kListen             // "host:port" or none
	kList               // ["a", "b"]
	kFields             // { "k": "v", ... }
)

// need says what a value of kind k looks like, for error messages.
func (k kind) need() string {
	switch k {
	case kURI:
		return "a URI in double quotes"
	case kTime:
		return "a time such as 90s, 15m, 2h or 1d"
	case kListen:
		return `"host:port" or none`
	case kList:
		return `a list of strings such as ["scope1", "scope2"]`
	case kFields:
		return `key/value pairs such as { "login_hint": "me@example.com" }`
	}
	return "a string in double quotes"
}

type option struct {
	name string
	kind kind
}

// Global options, in the order of globalOptions.
const (
	gAuthNotifyCmd = iota
	gAuthNotifyInterval
	gErrorNotifyCmd
	gHTTPListen
	gHTTPSListen
	gPersistFile
	gPersistIdentityCmd
	gPersistRecipients
	gRefreshAtLeast
	gRefreshBeforeExpiry
	gRefreshRetry
	gRefreshTokenWarn
	gStartupCmd
	gTokenEventCmd
	gTransientErrorIfCmd
	numGlobal
)

var globalOptions = [numGlobal]option{
	gAuthNotifyCmd:       {"auth_notify_cmd", kString},
	gAuthNotifyInterval:  {"auth_notify_interval", kTime},
	gErrorNotifyCmd:      {"error_notify_cmd", kString},
	gHTTPListen:          {"http_listen", kListen},
	gHTTPSListen:         {"https_listen", kListen},
	gPersistFile:         {"persist_file", kString},
	gPersistIdentityCmd:  {"persist_identity_cmd", kString},
	gPersistRecipients:   {"persist_recipients", kList},
	gRefreshAtLeast:      {"refresh_at_least", kTime},
	gRefreshBeforeExpiry: {"refresh_before_expiry", kTime},
	gRefreshRetry:        {"refresh_retry", kTime},
	gRefreshTokenWarn:    {"refresh_token_warn", kTime},
	gStartupCmd:          {"startup_cmd", kString},
	gTokenEventCmd:       {"token_event_cmd", kString},
	gTransientErrorIfCmd: {"transient_error_if_cmd", kString},
}

// Account options, in the order of accountOptions.
const (
	aAuthFlow = iota
	aAuthURI
	aAuthURIFields
	aClientID
	aClientIDCmd
	aClientSecret
	aClientSecretCmd
	aDeviceAuthURI
	aIssuer
	aLoginHint
	aProvider
	aRedirectURI
	aRefreshAtLeast
	aRefreshBeforeExpiry
	aRefreshRetry
	aRefreshTokenWarn
	aRevokeURI
	aScopes
	aTenant
	aTokenURI
	numAccount
)

var accountOptions = [numAccount]option{
	aAuthFlow:            {"auth_flow", kString},
	aAuthURI:             {"auth_uri", kURI},
	aAuthURIFields:       {"auth_uri_fields", kFields},
	aClientID:            {"client_id", kString},
	aClientIDCmd:         {"client_id_cmd", kString},
	aClientSecret:        {"client_secret", kString},
	aClientSecretCmd:     {"client_secret_cmd", kString},
	aDeviceAuthURI:       {"device_auth_uri", kURI},
	aIssuer:              {"issuer", kURI},
	aLoginHint:           {"login_hint", kString},
	aProvider:            {"provider", kString},
	aRedirectURI:         {"redirect_uri", kURI},
	aRefreshAtLeast:      {"refresh_at_least", kTime},
	aRefreshBeforeExpiry: {"refresh_before_expiry", kTime},
	aRefreshRetry:        {"refresh_retry", kTime},
	aRefreshTokenWarn:    {"refresh_token_warn", kTime},
	aRevokeURI:           {"revoke_uri", kURI},
	aScopes:              {"scopes", kList},
	aTenant:              {"tenant", kString},
	aTokenURI:            {"token_uri", kURI},
}

// renamed maps the original's old option names to their new ones.
var renamed = map[string]string{
	"auth_error_cmd":         "error_notify_cmd",
	"refresh_retry_interval": "refresh_retry",
}

// reservedFields are the query parameters pizauth sets itself, which
// auth_uri_fields must not override.
var reservedFields = []string{
	"access_type", "client_id", "code_challenge", "code_challenge_method",
	"redirect_uri", "response_type", "scope", "state",
}

// lookup returns the index of the option called name, or -1.
func lookup(opts []option, name []byte) int {
	for i := range opts {
		if opts[i].name == string(name) {
			return i
		}
	}
	return -1
}

// unknownOption explains why name is not an option where it stands.
func unknownOption(name string, inAccount bool) string {
	if to, ok := renamed[name]; ok {
		return fmt.Sprintf("%s has been renamed to %s", name, to)
	}
	if inAccount && lookup(globalOptions[:], []byte(name)) >= 0 {
		return fmt.Sprintf("%s is a global option: move it out of the account block", name)
	}
	if !inAccount && lookup(accountOptions[:], []byte(name)) >= 0 {
		return fmt.Sprintf("%s is an account option: move it into an account block", name)
	}
	candidates := accountOptions[:]
	if !inAccount {
		candidates = append(append([]option(nil), globalOptions[:]...), option{name: "account"})
	}
	if s := closest(name, candidates); s != "" {
		return fmt.Sprintf("unknown option %q: did you mean %s?", clip(name), s)
	}
	return fmt.Sprintf("unknown option %q", clip(name))
}

// closest returns the candidate nearest to name in edit distance, ignoring
// case, or "" when none is near enough to be a plausible typo.
func closest(name string, candidates []option) string {
	if len(name) > 64 {
		return ""
	}
	name = strings.ToLower(name)
	best, bestDist := "", max(2, len(name)/3)+1
	for _, c := range candidates {
		if d := editDistance(name, c.name); d < bestDist {
			best, bestDist = c.name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
