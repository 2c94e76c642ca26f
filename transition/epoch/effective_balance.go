package epoch

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// Hysteresis thresholds of process_effective_balance_updates.
const (
	hysteresisIncrement = params.EffectiveBalanceIncrement / params.HysteresisQuotient
	downwardThreshold   = primitives.Gwei(hysteresisIncrement * params.HysteresisDownwardMultiplier)
	upwardThreshold     = primitives.Gwei(hysteresisIncrement * params.HysteresisUpwardMultiplier)
)

// ProcessEffectiveBalanceUpdates is the spec's process_effective_balance_updates (electra): effective balances
// follow balances with hysteresis, up to each validator's maximum. It compares balances with the summary's
// effective balances, which nothing has changed since, and reads a validator only to update it.
func ProcessEffectiveBalanceUpdates(state *types.BeaconState, summary *Summary) error {
	if len(state.Balances) != len(state.Validators) {
		return fmt.Errorf("process_effective_balance_updates: %w: %d balances for %d validators",
			helpers.ErrInconsistentState, len(state.Balances), len(state.Validators))
	}
	for index, balance := range state.Balances {
		effectiveBalance := summary.effectiveBalance(state, index)
		// balance + DOWNWARD_THRESHOLD < effective_balance or effective_balance + UPWARD_THRESHOLD < balance,
		// evaluated as the spec does: the second sum only when the first test fails.
		below, err := helpers.SafeAdd(balance, downwardThreshold)
		if err != nil {
			return fmt.Errorf("process_effective_balance_updates: validator %d: %w", index, err)
		}
		update := below < effectiveBalance
		if !update {
			above, err := helpers.SafeAdd(effectiveBalance, upwardThreshold)
			if err != nil {
				return fmt.Errorf("process_effective_balance_updates: validator %d: %w", index, err)
			}
			update = above < balance
		}
		if update {
			v := state.Validators[index]
			v.EffectiveBalance = min(balance-balance%params.EffectiveBalanceIncrement, helpers.GetMaxEffectiveBalance(v))
		}
	}
	return nil
}
