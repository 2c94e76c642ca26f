package merkle

import (
	"runtime"
	"testing"
)

// A panic on one of parallelFor's workers must reach the caller's goroutine, where an actor can recover it.
func TestParallelForRaisesWorkerPanicOnCaller(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4)) // several workers even on a one-processor machine
	defer func() {
		if p := recover(); p != "worker failed" {
			t.Fatalf("recovered %v, want the worker's panic", p)
		}
	}()
	parallelFor(64, func(from, _ uint64) {
		if from > 0 {
			panic("worker failed")
		}
	})
	t.Fatal("parallelFor returned after a worker panicked")
}
