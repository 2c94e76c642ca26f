package epoch

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessInactivityUpdates is the spec's process_inactivity_updates (altair).
func ProcessInactivityUpdates(env *helpers.Env, state *types.BeaconState, summary *Summary) error {
	// Scores follow the previous epoch's participation, which genesis does not have.
	if helpers.GetCurrentEpoch(state) == params.GenesisEpoch {
		return nil
	}
	leaking, leakErr := helpers.IsInInactivityLeak(state)
	bias, recovery := env.Spec.InactivityScoreBias, env.Spec.InactivityScoreRecoveryRate
	scores := state.InactivityScores
	for index, status := range summary.status {
		if status&statusEligible == 0 {
			continue
		}
		if leakErr != nil { // the spec asks is_in_inactivity_leak for each eligible validator
			return fmt.Errorf("process_inactivity_updates: %w", leakErr)
		}
		score := scores[index]
		if status&statusPreviousTarget != 0 {
			score -= min(1, score)
		} else {
			var err error
			if score, err = helpers.SafeAdd(score, bias); err != nil {
				return fmt.Errorf("process_inactivity_updates: validator %d: %w", index, err)
			}
		}
		if !leaking {
			score -= min(recovery, score)
		}
		scores[index] = score
	}
	return nil
}
