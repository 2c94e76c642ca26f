package epoch

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessRewardsAndPenalties is the spec's process_rewards_and_penalties (altair): the deltas of every
// participation flag (get_flag_index_deltas) and the inactivity penalties (get_inactivity_penalty_deltas), applied
// to each validator's balance in the spec's order, all in one pass.
//
// The spec computes every delta list before applying any; deltas read effective balances, participation and
// inactivity scores, which applying balances does not change, so applying each validator's deltas as they are
// computed is the same. Each validator's balance still goes through the spec's sequence (increase, then decrease
// clamped at zero, flag by flag, then the inactivity penalty), since clamping makes the order matter.
func ProcessRewardsAndPenalties(env *helpers.Env, state *types.BeaconState, summary *Summary) error {
	// Rewards are for the previous epoch's work, which genesis does not have.
	if helpers.GetCurrentEpoch(state) == params.GenesisEpoch {
		return nil
	}
	leaking, leakErr := helpers.IsInInactivityLeak(state)
	perIncrement := helpers.BaseRewardPerIncrement(summary.TotalActiveBalance)
	activeIncrements := uint64(summary.TotalActiveBalance / params.EffectiveBalanceIncrement)
	var participatingIncrements [helpers.ParticipationFlagCount]uint64
	for flag, balance := range summary.PreviousParticipatingBalance {
		participatingIncrements[flag] = uint64(balance / params.EffectiveBalanceIncrement)
	}

	// Validators with the same effective balance get the same deltas: remember the last ones. An error is kept
	// until a validator needs the delta, as the spec computes each delta only for the validators it applies to.
	var memo struct {
		valid                   bool
		effectiveBalance        primitives.Gwei
		baseRewardErr           error
		rewards, penalties      [helpers.ParticipationFlagCount]primitives.Gwei
		rewardErrs, penaltyErrs [helpers.ParticipationFlagCount]error
	}
	balances, scores := state.Balances, state.InactivityScores
	for index, status := range summary.status {
		if status&statusEligible == 0 {
			continue
		}
		effectiveBalance := summary.effectiveBalances[index]
		if !memo.valid || memo.effectiveBalance != effectiveBalance {
			baseReward, err := helpers.BaseReward(effectiveBalance, perIncrement)
			memo.baseRewardErr = err
			for flag := range helpers.ParticipationFlagCount {
				memo.rewards[flag], memo.rewardErrs[flag] = helpers.FlagIndexReward(baseReward, flag, participatingIncrements[flag], activeIncrements)
				memo.penalties[flag], memo.penaltyErrs[flag] = helpers.FlagIndexPenalty(baseReward, flag)
			}
			memo.valid, memo.effectiveBalance = true, effectiveBalance
		}
		if memo.baseRewardErr != nil { // get_base_reward runs for every eligible validator
			return fmt.Errorf("process_rewards_and_penalties: validator %d: %w", index, memo.baseRewardErr)
		}

		balance := balances[index]
		for flag := range helpers.ParticipationFlagCount {
			switch {
			case status&(1<<flag) != 0:
				if leakErr != nil { // get_flag_index_deltas asks is_in_inactivity_leak for each participant
					return fmt.Errorf("process_rewards_and_penalties: %w", leakErr)
				}
				if !leaking {
					if memo.rewardErrs[flag] != nil {
						return fmt.Errorf("process_rewards_and_penalties: validator %d: %w", index, memo.rewardErrs[flag])
					}
					var err error
					if balance, err = helpers.SafeAdd(balance, memo.rewards[flag]); err != nil {
						return fmt.Errorf("process_rewards_and_penalties: increase_balance %d: %w", index, err)
					}
				}
			case flag != helpers.TimelyHeadFlagIndex:
				if memo.penaltyErrs[flag] != nil {
					return fmt.Errorf("process_rewards_and_penalties: validator %d: %w", index, memo.penaltyErrs[flag])
				}
				balance -= min(balance, memo.penalties[flag])
			}
		}
		if status&statusPreviousTarget == 0 {
			penalty, err := helpers.InactivityPenalty(env, effectiveBalance, scores[index])
			if err != nil {
				return fmt.Errorf("process_rewards_and_penalties: validator %d: %w", index, err)
			}
			balance -= min(balance, penalty)
		}
		balances[index] = balance
	}
	return nil
}
