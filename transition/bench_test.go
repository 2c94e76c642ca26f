package transition_test

import (
	"flag"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/block/blocktest"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/transition/helpers/helperstest"
)

var benchValidators = flag.Int("validators", 100_000, "registry size of the benchmark state (mainnet: about 1,000,000)")

// BenchmarkStateTransition measures a whole block import: the copy of the pre-state, process_slots (one slot: one
// hash of the state), the block with its signatures in one batch, and the post-state root check (a second hash).
// The caches are warm, as on a node following the chain. Set the registry size with -validators.
func BenchmarkStateTransition(b *testing.B) {
	spec, err := helperstest.Spec()
	if err != nil {
		b.Fatal(err)
	}
	env := helpers.NewEnv(spec, helpers.NewCaches())
	state, err := blocktest.NewState(env, helperstest.Options{Validators: *benchValidators, Epoch: helperstest.MinEpoch, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	// The state is at the end of an epoch: the benchmark's block is the second of the next epoch, so that
	// process_slots crosses no epoch boundary. It is a typical mainnet block (blocktest.TypicalOptions).
	opts := blocktest.TypicalOptions(1)
	signed, _, err := blocktest.Build(env, state, opts)
	if err != nil {
		b.Fatal(err)
	}
	state, err = transition.StateTransition(b.Context(), env, state, signed, transition.Options{Engine: block.AcceptAllEngine{}})
	if err != nil {
		b.Fatal(err)
	}
	if signed, _, err = blocktest.Build(env, state, opts); err != nil {
		b.Fatal(err)
	}
	// Warm the caches with this block's attesters' keys, as gossip would have.
	if _, err := transition.StateTransition(b.Context(), env, state, signed, transition.Options{Engine: block.AcceptAllEngine{}}); err != nil {
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("validators=%d", len(state.Validators)), func(b *testing.B) {
		b.ReportAllocs()
		cpuBefore := processCPUTime()
		for range b.N {
			if _, err := transition.StateTransition(b.Context(), env, state, signed, transition.Options{Engine: block.AcceptAllEngine{}}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(processCPUTime()-cpuBefore)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	})
}

// processCPUTime is the process's CPU time so far (user and system, all threads): on a shared machine the
// wall-clock ns/op depends on the other load, the CPU time much less.
func processCPUTime() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}
