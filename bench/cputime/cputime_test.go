//go:build unix

package cputime_test

import (
	"testing"
	"time"

	"github.com/salamander-client/salamander/bench/cputime"
)

// spin keeps this goroutine busy for about d of wall time, so that the process uses processor time.
func spin(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}

func TestProcessCountsWork(t *testing.T) {
	before := cputime.Process()
	spin(50 * time.Millisecond)
	if used := cputime.Process() - before; used <= 0 {
		t.Fatalf("50 ms of spinning used %s of processor time", used)
	}
}

// TestTimerReportsPerOperation checks the metric of both ways of timing: around every operation, where untimed work
// between the regions must not count, and around the whole loop.
func TestTimerReportsPerOperation(t *testing.T) {
	const work = 5 * time.Millisecond
	perOp := testing.Benchmark(func(b *testing.B) {
		var cpu cputime.Timer
		for range b.N {
			spin(work) // untimed setup
			cpu.Start()
			spin(work)
			cpu.Stop()
		}
		cpu.Report(b)
	})
	whole := testing.Benchmark(func(b *testing.B) {
		cpu := cputime.Start()
		for range b.N {
			spin(work)
		}
		cpu.Report(b)
	})
	for name, r := range map[string]testing.BenchmarkResult{"per operation": perOp, "whole loop": whole} {
		ms, ok := r.Extra["cpu-ms/op"]
		if !ok {
			t.Fatalf("%s: no cpu-ms/op in %v", name, r.Extra)
		}
		// Processor time can fall short of the wall time when the machine is busy, never exceed it by much.
		if ms <= 0 || ms > 1.5*float64(work)/float64(time.Millisecond) {
			t.Errorf("%s: %.2f cpu-ms/op for %s of work per operation", name, ms, work)
		}
	}
}
