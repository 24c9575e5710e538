package daemon

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

const mib = 1 << 20

func TestGCLimit(t *testing.T) {
	tests := []struct {
		name string
		m    gcMemory
		want int64
	}{
		{
			name: "small heap grows by 4 MiB",
			m:    gcMemory{live: 1 * mib, mapped: 8 * mib, heapFree: 2 * mib, heapObjs: 1 * mib},
			want: (5 + 1 + 4 + 1) * mib, // non-heap + live + minHeapGrowth + 1 MiB headroom
		},
		{
			name: "large heap doubles",
			m:    gcMemory{live: 64 * mib, mapped: 100 * mib, heapFree: 0, heapObjs: 96 * mib},
			want: (4+64+64)*mib + (4+64+64)*mib/32,
		},
		{
			name: "never below what is mapped",
			m:    gcMemory{live: 1 * mib, mapped: 40 * mib, heapFree: 30 * mib, heapObjs: 5 * mib},
			want: 40*mib + 40*mib/32,
		},
		{
			name: "before the first collection",
			m:    gcMemory{mapped: 3 * mib, heapObjs: 1 * mib},
			want: (2 + 4 + 1) * mib,
		},
		{
			name: "inconsistent sample",
			m:    gcMemory{live: 1 * mib, mapped: 1 * mib, heapFree: 1 * mib, heapObjs: 1 * mib},
			want: (1 + 4 + 1) * mib,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := gcLimit(tt.m); got != tt.want {
				t.Errorf("gcLimit(%+v) = %d; want %d", tt.m, got, tt.want)
			}
		})
	}
}

// gcSettings reads the GC percentage and the memory limit without changing
// them.
func gcSettings() (percent int, limit int64) {
	percent = debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1)
}

func TestTuneGCForIdle(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	percent, limit := gcSettings()
	limits := make(chan int64, 1)
	restore := tuneGC(func(l int64) {
		select {
		case limits <- l:
		default:
		}
	})
	restored := false
	t.Cleanup(func() {
		if !restored {
			restore()
		}
	})
	if p, l := gcSettings(); p != -1 || l == math.MaxInt64 {
		t.Fatalf("after tuneGC: GC percent %d, memory limit %d; want -1 and a limit", p, l)
	}

	runtime.GC()
	var got int64
	select {
	case got = <-limits:
	case <-t.Context().Done():
		t.Fatal("no limit set after a collection")
	}
	if live := readGCMemory().live; got <= int64(live) {
		t.Errorf("limit after a collection = %d; want more than the live heap, %d", got, live)
	}

	restore()
	restored = true
	if p, l := gcSettings(); p != percent || l != limit {
		t.Errorf("after restore: GC percent %d, memory limit %d; want %d and %d", p, l, percent, limit)
	}
}

func TestTuneGCForIdleHonoursEnvironment(t *testing.T) {
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv("GOGC", "")
			t.Setenv("GOMEMLIMIT", "")
			t.Setenv(env, "200") // read by the runtime at start only: harmless here
			percent, limit := gcSettings()
			restore := tuneGCForIdle()
			defer restore()
			if p, l := gcSettings(); p != percent || l != limit {
				t.Errorf("with %s set: GC percent %d, memory limit %d; want them unchanged, %d and %d", env, p, l, percent, limit)
			}
		})
	}
}
