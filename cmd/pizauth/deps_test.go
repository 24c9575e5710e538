package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestClientDeps: Go runs the initialisation of every package linked into
// a program at each start, so `pizauth show` stays fast only while pizauth
// links no networking, TLS or JSON. pizauth test's logins, which need
// them, run in pizauth-server (internal/mailcheck/plan.HelperArg).
func TestClientDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, pkg := range []string{"net", "net/http", "crypto/tls", "crypto/x509", "encoding/json", "log/slog",
		"github.com/pizauth-go/pizauth/internal/mailcheck", "github.com/pizauth-go/pizauth/internal/server"} {
		if slices.Contains(deps, pkg) {
			t.Errorf("pizauth links %s", pkg)
		}
	}
}
