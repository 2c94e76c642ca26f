package forkchoice

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// MaxValidatorIndex bounds the validator indices the store tracks votes for, so that a bad index cannot make it
// allocate without limit: far above any registry a network will reach, far below VALIDATOR_REGISTRY_LIMIT.
const MaxValidatorIndex = 1 << 26

// OnAttestation is the spec's on_attestation for an attestation in its indexed form. The caller did the part that
// needs beacon states: store_target_checkpoint_state, get_indexed_attestation and is_valid_indexed_attestation on
// the target checkpoint state (StateCache.IndexedAttestation, or gossip validation, or block processing for the
// attestations of a block); OnAttestation runs validate_on_attestation and update_latest_messages.
//
// isFromBlock is the spec's is_from_block: the attestation came in a block, so its target epoch is not checked
// against the store's time.
func (s *Store) OnAttestation(attestation *types.IndexedAttestation, isFromBlock bool) error {
	if attestation == nil || attestation.Data == nil || attestation.Data.Target == nil || attestation.Data.Source == nil {
		return fmt.Errorf("on_attestation: %w: missing data", ErrInvalidAttestation)
	}
	node, err := s.validateOnAttestation(attestation.Data, isFromBlock)
	if err != nil {
		return fmt.Errorf("on_attestation: %w", err)
	}
	for _, i := range attestation.AttestingIndices {
		if i >= MaxValidatorIndex {
			return fmt.Errorf("on_attestation: %w: validator index %d out of range", ErrInvalidAttestation, i)
		}
	}
	s.updateLatestMessages(attestation.AttestingIndices, attestation.Data.Target.Epoch, node)
	return nil
}

// validateTargetEpochAgainstCurrentTime is the spec's validate_target_epoch_against_current_time.
func (s *Store) validateTargetEpochAgainstCurrentTime(target *types.Checkpoint) error {
	currentEpoch := s.GetCurrentStoreEpoch()
	previousEpoch := params.GenesisEpoch
	if currentEpoch > params.GenesisEpoch {
		previousEpoch = currentEpoch - 1
	}
	switch {
	case target.Epoch == currentEpoch || target.Epoch == previousEpoch:
		return nil
	case target.Epoch > currentEpoch:
		return fmt.Errorf("%w: target epoch %d, current epoch %d", ErrFutureEpoch, target.Epoch, currentEpoch)
	default:
		return fmt.Errorf("%w: target epoch %d, current epoch %d", ErrStaleAttestation, target.Epoch, currentEpoch)
	}
}

// validateOnAttestation is the spec's validate_on_attestation. It returns the index of the attested block.
func (s *Store) validateOnAttestation(data *types.AttestationData, isFromBlock bool) (uint32, error) {
	target := data.Target
	if !isFromBlock {
		if err := s.validateTargetEpochAgainstCurrentTime(target); err != nil {
			return noIndex, err
		}
	}
	if epoch := helpers.ComputeEpochAtSlot(data.Slot); target.Epoch != epoch {
		return noIndex, fmt.Errorf("%w: target epoch %d, slot %d is in epoch %d", ErrInvalidAttestation, target.Epoch,
			data.Slot, epoch)
	}
	targetIndex, ok := s.blocks.index(target.Root)
	if !ok {
		return noIndex, fmt.Errorf("target %#x: %w", target.Root, ErrUnknownBlock)
	}
	blockIndex, ok := s.blocks.index(data.BeaconBlockRoot)
	if !ok {
		return noIndex, fmt.Errorf("block %#x: %w", data.BeaconBlockRoot, ErrUnknownBlock)
	}
	if blockSlot := s.blocks.nodes[blockIndex].slot; blockSlot > data.Slot {
		return noIndex, fmt.Errorf("%w: block %#x at slot %d is after the attestation's slot %d", ErrInvalidAttestation,
			data.BeaconBlockRoot, blockSlot, data.Slot)
	}
	// LMD vote must be consistent with FFG vote target
	if s.blocks.ancestor(blockIndex, helpers.ComputeStartSlotAtEpoch(target.Epoch)) != targetIndex {
		return noIndex, fmt.Errorf("%w: target %#x is not the checkpoint block of %#x in epoch %d",
			ErrInvalidAttestation, target.Root, data.BeaconBlockRoot, target.Epoch)
	}
	// Attestations can only affect the fork choice of subsequent slots.
	if current := s.GetCurrentSlot(); current < data.Slot+1 {
		return noIndex, fmt.Errorf("%w: attestation slot %d, current slot %d", ErrFutureSlot, data.Slot, current)
	}
	return blockIndex, nil
}

// updateLatestMessages is the spec's update_latest_messages.
func (s *Store) updateLatestMessages(attestingIndices []primitives.ValidatorIndex, targetEpoch primitives.Epoch, node uint32) {
	for _, i := range attestingIndices {
		if !s.equivocating.has(i) && s.votes.update(i, targetEpoch, node) {
			s.stale = true
		}
	}
}
