package epoch_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/salamander-client/salamander/bench/cputime"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/transition/helpers/helperstest"
	"github.com/salamander-client/salamander/types"
)

// benchEpoch is a mainnet-era Fulu epoch that is not at any period boundary (eth1 voting, historical summaries,
// sync committees).
const benchEpoch = 420_003

// syncBoundaryEpoch is the last epoch of a sync committee period.
const syncBoundaryEpoch = 420_095

var benchStates sync.Map // Options -> *types.BeaconState

// benchState returns the synthetic state of opts, built once per process.
func benchState(b testing.TB, opts helperstest.Options) (*params.Spec, *types.BeaconState) {
	b.Helper()
	spec, err := helperstest.Spec()
	if err != nil {
		b.Fatal(err)
	}
	if s, ok := benchStates.Load(opts); ok {
		return spec, s.(*types.BeaconState)
	}
	s := helperstest.NewState(spec, opts)
	benchStates.Store(opts, s)
	return spec, s
}

// BenchmarkProcessEpoch measures process_epoch on a mainnet-sized registry (2^20 validators) with warm caches, as
// a running node has them: the state is copied outside the timed region, and one epoch is processed before timing
// so the pubkey map and total active balance are cached.
func BenchmarkProcessEpoch(b *testing.B) {
	for _, bc := range []struct {
		name  string
		epoch primitives.Epoch
	}{
		{"typical", benchEpoch},
		{"sync_committee_boundary", syncBoundaryEpoch},
	} {
		for _, n := range []int{1 << 14, 1 << 20} {
			b.Run(fmt.Sprintf("%s/validators=%d", bc.name, n), func(b *testing.B) {
				spec, pre := benchState(b, helperstest.Options{Validators: n, Epoch: bc.epoch, Seed: 1, NewDeposits: 8})
				env := helpers.NewEnv(spec, helpers.NewCaches())
				if err := epoch.ProcessEpoch(env, helpers.CopyState(pre)); err != nil {
					b.Fatal(err)
				}
				var cpu cputime.Timer
				b.ResetTimer()
				for range b.N {
					b.StopTimer()
					state := helpers.CopyState(pre)
					runtime.GC() // collect the copy's garbage now, not inside the timed region
					b.StartTimer()
					cpu.Start()
					if err := epoch.ProcessEpoch(env, state); err != nil {
						b.Fatal(err)
					}
					cpu.Stop()
				}
				cpu.Report(b)
			})
		}
	}
}

// BenchmarkProcessEpochSteps times each step of process_epoch alone on the 2^20-validator state.
func BenchmarkProcessEpochSteps(b *testing.B) {
	spec, pre := benchState(b, helperstest.Options{Validators: 1 << 20, Epoch: benchEpoch, Seed: 1, NewDeposits: 8})
	env := helpers.NewEnv(spec, helpers.NewCaches())
	if err := epoch.ProcessEpoch(env, helpers.CopyState(pre)); err != nil {
		b.Fatal(err)
	}
	summarized := func(step func(*helpers.Env, *types.BeaconState, *epoch.Summary) error) func(*helpers.Env, *types.BeaconState) error {
		return func(env *helpers.Env, s *types.BeaconState) error {
			summary, err := epoch.Summarize(env, s)
			if err != nil {
				return err
			}
			return step(env, s, summary)
		}
	}
	for _, step := range []struct {
		name string
		run  func(*helpers.Env, *types.BeaconState) error
	}{
		{"summarize", func(env *helpers.Env, s *types.BeaconState) error { _, err := epoch.Summarize(env, s); return err }},
		{"justification_and_finalization+summarize", summarized(epoch.ProcessJustificationAndFinalization)},
		{"inactivity_updates+summarize", summarized(epoch.ProcessInactivityUpdates)},
		{"rewards_and_penalties+summarize", summarized(epoch.ProcessRewardsAndPenalties)},
		{"registry_updates+summarize", summarized(epoch.ProcessRegistryUpdates)},
		{"slashings+summarize", summarized(epoch.ProcessSlashings)},
		{"pending_deposits", epoch.ProcessPendingDeposits},
		{"pending_consolidations", func(_ *helpers.Env, s *types.BeaconState) error { return epoch.ProcessPendingConsolidations(s) }},
		{"effective_balance_updates+summarize", summarized(func(_ *helpers.Env, s *types.BeaconState, summary *epoch.Summary) error {
			return epoch.ProcessEffectiveBalanceUpdates(s, summary)
		})},
		{"participation_flag_updates", func(_ *helpers.Env, s *types.BeaconState) error { epoch.ProcessParticipationFlagUpdates(s); return nil }},
		{"proposer_lookahead+summarize", summarized(epoch.ProcessProposerLookahead)},
	} {
		b.Run(step.name, func(b *testing.B) {
			var cpu cputime.Timer
			for range b.N {
				b.StopTimer()
				state := helpers.CopyState(pre)
				runtime.GC()
				b.StartTimer()
				cpu.Start()
				if err := step.run(env, state); err != nil {
					b.Fatal(err)
				}
				cpu.Stop()
			}
			cpu.Report(b)
		})
	}
}

// BenchmarkCopyState measures the deep copy a transition starts with.
func BenchmarkCopyState(b *testing.B) {
	_, pre := benchState(b, helperstest.Options{Validators: 1 << 20, Epoch: benchEpoch, Seed: 1, NewDeposits: 8})
	for range b.N {
		_ = helpers.CopyState(pre)
	}
}

// BenchmarkProcessSlot measures process_slot, which hashes the whole state: without a tree-hash cache
// (helpers.Env.StateRoot) this, not epoch processing, dominates advancing a large state through empty slots.
func BenchmarkProcessSlot(b *testing.B) {
	spec, pre := benchState(b, helperstest.Options{Validators: 1 << 20, Epoch: benchEpoch, Seed: 1, NewDeposits: 8})
	env := helpers.NewEnv(spec, nil)
	state := helpers.CopyState(pre)
	var cpu cputime.Timer
	b.ResetTimer()
	for range b.N {
		cpu.Start()
		if err := epoch.ProcessSlot(env, state); err != nil {
			b.Fatal(err)
		}
		cpu.Stop()
	}
	cpu.Report(b)
}
