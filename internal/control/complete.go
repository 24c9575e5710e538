package control

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/redirect"
)

// complete finishes the account's pending authorisation with the address
// the browser was sent to after the login, which the user pastes
// (`pizauth complete`) when the browser cannot reach the listener: on
// another machine, or with no listener at all. The answer waits for the
// code exchange, within ctl.CompleteWait.
func complete(ctx context.Context, acc Accounts, req ctl.Request) ctl.Response {
	cb, err := redirect.ParseAddress(string(req.Data))
	if err != nil {
		return errorf("%v", err)
	}
	done, err := acc.Complete(req.Account, cb)
	if err != nil {
		return errorf("%v", err)
	}
	return completion(ctx, req.Account, done)
}

// completion waits for the outcome of a completed request's code exchange.
func completion(ctx context.Context, name string, done <-chan error) ctl.Response {
	timer := time.NewTimer(ctl.CompleteWait)
	defer timer.Stop()
	select {
	case err := <-done:
		switch {
		case err == nil:
			return ok("")
		case errors.Is(err, ErrStale):
			return errorf("the request of %s was revoked or replaced while its code was being exchanged", name)
		}
		// The original's words, as server's error_notify_cmd message has them.
		return errorf("Authentication for %s failed: %v", name, err)
	case <-timer.C:
		return errorf("the code of %s is still being exchanged (the provider is slow or unreachable); "+
			"'pizauth status' shows the token once it arrives", name)
	case <-ctx.Done():
		return errorf("authorisation of %s: the server is stopping", name)
	}
}

// pasteHint follows the URL in show's answer when no listener can receive
// the redirect, on the same line, so that what scripts take from "with URL"
// up to the first space is still the URL.
func pasteHint(account string) string {
	return " (no redirect listener: once logged in, run 'pizauth complete " + shellWord(account) +
		"' and paste the address your browser was sent to)"
}

// shellWord is name as one word for the shell inside single quotes: as it
// is when it needs no quoting, else in double quotes.
func shellWord(name string) string {
	plain := name != ""
	for _, r := range name {
		plain = plain && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r))
	}
	if plain {
		return name
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`", "'", `'\''`).Replace(name) + `"`
}
