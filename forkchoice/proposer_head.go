package forkchoice

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
)

// IsHeadLate is the spec's is_head_late: the block arrived after the attestation deadline of its slot.
func (s *Store) IsHeadLate(headRoot primitives.Root) (bool, error) {
	n, ok := s.blocks.node(headRoot)
	if !ok {
		return false, fmt.Errorf("is_head_late %#x: %w", headRoot, ErrUnknownBlock)
	}
	return !n.timely, nil
}

// IsShufflingStable is the spec's is_shuffling_stable: slot does not start an epoch, where the proposer shuffling
// could change.
func IsShufflingStable(slot primitives.Slot) bool {
	return uint64(slot)%params.SlotsPerEpoch != 0
}

// IsFFGCompetitive is the spec's is_ffg_competitive: the head and its parent have the same unrealized justification.
func (s *Store) IsFFGCompetitive(headRoot, parentRoot primitives.Root) (bool, error) {
	head, ok := s.blocks.node(headRoot)
	if !ok {
		return false, fmt.Errorf("is_ffg_competitive: head %#x: %w", headRoot, ErrUnknownBlock)
	}
	parent, ok := s.blocks.node(parentRoot)
	if !ok {
		return false, fmt.Errorf("is_ffg_competitive: parent %#x: %w", parentRoot, ErrUnknownBlock)
	}
	return head.unrealizedJustified == parent.unrealizedJustified, nil
}

// IsFinalizationOK is the spec's is_finalization_ok: the chain finalized recently enough for a re-org at slot.
func (s *Store) IsFinalizationOK(slot primitives.Slot) bool {
	epoch := helpers.ComputeEpochAtSlot(slot)
	if epoch < s.finalized.Epoch {
		return true
	}
	return epoch-s.finalized.Epoch <= s.cfg.Spec.ReorgMaxEpochsSinceFinalization
}

// IsProposingOnTime is the spec's is_proposing_on_time: the store's time is within the proposer re-org cutoff of
// its slot.
func (s *Store) IsProposingOnTime() bool {
	timeIntoSlotMS := secondsToMilliseconds(s.time-s.genesisTime) % s.slotDurationMS()
	return timeIntoSlotMS <= s.getProposerReorgCutoffMS()
}

// IsHeadWeak is the spec's is_head_weak: the head weighs less than REORG_HEAD_WEIGHT_THRESHOLD percent of a
// committee.
func (s *Store) IsHeadWeak(headRoot primitives.Root) (bool, error) {
	balances, err := s.checkpointBalances()
	if err != nil {
		return false, err
	}
	headWeight, err := s.GetWeight(headRoot)
	if err != nil {
		return false, err
	}
	return headWeight < calculateCommitteeFraction(balances, s.cfg.Spec.ReorgHeadWeightThreshold), nil
}

// IsParentStrong is the spec's is_parent_strong: the parent weighs more than REORG_PARENT_WEIGHT_THRESHOLD percent
// of a committee.
func (s *Store) IsParentStrong(parentRoot primitives.Root) (bool, error) {
	balances, err := s.checkpointBalances()
	if err != nil {
		return false, err
	}
	parentWeight, err := s.GetWeight(parentRoot)
	if err != nil {
		return false, err
	}
	return parentWeight > calculateCommitteeFraction(balances, s.cfg.Spec.ReorgParentWeightThreshold), nil
}

// reorgBlocks returns the head block and its parent, both of which the re-org helpers need.
func (s *Store) reorgBlocks(headRoot primitives.Root) (head, parent *protoNode, err error) {
	head, ok := s.blocks.node(headRoot)
	if !ok {
		return nil, nil, fmt.Errorf("head %#x: %w", headRoot, ErrUnknownBlock)
	}
	parent, ok = s.blocks.node(head.parentRoot)
	if !ok {
		return nil, nil, fmt.Errorf("parent %#x of head %#x: %w", head.parentRoot, headRoot, ErrUnknownBlock)
	}
	return head, parent, nil
}

