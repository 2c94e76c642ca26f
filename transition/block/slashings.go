package block

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessProposerSlashing is the spec's process_proposer_slashing: two different signed headers of one proposer
// for one slot slash it.
func ProcessProposerSlashing(env *helpers.Env, state *types.BeaconState, proposerSlashing *types.ProposerSlashing, verifier helpers.SignatureVerifier) error {
	header1 := proposerSlashing.SignedHeader1.Message
	header2 := proposerSlashing.SignedHeader2.Message
	if header1.Slot != header2.Slot {
		return fmt.Errorf("process_proposer_slashing: %w: header slots %d and %d differ", ErrInvalidProposerSlashing, header1.Slot, header2.Slot)
	}
	if header1.ProposerIndex != header2.ProposerIndex {
		return fmt.Errorf("process_proposer_slashing: %w: proposer indices %d and %d differ",
			ErrInvalidProposerSlashing, header1.ProposerIndex, header2.ProposerIndex)
	}
	if *header1 == *header2 {
		return fmt.Errorf("process_proposer_slashing: %w: the headers are equal", ErrInvalidProposerSlashing)
	}
	proposer, err := helpers.GetValidator(state, header1.ProposerIndex)
	if err != nil {
		return fmt.Errorf("process_proposer_slashing: %w: %w", ErrInvalidProposerSlashing, err)
	}
	if !helpers.IsSlashableValidator(proposer, helpers.GetCurrentEpoch(state)) {
		return fmt.Errorf("process_proposer_slashing: %w: validator %d is not slashable", ErrInvalidProposerSlashing, header1.ProposerIndex)
	}

	v := forCheck(verifier, ErrInvalidProposerSlashing)
	if !skipsSignatures(v) {
		publicKey, err := helpers.ValidatorPublicKey(env, state, header1.ProposerIndex)
		if err != nil {
			return fmt.Errorf("process_proposer_slashing: %w: %w", ErrInvalidProposerSlashing, err)
		}
		for i, signed := range []*types.SignedBeaconBlockHeader{proposerSlashing.SignedHeader1, proposerSlashing.SignedHeader2} {
			domain := helpers.GetDomain(state, params.DomainBeaconProposer, helpers.ComputeEpochAtSlot(signed.Message.Slot))
			signingRoot := params.ComputeSigningRoot(types.HashTreeRoot(signed.Message), domain)
			name := "signed header 1"
			if i == 1 {
				name = "signed header 2"
			}
			if err := addSignature(v, name, publicKey, signingRoot, signed.Signature); err != nil {
				return fmt.Errorf("process_proposer_slashing: %w", err)
			}
		}
	}

	if err := helpers.SlashValidator(env, state, header1.ProposerIndex, nil); err != nil {
		return fmt.Errorf("process_proposer_slashing: %w", err)
	}
	return nil
}

// ProcessAttesterSlashing is the spec's process_attester_slashing: two valid, slashable attestations slash every
// slashable validator that signed both.
func ProcessAttesterSlashing(env *helpers.Env, state *types.BeaconState, attesterSlashing *types.AttesterSlashing, verifier helpers.SignatureVerifier) error {
	attestation1 := attesterSlashing.Attestation1
	attestation2 := attesterSlashing.Attestation2
	if !helpers.IsSlashableAttestationData(attestation1.Data, attestation2.Data) {
		return fmt.Errorf("process_attester_slashing: %w: the attestations are neither a double nor a surround vote", ErrInvalidAttesterSlashing)
	}
	v := forCheck(verifier, ErrInvalidAttesterSlashing)
	for i, attestation := range []*types.IndexedAttestation{attestation1, attestation2} {
		if err := isValidIndexedAttestation(env, state, attestation, v); err != nil {
			return fmt.Errorf("process_attester_slashing: attestation %d: %w", i+1, err)
		}
	}

	// Both index lists are sorted and unique (is_valid_indexed_attestation): intersect them by merging.
	slashedAny := false
	epoch := helpers.GetCurrentEpoch(state)
	indices1, indices2 := attestation1.AttestingIndices, attestation2.AttestingIndices
	for i, j := 0, 0; i < len(indices1) && j < len(indices2); {
		switch a, b := indices1[i], indices2[j]; {
		case a < b:
			i++
		case a > b:
			j++
		default:
			slashed, err := slashIfSlashable(env, state, a, epoch)
			if err != nil {
				return fmt.Errorf("process_attester_slashing: %w", err)
			}
			slashedAny = slashedAny || slashed
			i++
			j++
		}
	}
	if !slashedAny {
		return fmt.Errorf("process_attester_slashing: %w: no validator was slashed", ErrInvalidAttesterSlashing)
	}
	return nil
}

func slashIfSlashable(env *helpers.Env, state *types.BeaconState, index primitives.ValidatorIndex, epoch primitives.Epoch) (bool, error) {
	validator, err := helpers.GetValidator(state, index)
	if err != nil {
		return false, err
	}
	if !helpers.IsSlashableValidator(validator, epoch) {
		return false, nil
	}
	return true, helpers.SlashValidator(env, state, index, nil)
}
