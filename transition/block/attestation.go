package block

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// proposerRewardDenominator is process_attestation's (WEIGHT_DENOMINATOR - PROPOSER_WEIGHT) * WEIGHT_DENOMINATOR //
// PROPOSER_WEIGHT.
const proposerRewardDenominator = (helpers.WeightDenominator - helpers.ProposerWeight) * helpers.WeightDenominator / helpers.ProposerWeight

// attestationRewards is what every attestation of a block reads alike: the proposer it rewards and the base reward
// per increment. Neither changes within a block (effective balances and the current epoch's active set change only
// at epoch boundaries).
type attestationRewards struct {
	proposer     primitives.ValidatorIndex
	perIncrement primitives.Gwei
}

func newAttestationRewards(env *helpers.Env, state *types.BeaconState) (attestationRewards, error) {
	perIncrement, err := helpers.GetBaseRewardPerIncrement(env, state)
	if err != nil {
		return attestationRewards{}, err
	}
	return attestationRewards{proposer: helpers.GetBeaconProposerIndex(state), perIncrement: perIncrement}, nil
}

// ProcessAttestation is the spec's process_attestation (electra, EIP-7549): the attestation's committees and bits
// must match the state's shuffling, its source the justified checkpoint and its signature its attesters; the
// attesters earn their timely flags and the proposer a share of their base rewards.
func ProcessAttestation(env *helpers.Env, state *types.BeaconState, attestation *types.Attestation, verifier helpers.SignatureVerifier) error {
	rewards, err := newAttestationRewards(env, state)
	if err != nil {
		return fmt.Errorf("process_attestation: %w", err)
	}
	return processAttestation(env, state, attestation, verifier, rewards)
}

func processAttestation(env *helpers.Env, state *types.BeaconState, attestation *types.Attestation, verifier helpers.SignatureVerifier, rewards attestationRewards) error {
	data := attestation.Data
	currentEpoch := helpers.GetCurrentEpoch(state)
	if data.Target.Epoch != helpers.GetPreviousEpoch(state) && data.Target.Epoch != currentEpoch {
		return fmt.Errorf("process_attestation: %w: target epoch %d is neither the previous nor the current epoch (%d)",
			ErrInvalidAttestation, data.Target.Epoch, currentEpoch)
	}
	if epoch := helpers.ComputeEpochAtSlot(data.Slot); data.Target.Epoch != epoch {
		return fmt.Errorf("process_attestation: %w: target epoch %d, but slot %d is in epoch %d",
			ErrInvalidAttestation, data.Target.Epoch, data.Slot, epoch)
	}
	if uint64(data.Slot)+params.MinAttestationInclusionDelay > uint64(state.Slot) {
		return fmt.Errorf("process_attestation: %w: slot %d is too recent for a block at slot %d",
			ErrInvalidAttestation, data.Slot, state.Slot)
	}
	if data.Index != 0 {
		return fmt.Errorf("process_attestation: %w: data.index is %d, must be 0", ErrInvalidAttestation, data.Index)
	}

	// Walk the committees once: check each has an attester and collect the attesters (get_attesting_indices).
	bits := attestation.AggregationBits
	bitCount := bits.Len()
	committeeCount := helpers.GetCommitteeCountPerSlot(env, state, data.Target.Epoch)
	attesters := make([]primitives.ValidatorIndex, 0, bits.Count())
	committeeOffset := uint64(0)
	for _, committeeIndex := range helpers.GetCommitteeIndices(attestation.CommitteeBits) {
		if uint64(committeeIndex) >= committeeCount {
			return fmt.Errorf("process_attestation: %w: committee %d of %d", ErrInvalidAttestation, committeeIndex, committeeCount)
		}
		committee, err := helpers.GetBeaconCommittee(env, state, data.Slot, committeeIndex)
		if err != nil {
			return fmt.Errorf("process_attestation: %w", err)
		}
		if committeeOffset+uint64(len(committee)) > bitCount {
			return fmt.Errorf("process_attestation: %w: %d aggregation bits do not cover committee %d",
				ErrInvalidAttestation, bitCount, committeeIndex)
		}
		before := len(attesters)
		for i, index := range committee {
			if bits.BitAt(committeeOffset + uint64(i)) {
				attesters = append(attesters, index)
			}
		}
		if len(attesters) == before {
			return fmt.Errorf("process_attestation: %w: no attester in committee %d", ErrInvalidAttestation, committeeIndex)
		}
		committeeOffset += uint64(len(committee))
	}
	if len(attesters) == 0 { // no committee bit set: is_valid_indexed_attestation rejects empty indices
		return fmt.Errorf("process_attestation: %w: no committee", ErrInvalidAttestation)
	}
	if bitCount != committeeOffset {
		return fmt.Errorf("process_attestation: %w: %d aggregation bits, the committees have %d members",
			ErrInvalidAttestation, bitCount, committeeOffset)
	}

	participationFlagIndices, err := helpers.GetAttestationParticipationFlagIndices(state, data, uint64(state.Slot-data.Slot))
	if err != nil {
		return fmt.Errorf("process_attestation: %w: %w", ErrInvalidAttestation, err)
	}

	// is_valid_indexed_attestation(get_indexed_attestation(...)): the attesters of disjoint committees are a
	// non-empty set of known validators by construction, so only the signature is left to check. Its aggregate key
	// does not depend on the order of the attesters, which therefore need no sorting.
	if err := verifyAttestersSignature(env, state, attesters, data, attestation.Signature, forCheck(verifier, ErrInvalidAttestation)); err != nil {
		return fmt.Errorf("process_attestation: %w", err)
	}

	epochParticipation := state.PreviousEpochParticipation
	if data.Target.Epoch == currentEpoch {
		epochParticipation = state.CurrentEpochParticipation
	}
	var proposerRewardNumerator uint64
	for _, index := range attesters {
		if uint64(index) >= uint64(len(epochParticipation)) {
			return fmt.Errorf("process_attestation: participation of %d: %w", index, helpers.ErrIndexOutOfRange)
		}
		flags := epochParticipation[index]
		for _, flagIndex := range participationFlagIndices {
			if helpers.HasFlag(flags, flagIndex) {
				continue
			}
			flags = helpers.AddFlag(flags, flagIndex)
			baseReward, err := helpers.BaseReward(state.Validators[index].EffectiveBalance, rewards.perIncrement)
			if err != nil {
				return fmt.Errorf("process_attestation: %w", err)
			}
			reward, err := helpers.SafeMul(uint64(baseReward), helpers.ParticipationFlagWeight(flagIndex))
			if err == nil {
				proposerRewardNumerator, err = helpers.SafeAdd(proposerRewardNumerator, reward)
			}
			if err != nil {
				return fmt.Errorf("process_attestation: proposer reward: %w", err)
			}
		}
		epochParticipation[index] = flags
	}
	proposerReward := primitives.Gwei(proposerRewardNumerator / proposerRewardDenominator)
	if err := helpers.IncreaseBalance(state, rewards.proposer, proposerReward); err != nil {
		return fmt.Errorf("process_attestation: %w", err)
	}
	return nil
}

