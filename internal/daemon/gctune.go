package daemon

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// tuneGCForIdle makes the garbage collector run only when the server
// allocates, so that an idle server does not collect at all. It is a
// process-wide setting, made once by the serving process before the server
// starts; the returned function restores the previous settings.
//
// It earns its place, measured side by side (bench/gcidle, figures in
// bench/RESULTS.md): an idle server with 1,000 logged-in accounts uses
// 3.9 ms of CPU an hour with it, against 133 ms with the runtime's defaults;
// with 1 account 3.5 against 3.7.
//
// With the default settings the Go runtime forces a collection every two
// minutes, however little was allocated since the last one. Each wakes
// every P's thread and touches the whole heap: 5 to 15 ms of CPU (8.4 on
// average over 14) with 1,000 logged-in accounts (1 MiB live heap) on the
// benchmark's 2-CPU virtual machine, 30 times an hour, against a target of
// 50 ms per idle hour in all. A forced collection only happens when GOGC
// is on, so tuneGCForIdle turns GOGC off and paces collections with a soft
// memory limit (debug.SetMemoryLimit) instead. After every collection the
// limit is set again, to where GOGC=100 would have started the next one:
// the memory that is not heap, plus twice the live heap (at least 4 MiB
// more than it), plus the runtime's own headroom; never below what is
// mapped at the time, so that setting it does not start a collection by
// itself. The heap is thus paced as with GOGC=100.
//
// The trade-offs: garbage left by the last burst of activity stays until
// the next allocations reach the limit, instead of being collected within
// two minutes (it is at most what GOGC=100 allows between two
// collections), and free memory goes back to the OS more slowly: the
// server's RSS after 1,000 logins is 17.9 MiB, against 14.2 MiB with
// GOGC=100. A heap that grows faster than the limit is raised (a reload
// that adds thousands of accounts) meets the limit before the next update
// and collects a few more times than GOGC=100 would; the runtime caps that
// at half the CPU.
//
// When GOGC or GOMEMLIMIT is set in the environment, the user's choice
// stands and tuneGCForIdle changes nothing.
func tuneGCForIdle() (restore func()) { return tuneGC(nil) }

// tuneGC is tuneGCForIdle; tuned, when not nil, is called with every limit
// set after a collection (tests).
func tuneGC(tuned func(limit int64)) (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	t := &gcTuner{tuned: tuned}
	limit := debug.SetMemoryLimit(gcLimit(readGCMemory()))
	percent := debug.SetGCPercent(-1)
	t.arm()
	return func() {
		t.mu.Lock()
		t.stopped = true
		t.mu.Unlock()
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

// gcTuner sets the memory limit again after every collection.
type gcTuner struct {
	tuned func(limit int64)

	mu      sync.Mutex // guards stopped and orders updates with restore
	stopped bool
}

// gcSentinel is allocated for each collection to come and dropped at once:
// its cleanup runs after the collection that finds it unreachable. The
// pointer keeps it out of the tiny allocator, whose blocks are shared.
type gcSentinel struct{ _ *byte }

// arm asks for update after the next collection.
func (t *gcTuner) arm() {
	runtime.AddCleanup(new(gcSentinel), (*gcTuner).update, t)
}

// update sets the memory limit for the heap the last collection left, and
// waits for the next collection.
func (t *gcTuner) update() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	limit := gcLimit(readGCMemory())
	debug.SetMemoryLimit(limit)
	if t.tuned != nil {
		t.tuned(limit)
	}
	t.arm()
}

// gcMemory is what gcLimit needs from runtime/metrics, in bytes.
type gcMemory struct {
	live     uint64 // heap the last collection marked live
	mapped   uint64 // memory the runtime holds from the OS: total minus released heap
	heapFree uint64 // free heap not returned to the OS
	heapObjs uint64 // heap objects, dead ones not yet swept included
}

func readGCMemory() gcMemory {
	s := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
	}
	metrics.Read(s)
	u := func(i int) uint64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return s[i].Value.Uint64()
	}
	total, released := u(1), u(2)
	return gcMemory{live: u(0), mapped: total - min(total, released), heapFree: u(3), heapObjs: u(4)}
}

// minHeapGrowth is how much the heap may grow between two collections at
// least: the runtime's minimum heap goal with GOGC=100.
const minHeapGrowth = 4 << 20

// gcLimit is the memory limit after a collection that left m: the memory
// that is not heap, plus the live heap twice over (at least minHeapGrowth
// more), never below what is mapped, plus the headroom the runtime keeps
// below a limit (about 3%, at least 1 MiB), so that the heap goal comes out
// where GOGC=100 would have put it.
func gcLimit(m gcMemory) int64 {
	nonHeap := m.mapped - min(m.mapped, m.heapFree+m.heapObjs)
	limit := max(nonHeap+m.live+max(m.live, minHeapGrowth), m.mapped)
	return int64(limit + max(limit/32, 1<<20))
}
