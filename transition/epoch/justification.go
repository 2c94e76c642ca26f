package epoch

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessJustificationAndFinalization is the spec's process_justification_and_finalization (altair).
func ProcessJustificationAndFinalization(env *helpers.Env, state *types.BeaconState, summary *Summary) error {
	// The first two epochs keep the genesis checkpoints, whose roots are stubs.
	if helpers.GetCurrentEpoch(state) <= params.GenesisEpoch+1 {
		return nil
	}
	return WeighJustificationAndFinalization(state, summary.TotalActiveBalance,
		summary.PreviousParticipatingBalance[helpers.TimelyTargetFlagIndex], summary.CurrentTargetBalance)
}

// WeighJustificationAndFinalization is the spec's weigh_justification_and_finalization. It assigns fresh
// checkpoints and justification bits and never writes through the state's checkpoint pointers, so it may run on a
// shallow copy of a state (compute_pulled_up_tip does) without touching the original.
func WeighJustificationAndFinalization(state *types.BeaconState, totalActiveBalance, previousEpochTargetBalance, currentEpochTargetBalance primitives.Gwei) error {
	previousEpoch := helpers.GetPreviousEpoch(state)
	currentEpoch := helpers.GetCurrentEpoch(state)
	oldPreviousJustified := *state.PreviousJustifiedCheckpoint
	oldCurrentJustified := *state.CurrentJustifiedCheckpoint

	// Process justifications (new checkpoint values: the old ones may be shared with another state)
	state.PreviousJustifiedCheckpoint = checkpoint(oldCurrentJustified)
	bits := justificationBits(state)
	bits = bits << 1 & (1<<types.JustificationBitsLength - 1)
	supermajority := func(balance primitives.Gwei) (bool, error) {
		lhs, err := helpers.SafeMul(uint64(balance), 3)
		if err != nil {
			return false, err
		}
		rhs, err := helpers.SafeMul(uint64(totalActiveBalance), 2)
		if err != nil {
			return false, err
		}
		return lhs >= rhs, nil
	}
	if ok, err := supermajority(previousEpochTargetBalance); err != nil {
		return fmt.Errorf("weigh_justification_and_finalization: %w", err)
	} else if ok {
		root, err := helpers.GetBlockRoot(state, previousEpoch)
		if err != nil {
			return fmt.Errorf("weigh_justification_and_finalization: %w", err)
		}
		state.CurrentJustifiedCheckpoint = &types.Checkpoint{Epoch: previousEpoch, Root: root}
		bits |= 1 << 1
	}
	if ok, err := supermajority(currentEpochTargetBalance); err != nil {
		return fmt.Errorf("weigh_justification_and_finalization: %w", err)
	} else if ok {
		root, err := helpers.GetBlockRoot(state, currentEpoch)
		if err != nil {
			return fmt.Errorf("weigh_justification_and_finalization: %w", err)
		}
		state.CurrentJustifiedCheckpoint = &types.Checkpoint{Epoch: currentEpoch, Root: root}
		bits |= 1 << 0
	}
	setJustificationBits(state, bits)

	// Process finalizations
	all := func(mask uint8) bool { return bits&mask == mask }
	// The 2nd/3rd/4th most recent epochs are justified, the 2nd using the 4th as source
	if all(0b1110) && oldPreviousJustified.Epoch+3 == currentEpoch {
		state.FinalizedCheckpoint = checkpoint(oldPreviousJustified)
	}
	// The 2nd/3rd most recent epochs are justified, the 2nd using the 3rd as source
	if all(0b0110) && oldPreviousJustified.Epoch+2 == currentEpoch {
		state.FinalizedCheckpoint = checkpoint(oldPreviousJustified)
	}
	// The 1st/2nd/3rd most recent epochs are justified, the 1st using the 3rd as source
	if all(0b0111) && oldCurrentJustified.Epoch+2 == currentEpoch {
		state.FinalizedCheckpoint = checkpoint(oldCurrentJustified)
	}
	// The 1st/2nd most recent epochs are justified, the 1st using the 2nd as source
	if all(0b0011) && oldCurrentJustified.Epoch+1 == currentEpoch {
		state.FinalizedCheckpoint = checkpoint(oldCurrentJustified)
	}
	return nil
}

// justificationBits reads the Bitvector[JUSTIFICATION_BITS_LENGTH]: bit i (the i-th most recent epoch) is bit i of
// the first byte.
func justificationBits(state *types.BeaconState) uint8 {
	return state.JustificationBits[0] & (1<<types.JustificationBitsLength - 1)
}

func setJustificationBits(state *types.BeaconState, bits uint8) {
	state.JustificationBits[0] = bits
}

// checkpoint returns a pointer to a fresh copy of cp, so that no two checkpoint fields ever share one.
func checkpoint(cp types.Checkpoint) *types.Checkpoint { return &cp }