// verifyAttestersSignature hands the check that signature is the attesters' aggregate signature of data to verifier.
func verifyAttestersSignature(env *helpers.Env, state *types.BeaconState, attesters []primitives.ValidatorIndex, data *types.AttestationData, signature primitives.BLSSignature, verifier operationVerifier) error {
	if skipsSignatures(verifier) {
		return nil
	}
	publicKey, err := helpers.AggregatePublicKey(env, state, attesters)
	if err != nil {
		return fmt.Errorf("%w: %w", verifier.owner.sentinel, err)
	}
	domain := helpers.GetDomain(state, params.DomainBeaconAttester, data.Target.Epoch)
	signingRoot := params.ComputeSigningRoot(types.HashTreeRoot(data), domain)
	return addSignature(verifier, "attestation signature", publicKey, signingRoot, signature)
}

// isValidIndexedAttestation is helpers.IsValidIndexedAttestation, whose failures wrap the sentinel of verifier's
// check; with signature checks off it checks only the indices, sparing the aggregation of the attesters' keys.
func isValidIndexedAttestation(env *helpers.Env, state *types.BeaconState, indexed *types.IndexedAttestation, verifier operationVerifier) error {
	if skipsSignatures(verifier) {
		indices := indexed.AttestingIndices
		if len(indices) == 0 {
			return fmt.Errorf("%w: %w: no attesting indices", verifier.owner.sentinel, helpers.ErrInvalidIndexedAttestation)
		}
		for i := 1; i < len(indices); i++ {
			if indices[i-1] >= indices[i] {
				return fmt.Errorf("%w: %w: attesting indices not sorted and unique at position %d",
					verifier.owner.sentinel, helpers.ErrInvalidIndexedAttestation, i)
			}
		}
		if last := indices[len(indices)-1]; uint64(last) >= uint64(len(state.Validators)) {
			return fmt.Errorf("%w: validator %d: %w", verifier.owner.sentinel, last, helpers.ErrIndexOutOfRange)
		}
		return nil
	}
	if err := helpers.IsValidIndexedAttestation(env, state, indexed, verifier); err != nil {
		return owner{sentinel: verifier.owner.sentinel}.wrap(err)
	}
	return nil
}
