package mailcheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/pizauth-go/pizauth/internal/cmdline"
	"github.com/pizauth-go/pizauth/internal/mailcheck/plan"
)

// Timeout bounds a whole `pizauth test`: connecting, TLS, and every login.
const Timeout = 30 * time.Second

// Bounds on the helper's inputs.
const (
	maxToken  = 64 << 10
	maxCAFile = 1 << 20
)

// HelperMain runs the logins of `pizauth test` with args, its command line
// after the subcommand's name, and the token read from stdin. It prints one
// line per login on stdout, and returns 0 only when every login worked.
func HelperMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, pl, err := helperSetup(args, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "ERROR - "+err.Error())
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	var secrets []string
	for _, t := range pl.Targets {
		secrets = append(secrets, Secrets(t, cfg.User, cfg.Token)...)
	}
	hide := newRedactor(secrets...)
	status := 0
	for r := range CheckAll(ctx, pl.Targets, cfg) {
		fmt.Fprintln(stdout, hide.redact(r.String()))
		if r.Outcome != LoggedIn {
			status = 1
		}
	}
	return status
}

// helperSetup reads the command line, the token and the CA file.
func helperSetup(args []string, stdin io.Reader) (Config, plan.Plan, error) {
	c, _ := cmdline.Lookup("test")
	p, err := c.Parse(args)
	if err != nil {
		return Config{}, plan.Plan{}, err
	}
	pl, err := plan.FromArgs(p)
	if err != nil {
		return Config{}, plan.Plan{}, err
	}
	token, err := readToken(stdin)
	if err != nil {
		return Config{}, plan.Plan{}, err
	}
	cfg := Config{User: pl.User, Token: token}
	if pl.CAFile != "" {
		if cfg.TLS, err = caConfig(pl.CAFile); err != nil {
			return Config{}, plan.Plan{}, err
		}
	}
	return cfg, pl, nil
}

// readToken reads the token, and a final newline, from r.
func readToken(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxToken+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("reading the token: %w", err)
	case len(b) > maxToken:
		return "", fmt.Errorf("the access token is longer than %d bytes", maxToken)
	}
	token := strings.TrimSuffix(string(b), "\n")
	switch {
	case token == "":
		return "", errors.New("no access token on standard input")
	case strings.ContainsFunc(token, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", errors.New("the access token contains a control character and cannot be put into a SASL string")
	}
	return token, nil
}

// caConfig is a TLS configuration that trusts the certificates in the PEM
// file at path instead of the system's roots.
func caConfig(path string) (*tls.Config, error) {
	// Without blocking: a FIFO that nobody writes to is refused below
	// instead of hanging the logins before their time limit starts.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("--ca-file: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("--ca-file %q: not a regular file", path)
	}
	pem, err := io.ReadAll(io.LimitReader(f, maxCAFile+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("--ca-file: %w", err)
	case len(pem) > maxCAFile:
		return nil, fmt.Errorf("--ca-file %q: larger than %d bytes", path, maxCAFile)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-file %q: no PEM certificate in it", path)
	}
	return &tls.Config{RootCAs: pool}, nil
}

// CheckAll logs in to every target at once and yields the results in the
// targets' order, each as soon as it and those before it are known.
func CheckAll(ctx context.Context, targets []plan.Target, cfg Config) iter.Seq[Result] {
	done := make([]chan Result, len(targets))
	for i, t := range targets {
		done[i] = make(chan Result, 1)
		go func() { done[i] <- Check(ctx, t, cfg) }()
	}
	return func(yield func(Result) bool) {
		for _, c := range done {
			if !yield(<-c) {
				return
			}
		}
	}
}
