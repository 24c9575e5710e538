//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// hold starts a server with o.accounts accounts, logs o.authorise of them
// in, prints "ready RUNTIME_DIR" and serves until it is signalled.
func hold(ctx context.Context, o opts) error {
	e, err := startEnv(ctx, o.bin, o.dir, o.accounts)
	if err != nil {
		return err
	}
	defer e.stop()
	if err := e.authorise(ctx, 0, o.authorise); err != nil {
		return err
	}
	emit("ready", "%s", e.rtDir)
	os.Stdout.Sync()
	<-ctx.Done()
	return nil
}

// rss reports the server's resident memory right after start with 1, 100
// and 10,000 accounts, and with 1,000 accounts before and after each has
// logged in once.
func rss(ctx context.Context, o opts) error {
	for _, n := range []int{1, 100, 10000} {
		kib, err := rssOf(ctx, o, n, 0)
		if err != nil {
			return err
		}
		emit(fmt.Sprintf("rss_start_%d", n), "%d", kib)
	}
	kib, err := rssOf(ctx, o, 1000, 1000)
	if err != nil {
		return err
	}
	emit("rss_auth_1000", "%d", kib)
	return nil
}

// rssOf starts a server with n accounts, logs k in, lets it settle and
// returns its VmRSS in KiB.
func rssOf(ctx context.Context, o opts, n, k int) (int, error) {
	e, err := startEnv(ctx, o.bin, o.dir, n)
	if err != nil {
		return 0, err
	}
	defer e.stop()
	if err := e.authorise(ctx, 0, k); err != nil {
		return 0, err
	}
	time.Sleep(time.Second)
	return rssKiB(e.pid())
}

// idle logs o.accounts accounts in, lets the server settle, and watches it
// for o.idleFor: CPU time, context switches and, when perf can count
// sched:sched_wakeup, the wake-ups of its threads.
func idle(ctx context.Context, o opts) error {
	e, err := startEnv(ctx, o.bin, o.dir, o.accounts)
	if err != nil {
		return err
	}
	defer e.stop()
	if err := e.authorise(ctx, 0, o.accounts); err != nil {
		return err
	}
	time.Sleep(settle) // let the token events, the GC and the scavenger settle
	perf := startPerf(ctx, e.pid(), o.idleFor, o.dir)
	before, err := sampleCPU(e.pid())
	if err != nil {
		return err
	}
	select {
	case <-time.After(o.idleFor):
	case <-ctx.Done():
		return ctx.Err()
	}
	after, err := sampleCPU(e.pid())
	if err != nil {
		return err
	}
	d := after.sub(before)
	perMin := float64(time.Minute) / float64(o.idleFor)
	emit("idle_seconds", "%.0f", o.idleFor.Seconds())
	emit("idle_threads", "%d", d.threads)
	emit("idle_cpu_ticks_ms", "%d", d.ticks.Milliseconds())
	emit("idle_cpu_ns", "%d", d.onCPU.Nanoseconds())
	emit("idle_cpu_ms_per_hour", "%.2f", float64(d.onCPU)/float64(time.Millisecond)*float64(time.Hour)/float64(o.idleFor))
	emit("idle_switches_per_min", "%.1f", float64(d.switches)*perMin)
	emit("idle_preempted_per_min", "%.1f", float64(d.forced)*perMin)
	if n, episodes, ok := perf(); ok {
		emit("idle_perf_wakeups_per_min", "%.1f", float64(n)*perMin)
		emit("idle_perf_episodes_per_min", "%.1f", float64(episodes)*perMin)
	}
	return nil
}

// settle is how long the idle server is left alone before it is watched.
const settle = 15 * time.Second

// startPerf records, system-wide, the sched:sched_wakeup events whose woken
// thread is one of pid's threads, for d. (perf stat -p would count the
// wake-ups pid's threads cause, not those they receive.) The returned
// function waits and gives the wake-ups and the episodes: runs of wake-ups
// less than episodeGap apart, i.e. how often the idle process came to life.
// ok is false when perf is missing or not allowed.
func startPerf(ctx context.Context, pid int, d time.Duration, dir string) func() (n, episodes int, ok bool) {
	fail := func() (int, int, bool) { return 0, 0, false }
	path, err := exec.LookPath("perf")
	tids, gerr := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	if err != nil || gerr != nil || len(tids) == 0 {
		return fail
	}
	var filter []string
	for _, t := range tids {
		filter = append(filter, "pid == "+filepath.Base(t))
	}
	data := filepath.Join(dir, "perf.data")
	cmd := exec.CommandContext(ctx, path, "record", "-q", "-a", "-o", data, "-e", "sched:sched_wakeup",
		"--filter", strings.Join(filter, " || "), "--", "sleep", fmt.Sprint(d.Seconds()))
	if cmd.Start() != nil {
		return fail
	}
	return func() (int, int, bool) {
		if cmd.Wait() != nil {
			return fail()
		}
		out, err := exec.CommandContext(ctx, path, "script", "-i", data, "-F", "time").Output()
		if err != nil {
			return fail()
		}
		n, episodes := countEpisodes(strings.Fields(string(out)))
		return n, episodes, true
	}
}

// episodeGap separates two episodes of activity of an idle process.
const episodeGap = 100 * time.Millisecond

// countEpisodes counts perf script time stamps ("123.456789:") and the runs
// of them less than episodeGap apart.
func countEpisodes(stamps []string) (n, episodes int) {
	last := -1.0
	for _, s := range stamps {
		var t float64
		if _, err := fmt.Sscanf(strings.TrimSuffix(s, ":"), "%f", &t); err != nil {
			continue
		}
		if n == 0 || t-last >= episodeGap.Seconds() {
			episodes++
		}
		n++
		last = t
	}
	return n, episodes
}

// runtimeEnv is the environment for a client of the server in rtDir.
func runtimeEnv(rtDir string) []string {
	return append(os.Environ(), "XDG_RUNTIME_DIR="+filepath.Clean(rtDir))
}
