// Package control answers the requests of the control socket: it turns each
// ctl.Request into a call on the account state (Accounts, which the server
// implements) and the outcome into the ctl.Response that the client prints,
// in the original's words. It knows no account's state; the server knows
// nothing of the wire.
package control

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/dump"
	"github.com/pizauth-go/pizauth/internal/redirect"
	"github.com/pizauth-go/pizauth/internal/secret"
)

// Accounts is the account state that requests act on; *server.Server
// implements it. Refusals are errors whose text is the answer.
type Accounts interface {
	// Show answers with the account's valid token, or starts what is
	// needed to get one and answers pending. With wantURL, it waits a
	// little for the URL of a request still being prepared.
	Show(ctx context.Context, name string, wantURL bool) (Answer, error)
	// Refresh refreshes the account's token in the background (Scheduled),
	// or starts a new authorisation when it has none (Pending).
	Refresh(ctx context.Context, name string, wantURL bool) (Answer, error)
	// ShowWait is show waiting, within w.For, for a token with w.MinValid
	// left.
	ShowWait(ctx context.Context, name string, w Wait) (Answer, error)
	// Revoke forgets the account's tokens and pending request.
	Revoke(ctx context.Context, name string) error
	// Complete finishes the account's pending authorisation with the
	// redirect the user pasted. The exchange of its code runs in the
	// background; the channel receives its outcome: nil once the token is
	// held, ErrStale when the account moved on meanwhile, else why not.
	Complete(name string, cb redirect.Callback) (<-chan error, error)
	// Status is every account's state, in the configuration's order.
	Status() []AccountState
	// Reload re-reads the configuration file; a broken one changes nothing.
	Reload(ctx context.Context) error
	// Names are the configured accounts' names.
	Names() []string
	// Snapshot is every active token, for a dump.
	Snapshot() []dump.Token
	// Restore makes the tokens of a dump active where restore allows it
	// and returns how many it restored.
	Restore(tokens []dump.Token) int
}

// ErrStale is the outcome of a code exchange whose request was revoked or
// replaced meanwhile.
var ErrStale = errors.New("account changed meanwhile")

// Kind is what an Answer holds.
type Kind int

const (
	Token     Kind = iota + 1 // the account's valid access token
	Pending                   // an authorisation awaits the user's login
	Scheduled                 // a refresh started
)

// Answer is what show and refresh learn of an account.
type Answer struct {
	Kind  Kind
	Token secret.String // Kind Token
	// Kind Pending: where the user logs in, "" while the request is still
	// being prepared; the device flow's user code; and whether no listener
	// receives the redirect, so that `pizauth complete` finishes the login.
	URL       string
	UserCode  string
	PasteOnly bool
}

// Wait is what a show --wait or --min-valid waits for.
type Wait struct {
	For      time.Duration // at most this long
	MinValid time.Duration // a token with at least this left
	Login    bool          // an authorisation too (show --wait), not only a refresh
	WantURL  bool
}

// Options configure a Handler.
type Options struct {
	Accounts Accounts
	Logger   *slog.Logger
	// Shutdown is called when a client asks the server to stop.
	Shutdown func()
	// What info tells: the configuration file, the redirect listeners'
	// ports (0 when off) and the HTTPS certificate's public key.
	ConfigFile          string
	HTTPPort, HTTPSPort int
	HTTPSPubKey         string
}

// Handler answers control requests; it implements endpoint.Handler.
type Handler struct {
	o           Options
	log         *slog.Logger
	restoreTurn chan struct{} // held (buffered 1) by the restore under way
}

// New returns a Handler.
func New(o Options) *Handler {
	h := &Handler{o: o, log: o.Logger, restoreTurn: make(chan struct{}, 1)}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.o.Shutdown == nil {
		h.o.Shutdown = func() {}
	}
	return h
}

// Handle answers one control request.
func (h *Handler) Handle(ctx context.Context, req ctl.Request) ctl.Response {
	acc := h.o.Accounts
	switch req.Cmd {
	case ctl.CmdShow:
		a, err := acc.Show(ctx, req.Account, req.WithURL)
		return answer(req, a, err)
	case ctl.CmdShowWait, ctl.CmdShowFresh: // showfresh answers at once without a token, as show does
		w := Wait{For: req.Wait, MinValid: req.MinValid, Login: req.Cmd == ctl.CmdShowWait, WantURL: req.WithURL}
		a, err := acc.ShowWait(ctx, req.Account, w)
		return answer(req, a, err)
	case ctl.CmdRefresh:
		a, err := acc.Refresh(ctx, req.Account, req.WithURL)
		return answer(req, a, err)
	case ctl.CmdRevoke:
		return done(acc.Revoke(ctx, req.Account))
	case ctl.CmdStatus:
		return ok(status(acc.Status()))
	case ctl.CmdStatusJSON:
		return statusJSON(acc.Status())
	case ctl.CmdReload:
		return done(acc.Reload(ctx))
	case ctl.CmdInfo:
		return h.info()
	case ctl.CmdShutdown:
		h.log.Info("shutdown requested")
		h.o.Shutdown()
		return ok("")
	case ctl.CmdDump:
		return h.dump()
	case ctl.CmdRestore:
		return h.restore(ctx, req.Data)
	case ctl.CmdComplete:
		return complete(ctx, acc, req)
	}
	return errorf("Unknown command '%s'", req.Cmd)
}

func ok(payload string) ctl.Response { return ctl.Response{Kind: ctl.KindOK, Payload: payload} }

func errorf(format string, args ...any) ctl.Response {
	return ctl.Response{Kind: ctl.KindError, Payload: fmt.Sprintf(format, args...)}
}

// done is ok, or the refusal err.
func done(err error) ctl.Response {
	if err != nil {
		return errorf("%v", err)
	}
	return ok("")
}

// answer is the response to show or refresh: the token, "scheduled", or
// "pending" with, when asked for, the URL, the device flow's user code
// and how to finish a login no listener can receive.
func answer(req ctl.Request, a Answer, err error) ctl.Response {
	switch {
	case err != nil:
		return errorf("%v", err)
	case a.Kind == Token:
		return ctl.Response{Kind: ctl.KindToken, Payload: a.Token.Reveal()}
	case a.Kind == Scheduled:
		return ctl.Response{Kind: ctl.KindScheduled}
	}
	r := ctl.Response{Kind: ctl.KindPending}
	if req.WithURL && a.URL != "" {
		r.Payload = a.URL
		if a.UserCode != "" {
			r.Payload += " using code " + a.UserCode
		}
		if a.PasteOnly {
			r.Payload += pasteHint(req.Account)
		}
	}
	return r
}

func (h *Handler) info() ctl.Response {
	in := ctl.ServerInfo{HTTPPort: portString(h.o.HTTPPort), HTTPSPort: portString(h.o.HTTPSPort),
		HTTPSPubKey: h.o.HTTPSPubKey, ConfigFile: h.o.ConfigFile}
	if in.HTTPSPubKey == "" {
		in.HTTPSPubKey = "none"
	}
	return ok(in.Encode())
}

func portString(p int) string {
	if p == 0 {
		return "none"
	}
	return fmt.Sprint(p)
}
