package epoch

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// Validator status bits of a Summary. The first three are the participation flag indices, so that
// status&(1<<flagIndex) tests a previous-epoch flag.
const (
	// statusPreviousSource..statusPreviousHead: unslashed, active in the previous epoch, with that flag.
	statusPreviousSource = 1 << helpers.TimelySourceFlagIndex
	statusPreviousTarget = 1 << helpers.TimelyTargetFlagIndex
	statusPreviousHead   = 1 << helpers.TimelyHeadFlagIndex
	// statusCurrentTarget: unslashed, active in the current epoch, with the target flag.
	statusCurrentTarget = 1 << 3
	// statusEligible: in get_eligible_validator_indices.
	statusEligible = 1 << 4
)

// Summary is what the first epoch steps learn from one pass over the registry: the spec's
// get_unslashed_participating_indices, get_eligible_validator_indices and the balances summed over them.
type Summary struct {
	PreviousEpoch, CurrentEpoch primitives.Epoch
	// TotalActiveBalance is get_total_active_balance.
	TotalActiveBalance primitives.Gwei
	// PreviousParticipatingBalance[flag] is get_total_balance of the previous epoch's unslashed participating
	// indices of each flag.
	PreviousParticipatingBalance [helpers.ParticipationFlagCount]primitives.Gwei
	// CurrentTargetBalance is get_total_balance of the current epoch's unslashed target attesters.
	CurrentTargetBalance primitives.Gwei
	// status holds each validator's status bits.
	status []uint8
}

// Summarize makes the Summary of state in one pass over the registry. The state's per-validator lists must all
// have one entry per validator (ErrInconsistentState), as they do in every state a chain reaches.
func Summarize(env *helpers.Env, state *types.BeaconState) (*Summary, error) {
	if err := checkLists(state); err != nil {
		return nil, err
	}
	s := &Summary{
		PreviousEpoch: helpers.GetPreviousEpoch(state),
		CurrentEpoch:  helpers.GetCurrentEpoch(state),
		status:        make([]uint8, len(state.Validators)),
	}
	var active, currentTarget uint64
	var previous [helpers.ParticipationFlagCount]uint64
	var overflow uint64 // any carry out of the sums
	previousParticipation, currentParticipation := state.PreviousEpochParticipation, state.CurrentEpochParticipation
	for i, v := range state.Validators {
		var status uint8
		eb := uint64(v.EffectiveBalance)
		if helpers.IsActiveValidator(v, s.CurrentEpoch) {
			active, overflow = addCarry(active, eb, overflow)
			if !v.Slashed && helpers.HasFlag(currentParticipation[i], helpers.TimelyTargetFlagIndex) {
				status |= statusCurrentTarget
				currentTarget, overflow = addCarry(currentTarget, eb, overflow)
			}
		}
		if helpers.IsActiveValidator(v, s.PreviousEpoch) {
			status |= statusEligible
			if !v.Slashed {
				flags := uint8(previousParticipation[i])
				for flag := range helpers.ParticipationFlagCount {
					if flags&(1<<flag) != 0 {
						status |= 1 << flag
						previous[flag], overflow = addCarry(previous[flag], eb, overflow)
					}
				}
			}
		} else if v.Slashed && s.PreviousEpoch+1 < v.WithdrawableEpoch {
			status |= statusEligible
		}
		s.status[i] = status
	}
	if overflow != 0 {
		return nil, fmt.Errorf("summarize epoch %d: balance sum: %w", s.CurrentEpoch, helpers.ErrOverflow)
	}
	s.TotalActiveBalance = primitives.Gwei(max(params.EffectiveBalanceIncrement, active))
	for flag := range previous {
		s.PreviousParticipatingBalance[flag] = primitives.Gwei(max(params.EffectiveBalanceIncrement, previous[flag]))
	}
	s.CurrentTargetBalance = primitives.Gwei(max(params.EffectiveBalanceIncrement, currentTarget))
	return s, nil
}

// addCarry adds b to a, accumulating any carry into carries.
func addCarry(a, b, carries uint64) (uint64, uint64) {
	sum := a + b
	if sum < a {
		carries++
	}
	return sum, carries
}

// checkLists reports a state whose per-validator lists do not all have one entry per validator.
func checkLists(state *types.BeaconState) error {
	n := len(state.Validators)
	if len(state.Balances) != n || len(state.PreviousEpochParticipation) != n ||
		len(state.CurrentEpochParticipation) != n || len(state.InactivityScores) != n {
		return fmt.Errorf("%w: %d validators, %d balances, %d/%d participation flags, %d inactivity scores",
			helpers.ErrInconsistentState, n, len(state.Balances), len(state.PreviousEpochParticipation),
			len(state.CurrentEpochParticipation), len(state.InactivityScores))
	}
	return nil
}
