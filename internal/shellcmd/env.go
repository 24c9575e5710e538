package shellcmd

import (
	"errors"
	"fmt"
	"strings"
)

// mergeEnv returns base followed by extra, keeping each key once: a later
// entry replaces the value of an earlier one with the same key, in the
// earlier one's place. Entries of extra must be KEY=VALUE with a non-empty
// key and no NUL byte; the error names the key only, as a value could be
// private.
func mergeEnv(base, extra []string) ([]string, error) {
	for _, kv := range extra {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, errors.New(`invalid environment entry: want KEY=VALUE`)
		}
		if strings.ContainsRune(kv, 0) {
			return nil, fmt.Errorf("environment variable %q contains a NUL byte", k)
		}
	}
	out := make([]string, 0, len(base)+len(extra))
	index := make(map[string]int, len(base)+len(extra))
	for _, list := range [][]string{base, extra} {
		for _, kv := range list {
			k, _, _ := strings.Cut(kv, "=")
			if i, ok := index[k]; ok {
				out[i] = kv
				continue
			}
			index[k] = len(out)
			out = append(out, kv)
		}
	}
	return out, nil
}
