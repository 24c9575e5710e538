//go:build linux

package main

import (
	"context"
	"errors"
	"os"
	"slices"
	"time"
)

// vs times two commands side by side: o.args is "CMD_A ARGS... -- CMD_B
// ARGS...". After o.warmup untimed runs of each, A and B run in turn o.runs
// times each (A B A B ...), so that a drift in the machine's speed touches
// both alike; it reports each one's median wall time in microseconds and
// the median of the A/B ratios taken pair by pair.
func vs(ctx context.Context, o opts) error {
	i := slices.Index(o.args, "--")
	if i < 1 || i == len(o.args)-1 {
		return errors.New(`want "CMD_A ARGS... -- CMD_B ARGS..."`)
	}
	a, b := o.args[:i], o.args[i+1:]
	env := os.Environ()
	for range o.warmup {
		for _, cmd := range [][]string{a, b} {
			if _, err := timeOne(ctx, cmd, env); err != nil {
				return err
			}
		}
	}
	var da, db []time.Duration
	var ratios []float64
	for range o.runs {
		ta, err := timeOne(ctx, a, env)
		if err != nil {
			return err
		}
		tb, err := timeOne(ctx, b, env)
		if err != nil {
			return err
		}
		da, db = append(da, ta), append(db, tb)
		ratios = append(ratios, float64(ta)/float64(tb))
	}
	slices.Sort(ratios)
	emit("a_median_us", "%.0f", us(quantile(da, 0.5)))
	emit("b_median_us", "%.0f", us(quantile(db, 0.5)))
	emit("ratio_median", "%.4f", ratios[len(ratios)/2])
	emit("ratio_p25_p75", "%.4f %.4f", ratios[len(ratios)/4], ratios[len(ratios)*3/4])
	emit("pairs", "%d", o.runs)
	return nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
