package control

import (
	"errors"
	"testing"

	"github.com/pizauth-go/pizauth/internal/ctl"
)

// TestAnswer: what show and refresh learn becomes the response the client
// prints; the URL and what follows it only when the client asked for it.
func TestAnswer(t *testing.T) {
	tests := []struct {
		name    string
		withURL bool
		a       Answer
		err     error
		want    ctl.Response
	}{
		{"token", true, Answer{Kind: Token, Token: "tok"}, nil, ctl.Response{Kind: ctl.KindToken, Payload: "tok"}},
		{"scheduled", true, Answer{Kind: Scheduled}, nil, ctl.Response{Kind: ctl.KindScheduled}},
		{"refusal", true, Answer{}, errors.New("No account 'x'"), ctl.Response{Kind: ctl.KindError, Payload: "No account 'x'"}},
		{"pending", true, Answer{Kind: Pending, URL: "https://idp/a"}, nil, ctl.Response{Kind: ctl.KindPending, Payload: "https://idp/a"}},
		{"pending without URL asked", false, Answer{Kind: Pending, URL: "https://idp/a"}, nil, ctl.Response{Kind: ctl.KindPending}},
		{"pending being prepared", true, Answer{Kind: Pending}, nil, ctl.Response{Kind: ctl.KindPending}},
		{"device", true, Answer{Kind: Pending, URL: "https://idp/d", UserCode: "ABCD"}, nil,
			ctl.Response{Kind: ctl.KindPending, Payload: "https://idp/d using code ABCD"}},
		{"paste only", true, Answer{Kind: Pending, URL: "https://idp/a", PasteOnly: true}, nil,
			ctl.Response{Kind: ctl.KindPending, Payload: "https://idp/a (no redirect listener: once logged in, run 'pizauth complete \"my work\"' and paste the address your browser was sent to)"}},
	}
	for _, tt := range tests {
		req := ctl.Request{Cmd: ctl.CmdShow, Account: "my work", WithURL: tt.withURL}
		if got := answer(req, tt.a, tt.err); got != tt.want {
			t.Errorf("%s: got %+v; want %+v", tt.name, got, tt.want)
		}
	}
}
