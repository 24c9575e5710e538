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
	perf := startPerf(ctx, e.pid(), o.idleFor)
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
	if n, ok := perf(); ok {
		emit("idle_perf_wakeups_per_min", "%.1f", float64(n)*perMin)
	}
	return nil
}

// settle is how long the idle server is left alone before it is watched.
const settle = 15 * time.Second

// startPerf counts, system-wide, sched:sched_wakeup events whose woken
// thread is one of pid's threads, for d. (perf stat -p would count the
// wake-ups pid's threads cause, not those they receive.) The returned
// function waits for the count; ok is false when perf is missing or not
// allowed.
func startPerf(ctx context.Context, pid int, d time.Duration) func() (int, bool) {
	path, err := exec.LookPath("perf")
	tids, gerr := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	if err != nil || gerr != nil || len(tids) == 0 {
		return func() (int, bool) { return 0, false }
	}
	var filter []string
	for _, t := range tids {
		filter = append(filter, "pid == "+filepath.Base(t))
	}
	cmd := exec.CommandContext(ctx, path, "stat", "-x,", "-a", "-e", "sched:sched_wakeup",
		"--filter", strings.Join(filter, " || "), "--", "sleep", fmt.Sprint(d.Seconds()))
	var out strings.Builder
	cmd.Stderr = &out
	if cmd.Start() != nil {
		return func() (int, bool) { return 0, false }
	}
	return func() (int, bool) {
		if cmd.Wait() != nil {
			return 0, false
		}
		var n int
		_, err := fmt.Sscanf(lastLine(out.String()), "%d,", &n)
		return n, err == nil
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// runtimeEnv is the environment for a client of the server in rtDir.
func runtimeEnv(rtDir string) []string {
	return append(os.Environ(), "XDG_RUNTIME_DIR="+filepath.Clean(rtDir))
}
