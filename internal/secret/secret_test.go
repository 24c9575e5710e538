package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const canary = "canary-7d1f0c"

func TestRedactsEverywhere(t *testing.T) {
	s := String(canary)
	type holder struct {
		Token String
		Ptr   *String
	}
	h := holder{Token: s, Ptr: &s}
	outputs := map[string]string{
		"%s":     fmt.Sprintf("%s", s),
		"%v":     fmt.Sprintf("%v", s),
		"%q":     fmt.Sprintf("%q", s),
		"%x":     fmt.Sprintf("%x", s),
		"%#v":    fmt.Sprintf("%#v", s),
		"%+v":    fmt.Sprintf("%+v", h),
		"Sprint": fmt.Sprint(s),
		"Errorf": fmt.Errorf("wrapped: %w: %v", fmt.Errorf("inner"), s).Error(),
	}
	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outputs["json"] = string(js)
	var buf bytes.Buffer
	for _, hd := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		slog.New(hd).Info("msg", "token", s, "holder", h)
	}
	outputs["slog"] = buf.String()
	for name, got := range outputs {
		if strings.Contains(got, canary) {
			t.Errorf("%s: got %q, which reveals the secret", name, got)
		}
	}
	if got := s.Reveal(); got != canary {
		t.Errorf("Reveal() = %q; want %q", got, canary)
	}
}
