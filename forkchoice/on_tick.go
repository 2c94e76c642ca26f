package forkchoice

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
)

// OnTick is the spec's on_tick: it advances store.time to time, running on_tick_per_slot for every slot boundary
// passed. Like the spec it accepts a time before the store's (store.time simply goes back); a time before genesis
// is refused.
func (s *Store) OnTick(time uint64) error {
	if time < s.genesisTime {
		return fmt.Errorf("on_tick: %w: time %d, genesis %d", ErrBeforeGenesis, time, s.genesisTime)
	}
	tickSlot := params.GenesisSlot + primitives.Slot((time-s.genesisTime)/s.cfg.Spec.SecondsPerSlot)
	if current := s.GetCurrentSlot(); current < tickSlot {
		// The spec calls on_tick_per_slot at the start of each slot current+1 .. tickSlot. Each resets the proposer
		// boost and, at an epoch's first slot, realizes the unrealized checkpoints, which none of those calls
		// changes: one reset and at most one update_checkpoints do the same.
		s.proposerBoostRoot = primitives.Root{}
		s.stale = true
		nextEpochStart := (uint64(current)/params.SlotsPerEpoch + 1) * params.SlotsPerEpoch
		if nextEpochStart <= uint64(tickSlot) {
			s.updateCheckpoints(s.unrealizedJustified, s.unrealizedFinalized)
		}
	}
	s.OnTickPerSlot(time)
	s.maybePrune()
	return nil
}

// OnTickPerSlot is the spec's on_tick_per_slot: it sets store.time; at a new slot it resets the proposer boost,
// and at a new epoch it pulls up the justification and finalization of the previous one.
func (s *Store) OnTickPerSlot(time uint64) {
	previousSlot := s.GetCurrentSlot()
	s.time = time
	currentSlot := s.GetCurrentSlot()
	if currentSlot != previousSlot {
		s.stale = true // the proposer boost and the viability of blocks depend on the slot
	}
	if currentSlot > previousSlot {
		s.proposerBoostRoot = primitives.Root{}
	}
	if currentSlot > previousSlot && computeSlotsSinceEpochStart(currentSlot) == 0 {
		s.updateCheckpoints(s.unrealizedJustified, s.unrealizedFinalized)
	}
}

// computeSlotsSinceEpochStart is the spec's compute_slots_since_epoch_start.
func computeSlotsSinceEpochStart(slot primitives.Slot) uint64 {
	return uint64(slot) % params.SlotsPerEpoch
}
