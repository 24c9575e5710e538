package daemon

import (
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
)

// Environment variables naming the files the server writes profiles to, for
// `go tool pprof`: a CPU profile of its whole life, and a heap profile taken
// when it stops.
const (
	envCPUProfile = "PIZAUTH_CPUPROFILE"
	envMemProfile = "PIZAUTH_MEMPROFILE"
)

// startProfiling starts the CPU profile asked for by $PIZAUTH_CPUPROFILE. The
// returned function stops it and writes the heap profile asked for by
// $PIZAUTH_MEMPROFILE. Profiling never stops the server: failures are logged.
func startProfiling(log *slog.Logger) (stop func()) {
	cpu := startCPUProfile(log, os.Getenv(envCPUProfile))
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			closeProfile(log, cpu)
		}
		writeHeapProfile(log, os.Getenv(envMemProfile))
	}
}

func startCPUProfile(log *slog.Logger, path string) *os.File {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		log.Error("cannot write the CPU profile", "err", err)
		return nil
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Error("cannot start the CPU profile", "err", err)
		f.Close()
		return nil
	}
	log.Info("writing a CPU profile", "path", path)
	return f
}

func writeHeapProfile(log *slog.Logger, path string) {
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		log.Error("cannot write the heap profile", "err", err)
		return
	}
	runtime.GC() // up-to-date statistics
	if err := pprof.WriteHeapProfile(f); err != nil {
		log.Error("cannot write the heap profile", "err", err)
	}
	closeProfile(log, f)
}

func closeProfile(log *slog.Logger, f *os.File) {
	if err := f.Close(); err != nil {
		log.Error("cannot write the profile", "path", f.Name(), "err", err)
	}
}
