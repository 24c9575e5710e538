package config

import (
	"slices"
	"strings"

	"github.com/pizauth-go/pizauth/internal/secret"
)

// accountMeta is what validation after the whole file needs of an account.
type accountMeta struct {
	acc         *Account
	namePos     int
	redirectPos int     // offset of the redirect_uri value; -1 when defaulted
	own         [4]bool // refresh_at_least, refresh_before_expiry, refresh_retry, refresh_token_warn set
}

// accountState is an account block being parsed.
type accountState struct {
	accountMeta
	seen         [numAccount]int // as parser.globalSeen
	loginHint    string
	provider     string // a preset's name; "" when none
	tenant       string
	hintKeyPos   int // offset of the first "login_hint" auth_uri_fields key; -1 if none
	braceOpenPos int
}

// parseAccount parses `account "name" { ... }` and an optional `;`.
func (p *parser) parseAccount() *Error {
	if err := p.advance(); err != nil {
		return err
	}
	st := &accountState{accountMeta: accountMeta{acc: &Account{}, namePos: p.tok.pos, redirectPos: -1}, hintKeyPos: -1}
	if err := p.accountName(st); err != nil {
		return err
	}
	if !p.isPunct('{') {
		return p.errorf(p.tok.pos, "expected { after the account name, found %s", p.describe(p.tok))
	}
	st.braceOpenPos = p.tok.pos
	if err := p.advance(); err != nil {
		return err
	}
	for !p.isPunct('}') {
		if err := p.accountStatement(st); err != nil {
			return err
		}
	}
	if err := p.advance(); err != nil {
		return err
	}
	if p.isPunct(';') {
		if err := p.advance(); err != nil {
			return err
		}
	}
	return p.finishAccount(st)
}

// accountName checks and records the name of the account block.
func (p *parser) accountName(st *accountState) *Error {
	if p.tok.kind != tokString {
		return p.errorf(p.tok.pos, `expected the account name in double quotes after account, found %s`, p.describe(p.tok))
	}
	name := p.text(p.tok)
	if msg := checkName(name); msg != "" {
		return p.errorf(p.tok.pos, "%s", msg)
	}
	if first, dup := p.names[name]; dup {
		return p.errorf(p.tok.pos, "account %q is defined more than once (first at line %d)", clip(name), lineOf(p.src, first))
	}
	p.names[name] = p.tok.pos
	st.acc.Name = name
	return p.advance()
}

// accountStatement parses one `name = value;` inside an account block.
func (p *parser) accountStatement(st *accountState) *Error {
	switch {
	case p.tok.kind == tokEOF:
		return p.errorf(st.braceOpenPos, "missing } to close account %q", clip(st.acc.Name))
	case p.tok.kind != tokWord:
		return p.errorf(p.tok.pos, "expected an option name or } in account %q, found %s", clip(st.acc.Name), p.describe(p.tok))
	case p.isWord("account"):
		return p.errorf(p.tok.pos, "account blocks cannot be nested: close account %q with } first", clip(st.acc.Name))
	}
	name := p.tok
	id := lookup(accountOptions[:], p.src[name.pos:name.end])
	if id < 0 {
		return p.errorf(name.pos, "%s", unknownOption(string(p.src[name.pos:name.end]), true))
	}
	if err := p.once(st.seen[:], id, name, accountOptions[id].name); err != nil {
		return err
	}
	v, err := p.statement(accountOptions[id])
	if err != nil {
		return err
	}
	return p.setAccount(st, id, v)
}

func (p *parser) setAccount(st *accountState, id int, v value) *Error {
	a := st.acc
	switch id {
	case aAuthURI, aTokenURI, aRedirectURI, aDeviceAuthURI, aRevokeURI, aIssuer:
		return p.setURI(st, id, v)
	case aAuthURIFields:
		a.AuthURIFields, st.hintKeyPos = v.fields, v.hintKeyPos
	case aClientID:
		if v.str == "" {
			return p.errorf(v.tok.pos, "client_id must not be empty")
		}
		a.ClientID = v.str
	case aClientSecret:
		a.ClientSecret = secret.String(v.str)
	case aClientIDCmd, aClientSecretCmd:
		if strings.TrimSpace(v.str) == "" {
			return p.errorf(v.tok.pos, "%s must not be empty", accountOptions[id].name)
		}
		if id == aClientIDCmd {
			a.ClientIDCmd = v.str
		} else {
			a.ClientSecretCmd = v.str
		}
	case aAuthFlow:
		if v.str != FlowCode && v.str != FlowDevice {
			return p.errorf(v.tok.pos, "auth_flow must be %q or %q", FlowCode, FlowDevice)
		}
		a.AuthFlow = v.str
	case aLoginHint:
		st.loginHint = v.str
	case aProvider:
		if presets[v.str] == nil {
			return p.errorf(v.tok.pos, "unknown provider %q: the presets are %s", clip(v.str), presetNames())
		}
		st.provider = v.str
	case aTenant:
		if !validTenant(v.str) {
			return p.errorf(v.tok.pos, "tenant %q is not a tenant name, domain or ID", clip(v.str))
		}
		st.tenant = v.str
	case aRefreshAtLeast:
		a.RefreshAtLeast, st.own[0] = v.tok.dur, true
	case aRefreshBeforeExpiry:
		a.RefreshBeforeExpiry, st.own[1] = v.tok.dur, true
	case aRefreshRetry:
		a.RefreshRetry, st.own[2] = v.tok.dur, true
	case aRefreshTokenWarn:
		a.RefreshTokenWarn, st.own[3] = v.tok.dur, true
	case aScopes:
		a.Scopes = v.list
	}
	return nil
}

