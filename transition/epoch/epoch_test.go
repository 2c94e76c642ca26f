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

// The steps that visit only the summary's candidates, or read its effective balances, must do exactly what the
// spec's full scans do, on registries of every shape, including ones no chain reaches (slashed validators whose
// exit is not set, for one).
func TestSummaryStepsMatchFullScans(t *testing.T) {
	spec, base := smallState(t, benchEpoch)
	current := helpers.GetCurrentEpoch(base)
	rng := uint64(12345)
	next := func(n uint64) uint64 { // xorshift: deterministic and cheap
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return rng % n
	}
	epochs := []primitives.Epoch{0, current - 3, current, current + 1, current + 2, current + 5,
		current + params.EpochsPerSlashingsVector/2, primitives.FarFutureEpoch}
	const eth = primitives.Gwei(1_000_000_000)
	balances := []primitives.Gwei{0, spec.EjectionBalance - 1, spec.EjectionBalance, 31 * eth, 32 * eth, 33 * eth, 2048 * eth}
	for round := range 20 {
		pre := helpers.CopyState(base)
		for _, v := range pre.Validators {
			v.ActivationEligibilityEpoch = epochs[next(uint64(len(epochs)))]
			v.ActivationEpoch = epochs[next(uint64(len(epochs)))]
			v.ExitEpoch = epochs[next(uint64(len(epochs)))]
			v.WithdrawableEpoch = epochs[next(uint64(len(epochs)))]
			v.Slashed = next(4) == 0
			v.EffectiveBalance = balances[next(uint64(len(balances)))]
		}
		for i := range pre.Balances {
			pre.Balances[i] = balances[next(uint64(len(balances)))] + primitives.Gwei(next(uint64(eth)))
		}
		pre.FinalizedCheckpoint.Epoch = current - primitives.Epoch(next(3))
		for i := range pre.Slashings {
			pre.Slashings[i] = primitives.Gwei(next(4)) * eth
		}

		env := helpers.NewEnv(spec, helpers.NewCaches())
		fast := helpers.CopyState(pre)
		summary, err := epoch.Summarize(env, fast)
		if err != nil {
			t.Fatal(err)
		}
		fastErr := errors.Join(epoch.ProcessRegistryUpdates(env, fast, summary), epoch.ProcessSlashings(env, fast, summary),
			epoch.ProcessEffectiveBalanceUpdates(fast, summary))

		full := helpers.CopyState(pre)
		fullErr := errors.Join(registryUpdatesScan(env, full), slashingsScan(env, full), effectiveBalanceUpdatesScan(full))
		if (fastErr == nil) != (fullErr == nil) {
			t.Fatalf("round %d: errors differ: %v vs the full scans' %v", round, fastErr, fullErr)
		}
		if fast.HashTreeRoot() != full.HashTreeRoot() {
			t.Fatalf("round %d: the summary's steps and the full scans give different states", round)
		}
	}
}

// registryUpdatesScan, slashingsScan and effectiveBalanceUpdatesScan are the spec's process_registry_updates,
// process_slashings and process_effective_balance_updates written as its full scans.
func registryUpdatesScan(env *helpers.Env, state *types.BeaconState) error {
	currentEpoch := helpers.GetCurrentEpoch(state)
	for index, v := range state.Validators {
		switch {
		case helpers.IsEligibleForActivationQueue(v):
			v.ActivationEligibilityEpoch = currentEpoch + 1
		case helpers.IsActiveValidator(v, currentEpoch) && v.EffectiveBalance <= env.Spec.EjectionBalance:
			if err := helpers.InitiateValidatorExit(env, state, primitives.ValidatorIndex(index)); err != nil {
				return err
			}
		case helpers.IsEligibleForActivation(state, v):
			v.ActivationEpoch = helpers.ComputeActivationExitEpoch(currentEpoch)
		}
	}
	return nil
}

func slashingsScan(env *helpers.Env, state *types.BeaconState) error {
	epoch := helpers.GetCurrentEpoch(state)
	total, err := helpers.GetTotalActiveBalance(env, state)
	if err != nil {
		return err
	}
	var sum primitives.Gwei
	for _, s := range state.Slashings {
		sum += s
	}
	adjusted := min(sum*params.ProportionalSlashingMultiplierBellatrix, total)
	perIncrement := adjusted / (total / params.EffectiveBalanceIncrement)
	for index, v := range state.Validators {
		if v.Slashed && epoch+params.EpochsPerSlashingsVector/2 == v.WithdrawableEpoch {
			penalty := perIncrement * (v.EffectiveBalance / params.EffectiveBalanceIncrement)
			if err := helpers.DecreaseBalance(state, primitives.ValidatorIndex(index), penalty); err != nil {
				return err
			}
		}
	}
	return nil
}

func effectiveBalanceUpdatesScan(state *types.BeaconState) error {
	const increment = params.EffectiveBalanceIncrement / params.HysteresisQuotient
	for index, v := range state.Validators {
		balance := state.Balances[index]
		if balance+increment*params.HysteresisDownwardMultiplier < v.EffectiveBalance ||
			v.EffectiveBalance+increment*params.HysteresisUpwardMultiplier < balance {
			v.EffectiveBalance = min(balance-balance%params.EffectiveBalanceIncrement, helpers.GetMaxEffectiveBalance(v))
		}
	}
	return nil
}
