package completions

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bashSession is typed into an interactive bash on a pseudo-terminal, so
// that readline splits each command line into COMP_WORDS as it does for a
// user (at COMP_WORDBREAKS: --wait=5m is three words). It checks that the
// completion is registered, then wraps it to print each candidate as
// <<candidate>> and <<END>> after them, and to offer nothing, so that the
// line stays as typed.
const bashSession = `PS1=''; PS2=''; unset PROMPT_COMMAND
bind 'set bell-style none'
source %s || echo '<<'SOURCE-FAILED'>>'
complete -p pizauth | grep -qx 'complete -F _pizauth pizauth' || echo '<<'NOT-REGISTERED'>>'
_pizauth_t() { _pizauth "$@"; echo; ((${#COMPREPLY[@]})) && printf '<<%%s>>\n' "${COMPREPLY[@]}"; echo '<<'END'>>'; COMPREPLY=(); }
complete -F _pizauth_t pizauth
echo '<<'READY'>>'
`

// completeBash types each line and a TAB into one interactive bash, then
// erases the line (^U).
func completeBash(t *testing.T, e *env, lines []string) [][]string {
	term := startOnPTY(t, e, "bash", "--norc", "--noprofile", "-i")
	term.write(t, fmt.Sprintf(bashSession, quote(abs(t, "pizauth.bash"))))
	if out := term.readUntil(t, "<<READY>>"); strings.Contains(out, "-FAILED>>") || strings.Contains(out, "<<NOT-REGISTERED>>") {
		t.Fatalf("setting up bash:\n%s", out)
	}
	var results [][]string
	for _, line := range lines {
		term.write(t, line+"\t")
		var got []string
		for _, l := range strings.Split(term.readUntil(t, "<<END>>"), "\n") {
			if m, ok := strings.CutPrefix(l, "<<"); ok && strings.HasSuffix(m, ">>") && m != "END>>" {
				got = append(got, unescape(strings.TrimSuffix(m, ">>")))
			}
		}
		results = append(results, got)
		term.write(t, "\x15")
	}
	return results
}

// pty is a program running on a pseudo-terminal.
type pty struct {
	master *os.File
	out    chan string // what the program writes, as it comes
	buf    string      // read but not yet consumed
}

// startOnPTY runs name with args on a new pseudo-terminal, in e, until the
// test ends.
func startOnPTY(t *testing.T, e *env, name string, args ...string) *pty {
	master, slave := openPTY(t)
	cmd := exec.Command(name, args...)
	cmd.Env, cmd.Dir = e.environ(), e.home
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	p := &pty{master: master, out: make(chan string)}
	go func() {
		defer close(p.out)
		b := make([]byte, 4096)
		for {
			n, err := master.Read(b)
			if n > 0 {
				p.out <- strings.ReplaceAll(string(b[:n]), "\r", "")
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		master.Close()
		for range p.out {
		}
	})
	return p
}

func (p *pty) write(t *testing.T, s string) {
	t.Helper()
	if _, err := p.master.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// readUntil returns the output up to and including marker; the deadline
// is only reached by a hung shell.
func (p *pty) readUntil(t *testing.T, marker string) string {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		if i := strings.Index(p.buf, marker); i >= 0 {
			out := p.buf[:i+len(marker)]
			p.buf = p.buf[i+len(marker):]
			return out
		}
		select {
		case s, ok := <-p.out:
			if !ok {
				t.Fatalf("the shell ended before %s; it wrote:\n%s", marker, p.buf)
			}
			p.buf += s
		case <-deadline:
			t.Fatalf("no %s after a minute; the shell wrote:\n%s", marker, p.buf)
		}
	}
}

// ptyPath is where a pseudo-terminal's slave lives.
func ptyPath(n uint32) string { return filepath.Join("/dev/pts", fmt.Sprint(n)) }
