package forkchoice

import (
	"fmt"

	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// OnAttesterSlashing is the spec's on_attester_slashing. The caller checked both attestations with
// is_valid_indexed_attestation on the justified block's state (StateCache.ValidateAttesterSlashing, or block
// processing for a block's slashings); OnAttesterSlashing checks that they are slashable together and adds the
// validators in both to the equivocating indices, whose votes no longer count.
func (s *Store) OnAttesterSlashing(slashing *types.AttesterSlashing) error {
	if slashing == nil || slashing.Attestation1 == nil || slashing.Attestation2 == nil ||
		slashing.Attestation1.Data == nil || slashing.Attestation2.Data == nil ||
		slashing.Attestation1.Data.Source == nil || slashing.Attestation1.Data.Target == nil ||
		slashing.Attestation2.Data.Source == nil || slashing.Attestation2.Data.Target == nil {
		return fmt.Errorf("on_attester_slashing: %w: missing attestation data", ErrInvalidAttesterSlashing)
	}
	a1, a2 := slashing.Attestation1, slashing.Attestation2
	if !helpers.IsSlashableAttestationData(a1.Data, a2.Data) {
		return fmt.Errorf("on_attester_slashing: %w: attestation data not slashable", ErrInvalidAttesterSlashing)
	}
	in2 := make(map[uint64]struct{}, len(a2.AttestingIndices))
	for _, i := range a2.AttestingIndices {
		in2[uint64(i)] = struct{}{}
	}
	for _, i := range a1.AttestingIndices {
		if _, ok := in2[uint64(i)]; ok && i < MaxValidatorIndex {
			s.equivocating.add(i)
			s.stale = true
		}
	}
	return nil
}
