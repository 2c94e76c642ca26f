package epoch

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessSlashings is the spec's process_slashings (electra): the correlation penalty of validators slashed
// EPOCHS_PER_SLASHINGS_VECTOR/2 epochs ago. Only the summary's candidates can be due, so only they are visited.
func ProcessSlashings(env *helpers.Env, state *types.BeaconState, summary *Summary) error {
	epoch := helpers.GetCurrentEpoch(state)
	totalBalance, err := helpers.GetTotalActiveBalance(env, state)
	if err != nil {
		return fmt.Errorf("process_slashings: %w", err)
	}
	var sum primitives.Gwei
	for _, slashed := range state.Slashings {
		if sum, err = helpers.SafeAdd(sum, slashed); err != nil {
			return fmt.Errorf("process_slashings: sum of slashings: %w", err)
		}
	}
	scaled, err := helpers.SafeMul(sum, params.ProportionalSlashingMultiplierBellatrix)
	if err != nil {
		return fmt.Errorf("process_slashings: adjusted total slashing balance: %w", err)
	}
	adjustedTotalSlashingBalance := min(scaled, totalBalance)
	increment := primitives.Gwei(params.EffectiveBalanceIncrement) // factored out of the total to avoid uint64 overflow
	penaltyPerEffectiveBalanceIncrement := adjustedTotalSlashingBalance / (totalBalance / increment)
	target := epoch + params.EpochsPerSlashingsVector/2
	for _, index := range summary.slashingCandidates {
		v := state.Validators[index]
		if !v.Slashed || target != v.WithdrawableEpoch {
			continue
		}
		penalty, err := helpers.SafeMul(penaltyPerEffectiveBalanceIncrement, v.EffectiveBalance/increment)
		if err != nil {
			return fmt.Errorf("process_slashings: penalty of validator %d: %w", index, err)
		}
		if err := helpers.DecreaseBalance(state, index, penalty); err != nil {
			return fmt.Errorf("process_slashings: %w", err)
		}
	}
	return nil
}

// ProcessSlashingsReset is the spec's process_slashings_reset.
func ProcessSlashingsReset(state *types.BeaconState) {
	nextEpoch := helpers.GetCurrentEpoch(state) + 1
	state.Slashings[uint64(nextEpoch)%params.EpochsPerSlashingsVector] = 0
}
