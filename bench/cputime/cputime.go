//go:build unix

// Package cputime measures the processor time of the whole process, the measure our benchmarks report beside the
// wall time as cpu-ms/op. It counts every thread (the garbage collector's, blst's, the goroutines a hasher starts),
// and on a machine shared with other work it depends much less on the neighbours' load than the wall time does.
package cputime

import (
	"syscall"
	"testing"
	"time"
)

// Process returns the processor time (user and system, all threads) the process has used so far, or 0 when the
// kernel does not say.
func Process() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

// Timer sums the process's processor time over the timed regions of a benchmark: either one region around the
// whole loop (cpu := cputime.Start(); for b.Loop() {...}; cpu.Report(b)) or one per operation, around the part an
// untimed setup leaves (cpu.Start() and cpu.Stop() inside the loop). The zero value has timed nothing yet.
type Timer struct {
	total, began time.Duration
	running      bool
}

// Start returns a Timer whose first region has begun.
func Start() *Timer {
	t := new(Timer)
	t.Start()
	return t
}

// Start begins a timed region.
func (t *Timer) Start() { t.began, t.running = Process(), true }

// Stop ends the region Start began.
func (t *Timer) Stop() {
	if t.running {
		t.total += Process() - t.began
		t.running = false
	}
}

// Report ends a region still running and adds the processor time per operation (b.N of them), in milliseconds, to
// the benchmark's results.
func (t *Timer) Report(b *testing.B) {
	t.Stop()
	b.ReportMetric(float64(t.total)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}
