package hooks

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pizauth-go/pizauth/internal/config"
	"github.com/pizauth-go/pizauth/internal/secret"
)

// credentialTimeout bounds client_id_cmd and client_secret_cmd.
const credentialTimeout = 10 * time.Second

// NeedsCredentials reports whether ac has credential commands whose output
// is not known yet. Accounts hold the filled-in copy once they have run.
func NeedsCredentials(ac *config.Account) bool {
	return ac.ClientIDCmd != "" && ac.ClientID == "" || ac.ClientSecretCmd != "" && ac.ClientSecret.IsZero()
}

// Credentials returns a copy of ac with the output of its credential
// commands filled in, or ac itself when there is nothing to run. It
// blocks.
func (h *Hooks) Credentials(ctx context.Context, ac *config.Account) (*config.Account, error) {
	if !NeedsCredentials(ac) {
		return ac, nil
	}
	c := *ac
	if ac.ClientIDCmd != "" && ac.ClientID == "" {
		v, err := h.credential(ctx, ac.Name, "client_id_cmd", ac.ClientIDCmd)
		if err != nil {
			return nil, err
		}
		c.ClientID = v
	}
	if ac.ClientSecretCmd != "" && ac.ClientSecret.IsZero() {
		v, err := h.credential(ctx, ac.Name, "client_secret_cmd", ac.ClientSecretCmd)
		if err != nil {
			return nil, err
		}
		c.ClientSecret = secret.String(v)
	}
	return &c, nil
}

// credential runs one credential command; its output, less a trailing
// newline, is the value. The output is never logged.
func (h *Hooks) credential(ctx context.Context, account, name, command string) (string, error) {
	out, err := h.output(ctx, h.log, name, command, []string{"PIZAUTH_ACCOUNT=" + account}, credentialTimeout)
	if err != nil {
		return "", fmt.Errorf("account %q: %s failed: %w", account, name, err)
	}
	v := strings.TrimSuffix(strings.TrimSuffix(string(out), "\n"), "\r")
	switch {
	case v == "":
		return "", fmt.Errorf("account %q: %s printed nothing", account, name)
	case strings.ContainsAny(v, "\r\n\x00"):
		return "", fmt.Errorf("account %q: %s printed more than one line (for pass, add | head -n 1)", account, name)
	}
	return v, nil
}