func (p *parser) setURI(st *accountState, id int, v value) *Error {
	uri, known := p.knownURI(v.tok)
	if !known {
		uri = p.text(v.tok)
		if msg, at := checkURI(accountOptions[id].name, uri); msg != "" {
			pos := v.tok.pos
			if at >= 0 && !v.tok.escaped {
				pos += 1 + at
			}
			return p.errorf(pos, "%s", msg)
		}
		p.uris[uri] = uri
	}
	switch id {
	case aAuthURI:
		st.acc.AuthURI = uri
	case aTokenURI:
		st.acc.TokenURI = uri
	case aDeviceAuthURI:
		st.acc.DeviceAuthURI = uri
	case aRevokeURI:
		st.acc.RevokeURI = uri
	case aIssuer:
		st.acc.Issuer = uri
	default:
		st.acc.RedirectURI, st.redirectPos = uri, v.tok.pos
	}
	return nil
}

// knownURI returns the URI in string token t if it was checked before.
func (p *parser) knownURI(t token) (string, bool) {
	if t.escaped {
		s, ok := p.uris[t.val]
		return s, ok
	}
	s, ok := p.uris[string(p.contents(t))]
	return s, ok
}

// missingHint says how to give what an account is missing: a newcomer most
// likely forgot the preset, which stands for both endpoints.
func missingHint(missing []string) string {
	if slices.Contains(missing, "auth_uri") || slices.Contains(missing, "token_uri") {
		return `set provider ("microsoft" or "google") or issuer, or write out auth_uri, token_uri and client_id`
	}
	return "every account needs client_id or client_id_cmd"
}

// finishAccount checks an account block once it is closed.
func (p *parser) finishAccount(st *accountState) *Error {
	a := st.acc
	if err := p.applyPreset(st); err != nil {
		return err
	}
	var missing []string
	for _, pair := range [][2]int{{aClientID, aClientIDCmd}, {aClientSecret, aClientSecretCmd}} {
		if st.seen[pair[0]] > 0 && st.seen[pair[1]] > 0 {
			return p.errorf(st.seen[pair[1]]-1, "give %s or %s, not both",
				accountOptions[pair[0]].name, accountOptions[pair[1]].name)
		}
	}
	if st.seen[aClientIDCmd] > 0 {
		st.seen[aClientID] = st.seen[aClientIDCmd] // for the check below
	}
	for _, id := range []int{aAuthURI, aTokenURI, aClientID} {
		if st.seen[id] == 0 && !discoverable(a, id) {
			missing = append(missing, accountOptions[id].name)
		}
	}
	if missing != nil {
		return p.errorf(st.namePos, "account %q is missing %s: %s", clip(a.Name), joinAnd(missing), missingHint(missing))
	}
	if hint := st.seen[aLoginHint] - 1; hint >= 0 {
		if st.hintKeyPos >= 0 {
			return p.errorf(max(hint, st.hintKeyPos),
				"login_hint is set both as an option and as an auth_uri_fields key: drop the deprecated login_hint option")
		}
		a.AuthURIFields = append(a.AuthURIFields, Field{Key: "login_hint", Value: st.loginHint})
	}
	if a.RedirectURI == "" {
		a.RedirectURI = defaultRedirectURI
	}
	if a.AuthFlow == "" {
		a.AuthFlow = FlowCode
	}
	if a.AuthFlow == FlowDevice && a.DeviceAuthURI == "" && a.Issuer == "" {
		return p.errorf(st.namePos, "account %q has auth_flow = %q but no device_auth_uri", clip(a.Name), FlowDevice)
	}
	p.accounts = append(p.accounts, st.accountMeta)
	return nil
}

// discoverable reports whether option id may be left out of a: auth_uri
// with the device flow; auth_uri and token_uri when issuer discovery will
// find them.
func discoverable(a *Account, id int) bool {
	switch id {
	case aAuthURI:
		return a.AuthFlow == FlowDevice || a.Issuer != ""
	case aTokenURI:
		return a.Issuer != ""
	}
	return false
}

// joinAnd joins words as "a", "a and b" or "a, b and c".
func joinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
