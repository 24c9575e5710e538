package config

import (
	"sort"
	"strings"
)

// A preset fills in a provider's endpoints and usual scopes so that an
// account needs only `provider` and `client_id`. Explicit options win.
// Presets carry endpoints only, never client IDs: those belong to whoever
// registered the application.
type preset struct {
	authURI, tokenURI, deviceAuthURI, revokeURI string // "{tenant}" is replaced
	scopes                                      []string
	tenants                                     bool // takes the tenant option
}

// defaultTenant is Microsoft's tenant for both work and personal accounts.
const defaultTenant = "common"

var presets = map[string]*preset{
	"microsoft": {
		authURI:       "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
		tokenURI:      "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
		deviceAuthURI: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode",
		scopes: []string{
			"https://outlook.office365.com/IMAP.AccessAsUser.All",
			"https://outlook.office365.com/POP.AccessAsUser.All",
			"https://outlook.office365.com/SMTP.Send",
			"offline_access",
		},
		tenants: true,
	},
	"google": {
		authURI:       "https://accounts.google.com/o/oauth2/auth",
		tokenURI:      "https://oauth2.googleapis.com/token",
		deviceAuthURI: "https://oauth2.googleapis.com/device/code",
		revokeURI:     "https://oauth2.googleapis.com/revoke",
		scopes:        []string{"https://mail.google.com/"},
	},
}

func presetNames() string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, `"`+n+`"`)
	}
	sort.Strings(names)
	return joinAnd(names)
}

// validTenant accepts Microsoft tenant names, domains and GUIDs.
func validTenant(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// applyPreset fills in what the account's preset provides and the account
// did not set; such options count as given at the provider option.
func (p *parser) applyPreset(st *accountState) *Error {
	pr := presets[st.provider]
	if pr == nil {
		if pos := st.seen[aTenant] - 1; pos >= 0 {
			return p.errorf(pos, "tenant needs provider = \"microsoft\"")
		}
		return nil
	}
	if pos := st.seen[aTenant] - 1; pos >= 0 && !pr.tenants {
		return p.errorf(pos, "provider %q takes no tenant", st.provider)
	}
	tenant := st.tenant
	if tenant == "" {
		tenant = defaultTenant
	}
	a, given := st.acc, st.seen[aProvider]
	fill := func(id int, field *string, value string) {
		if st.seen[id] == 0 && value != "" {
			*field, st.seen[id] = strings.ReplaceAll(value, "{tenant}", tenant), given
		}
	}
	fill(aAuthURI, &a.AuthURI, pr.authURI)
	fill(aTokenURI, &a.TokenURI, pr.tokenURI)
	fill(aDeviceAuthURI, &a.DeviceAuthURI, pr.deviceAuthURI)
	fill(aRevokeURI, &a.RevokeURI, pr.revokeURI)
	if st.seen[aScopes] == 0 {
		a.Scopes = append([]string(nil), pr.scopes...)
	}
	return nil
}
