package epoch

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessSlots is the spec's process_slots: advance state to slot (which must be later), caching roots at each
// slot and running ProcessEpoch at the last slot of each epoch. On error the state is partly advanced; callers
// transition a copy (helpers.CopyState).
func ProcessSlots(env *helpers.Env, state *types.BeaconState, slot primitives.Slot) error {
	if state.Slot >= slot {
		return fmt.Errorf("process_slots: %w: target slot %d is not after the state's slot %d", helpers.ErrInvalidSlot, slot, state.Slot)
	}
	for state.Slot < slot {
		if err := ProcessSlot(env, state); err != nil {
			return fmt.Errorf("process_slots: slot %d: %w", state.Slot, err)
		}
		// Process the epoch on the start slot of the next epoch.
		if (uint64(state.Slot)+1)%params.SlotsPerEpoch == 0 {
			if err := ProcessEpoch(env, state); err != nil {
				return fmt.Errorf("process_slots: epoch %d: %w", helpers.GetCurrentEpoch(state), err)
			}
		}
		state.Slot++
	}
	return nil
}

// ProcessSlot is the spec's process_slot: record the previous state root and block root.
func ProcessSlot(env *helpers.Env, state *types.BeaconState) error {
	previousStateRoot, err := env.HashTreeRoot(state)
	if err != nil {
		return err
	}
	state.StateRoots[uint64(state.Slot)%params.SlotsPerHistoricalRoot] = previousStateRoot
	if state.LatestBlockHeader.StateRoot == (primitives.Root{}) {
		header := *state.LatestBlockHeader
		header.StateRoot = previousStateRoot
		state.LatestBlockHeader = &header
	}
	previousBlockRoot := types.HashTreeRoot(state.LatestBlockHeader)
	state.BlockRoots[uint64(state.Slot)%params.SlotsPerHistoricalRoot] = previousBlockRoot
	return nil
}
