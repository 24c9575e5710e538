//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/PID/stat; it is
// 100 on every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// rssKiB reads VmRSS from /proc/PID/status.
func rssKiB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return statusField(b, "VmRSS:")
}

// statusField returns the number after key in a /proc status file.
func statusField(b []byte, key string) (int, error) {
	i := bytes.Index(b, []byte("\n"+key))
	if i < 0 {
		return 0, fmt.Errorf("no %s in status", key)
	}
	f := strings.Fields(string(b[i+1+len(key):]))
	if len(f) == 0 {
		return 0, fmt.Errorf("empty %s in status", key)
	}
	return strconv.Atoi(f[0])
}

// cpuSample is what the kernel says about a process's CPU use at one moment.
type cpuSample struct {
	ticks    time.Duration // utime+stime from /proc/PID/stat (10 ms resolution)
	onCPU    time.Duration // sum over threads of /proc/PID/task/*/schedstat's first field (ns)
	switches int           // sum over threads of voluntary_ctxt_switches
	forced   int           // sum over threads of nonvoluntary_ctxt_switches
	threads  int
}

// sampleCPU reads a cpuSample of pid.
func sampleCPU(pid int) (cpuSample, error) {
	var s cpuSample
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return s, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	s.ticks = time.Duration(ut+st) * clockTick
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	if err != nil {
		return s, err
	}
	for _, t := range tasks {
		s.addTask(t)
	}
	return s, nil
}

// addTask adds one thread's figures; a thread that exits meanwhile is skipped.
func (s *cpuSample) addTask(dir string) {
	b, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return
	}
	v, _ := statusField(b, "voluntary_ctxt_switches:")
	n, _ := statusField(b, "nonvoluntary_ctxt_switches:")
	s.switches += v
	s.forced += n
	s.threads++
	if b, err = os.ReadFile(filepath.Join(dir, "schedstat")); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			ns, _ := strconv.ParseInt(f[0], 10, 64)
			s.onCPU += time.Duration(ns)
		}
	}
}

// sub is the difference s-t.
func (s cpuSample) sub(t cpuSample) cpuSample {
	return cpuSample{ticks: s.ticks - t.ticks, onCPU: s.onCPU - t.onCPU,
		switches: s.switches - t.switches, forced: s.forced - t.forced, threads: s.threads}
}