// GetProposerHead is the spec's get_proposer_head: the block a proposer at slot builds on, which is the head's
// parent when the head came late, is weak, and re-orging it costs at most one slot; otherwise the head. Like the
// spec it refuses a head that still holds the proposer boost (ErrProposerBoostActive).
func (s *Store) GetProposerHead(headRoot primitives.Root, slot primitives.Slot) (primitives.Root, error) {
	head, parent, err := s.reorgBlocks(headRoot)
	if err != nil {
		return primitives.Root{}, fmt.Errorf("get_proposer_head: %w", err)
	}
	parentRoot := parent.root
	headLate := !head.timely
	shufflingStable := IsShufflingStable(slot)
	ffgCompetitive := head.unrealizedJustified == parent.unrealizedJustified
	finalizationOK := s.IsFinalizationOK(slot)
	proposingOnTime := s.IsProposingOnTime()
	parentSlotOK := parent.slot+1 == head.slot
	currentTimeOK := head.slot+1 == slot
	singleSlotReorg := parentSlotOK && currentTimeOK
	if s.proposerBoostRoot == headRoot {
		return primitives.Root{}, fmt.Errorf("get_proposer_head %#x: %w", headRoot, ErrProposerBoostActive)
	}
	headWeak, err := s.IsHeadWeak(headRoot)
	if err != nil {
		return primitives.Root{}, fmt.Errorf("get_proposer_head: %w", err)
	}
	parentStrong, err := s.IsParentStrong(parentRoot)
	if err != nil {
		return primitives.Root{}, fmt.Errorf("get_proposer_head: %w", err)
	}
	if headLate && shufflingStable && ffgCompetitive && finalizationOK && proposingOnTime && singleSlotReorg &&
		headWeak && parentStrong {
		return parentRoot, nil
	}
	return headRoot, nil
}

// ShouldOverrideForkchoiceUpdate is the spec's should_override_forkchoice_update (bellatrix): whether to hold
// back the forkchoiceUpdated call for headRoot because this node will probably re-org it in the next slot.
// proposerConnected is validator_is_connected of the next slot's proposer; it is asked only when every other
// condition holds.
func (s *Store) ShouldOverrideForkchoiceUpdate(headRoot primitives.Root, proposerConnected ProposerConnected) (bool, error) {
	head, parent, err := s.reorgBlocks(headRoot)
	if err != nil {
		return false, fmt.Errorf("should_override_forkchoice_update: %w", err)
	}
	currentSlot := s.GetCurrentSlot()
	proposalSlot := head.slot + 1
	headLate := !head.timely
	shufflingStable := IsShufflingStable(proposalSlot)
	ffgCompetitive := head.unrealizedJustified == parent.unrealizedJustified
	finalizationOK := s.IsFinalizationOK(proposalSlot)
	parentSlotOK := parent.slot+1 == head.slot
	proposingOnTime := s.IsProposingOnTime()
	// Note that this condition is different from get_proposer_head
	currentTimeOK := head.slot == currentSlot || (proposalSlot == currentSlot && proposingOnTime)
	singleSlotReorg := parentSlotOK && currentTimeOK
	if !(headLate && shufflingStable && ffgCompetitive && finalizationOK && singleSlotReorg) {
		return false, nil
	}
	// Check the head weight only if the attestations from the head slot have already been applied.
	if currentSlot > head.slot {
		headWeak, err := s.IsHeadWeak(headRoot)
		if err != nil {
			return false, fmt.Errorf("should_override_forkchoice_update: %w", err)
		}
		parentStrong, err := s.IsParentStrong(parent.root)
		if err != nil {
			return false, fmt.Errorf("should_override_forkchoice_update: %w", err)
		}
		if !headWeak || !parentStrong {
			return false, nil
		}
	}
	proposingReorgSlot, err := proposerConnected(parent.root, proposalSlot)
	if err != nil {
		return false, fmt.Errorf("should_override_forkchoice_update: validator_is_connected: %w", err)
	}
	return proposingReorgSlot, nil
}
