//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync"
	"time"
)

// wall runs o.args o.warmup times untimed, then o.runs times one after the
// other, and reports the median and p99 wall time of a whole process (fork,
// exec, run, exit, wait) in milliseconds. A failing run is an error.
func wall(ctx context.Context, o opts) error {
	if len(o.args) == 0 {
		return errors.New("no command to time")
	}
	for range o.warmup {
		if _, err := timeOne(ctx, o.args, os.Environ()); err != nil {
			return err
		}
	}
	ds := make([]time.Duration, 0, o.runs)
	for range o.runs {
		d, err := timeOne(ctx, o.args, os.Environ())
		if err != nil {
			return err
		}
		ds = append(ds, d)
	}
	emit("median_ms", "%.3f", ms(quantile(ds, 0.5)))
	emit("p99_ms", "%.3f", ms(quantile(ds, 0.99)))
	emit("runs", "%d", len(ds))
	return nil
}

// timeOne runs args once with output discarded.
func timeOne(ctx context.Context, args []string, env []string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = env
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return d, fmt.Errorf("%v: %w", args, err)
	}
	return d, nil
}

// burst starts a server with one logged-in account and then o.n `pizauth
// show` processes at once; it reports how many failed and the p50/p99 wall
// time of each process.
func burst(ctx context.Context, o opts) error {
	e, err := startEnv(ctx, o.bin, o.dir, 1)
	if err != nil {
		return err
	}
	defer e.stop()
	if err := e.authorise(ctx, 0, 1); err != nil {
		return err
	}
	env := runtimeEnv(e.rtDir)
	start := make(chan struct{})
	ds := make([]time.Duration, o.n)
	errs := make([]error, o.n)
	var wg sync.WaitGroup
	for i := range o.n {
		wg.Go(func() {
			<-start
			ds[i], errs[i] = timeOne(ctx, []string{o.bin, "show", accountName(0)}, env)
		})
	}
	begin := time.Now()
	close(start)
	wg.Wait()
	total := time.Since(begin)
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	emit("burst_n", "%d", o.n)
	emit("burst_errors", "%d", failed)
	emit("burst_p50_ms", "%.1f", ms(quantile(ds, 0.5)))
	emit("burst_p99_ms", "%.1f", ms(quantile(ds, 0.99)))
	emit("burst_total_ms", "%.0f", ms(total))
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "first burst error:", firstErr(errs))
	}
	return nil
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// quantile is the q-quantile of ds (nearest rank); it sorts ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	slices.Sort(ds)
	i := int(q*float64(len(ds))+0.5) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
