package shellcmd

import "bytes"

// output keeps the first maxOutput bytes of a command's output and drops
// the rest, never failing a write: a command is not disturbed by being
// chatty. It is not safe for concurrent use.
type output struct {
	buf       bytes.Buffer
	truncated bool
}

func (o *output) Write(p []byte) (int, error) {
	keep := p
	if room := maxOutput - o.buf.Len(); len(keep) > room {
		keep = keep[:room]
		o.truncated = true
	}
	o.buf.Write(keep)
	return len(p), nil
}

func (o *output) String() string { return o.buf.String() }
