package epoch_test

import (
	"errors"
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/transition/helpers/helperstest"
	"github.com/salamander-client/salamander/types"
)

func smallState(t *testing.T, e primitives.Epoch) (*params.Spec, *types.BeaconState) {
	t.Helper()
	spec, err := helperstest.Spec()
	if err != nil {
		t.Fatal(err)
	}
	return spec, helperstest.NewState(spec, helperstest.Options{Validators: 3000, Epoch: e, Seed: 11, NewDeposits: 3})
}

// ProcessRewardsAndPenalties computes every flag in one pass; it must equal the spec's loop over
// get_flag_index_deltas and get_inactivity_penalty_deltas, with and without an inactivity leak, and with balances
// driven to zero so that the order of increases and clamped decreases matters.
func TestRewardsAndPenaltiesMatchSpecDeltas(t *testing.T) {
	for _, leak := range []bool{false, true} {
		spec, pre := smallState(t, benchEpoch)
		if leak {
			pre.FinalizedCheckpoint.Epoch -= 10
		}
		for i := range pre.InactivityScores {
			pre.InactivityScores[i] = uint64(i % 300)
		}
		for i := 0; i < len(pre.Balances); i += 7 {
			pre.Balances[i] = primitives.Gwei(i % 5000)
		}
		env := helpers.NewEnv(spec, helpers.NewCaches())

		fast := helpers.CopyState(pre)
		summary, err := epoch.Summarize(env, fast)
		if err != nil {
			t.Fatal(err)
		}
		if err := epoch.ProcessRewardsAndPenalties(env, fast, summary); err != nil {
			t.Fatal(err)
		}

		spec2 := helpers.CopyState(pre)
		var deltas [][2][]primitives.Gwei
		for flag := range helpers.ParticipationFlagCount {
			r, p, err := helpers.GetFlagIndexDeltas(env, spec2, flag)
			if err != nil {
				t.Fatal(err)
			}
			deltas = append(deltas, [2][]primitives.Gwei{r, p})
		}
		r, p, err := helpers.GetInactivityPenaltyDeltas(env, spec2)
		if err != nil {
			t.Fatal(err)
		}
		deltas = append(deltas, [2][]primitives.Gwei{r, p})
		for _, d := range deltas {
			for i := range spec2.Validators {
				if err := helpers.IncreaseBalance(spec2, primitives.ValidatorIndex(i), d[0][i]); err != nil {
					t.Fatal(err)
				}
				if err := helpers.DecreaseBalance(spec2, primitives.ValidatorIndex(i), d[1][i]); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i := range fast.Balances {
			if fast.Balances[i] != spec2.Balances[i] {
				t.Fatalf("leak %v: validator %d balance %d, the spec's deltas give %d", leak, i, fast.Balances[i], spec2.Balances[i])
			}
		}
	}
}

// The caches change no result: process_epoch with and without them gives the same state.
func TestProcessEpochCachedEqualsUncached(t *testing.T) {
	for _, e := range []primitives.Epoch{benchEpoch, syncBoundaryEpoch} {
		spec, pre := smallState(t, e)
		cached, uncached := helpers.CopyState(pre), helpers.CopyState(pre)
		if err := epoch.ProcessSlots(helpers.NewEnv(spec, helpers.NewCaches()), cached, pre.Slot+1+params.SlotsPerEpoch); err != nil {
			t.Fatal(err)
		}
		if err := epoch.ProcessSlots(helpers.NewEnv(spec, nil), uncached, pre.Slot+1+params.SlotsPerEpoch); err != nil {
			t.Fatal(err)
		}
		if cached.HashTreeRoot() != uncached.HashTreeRoot() {
			t.Fatalf("epoch %d: the caches changed the result", e)
		}
	}
}

func TestProcessSlotsRejectsPastSlots(t *testing.T) {
	spec, pre := smallState(t, benchEpoch)
	env := helpers.NewEnv(spec, nil)
	for _, slot := range []primitives.Slot{pre.Slot, pre.Slot - 1} {
		if err := epoch.ProcessSlots(env, pre, slot); !errors.Is(err, helpers.ErrInvalidSlot) {
			t.Errorf("process_slots to %d from %d: %v, want ErrInvalidSlot", slot, pre.Slot, err)
		}
	}
}

// States no chain reaches must give errors, not panics.
func TestProcessEpochRejectsInconsistentStates(t *testing.T) {
	spec, pre := smallState(t, benchEpoch)
	env := helpers.NewEnv(spec, helpers.NewCaches())
	for name, corrupt := range map[string]func(*types.BeaconState){
		"short balances":          func(s *types.BeaconState) { s.Balances = s.Balances[:10] },
		"short inactivity scores": func(s *types.BeaconState) { s.InactivityScores = s.InactivityScores[1:] },
		"consolidation source out of range": func(s *types.BeaconState) {
			s.PendingConsolidations[0].SourceIndex = 1 << 40
		},
		"inactivity score overflow": func(s *types.BeaconState) {
			for i := range s.InactivityScores {
				s.InactivityScores[i] = 1<<64 - 1
			}
		},
	} {
		s := helpers.CopyState(pre)
		corrupt(s)
		if err := epoch.ProcessEpoch(env, s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
