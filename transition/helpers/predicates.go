package helpers

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// IsActiveValidator is the spec's is_active_validator.
func IsActiveValidator(validator *types.Validator, epoch primitives.Epoch) bool {
	return validator.ActivationEpoch <= epoch && epoch < validator.ExitEpoch
}

// IsEligibleForActivationQueue is the spec's is_eligible_for_activation_queue (electra).
func IsEligibleForActivationQueue(validator *types.Validator) bool {
	return validator.ActivationEligibilityEpoch == primitives.FarFutureEpoch &&
		validator.EffectiveBalance >= params.MinActivationBalance
}

// IsEligibleForActivation is the spec's is_eligible_for_activation.
func IsEligibleForActivation(state *types.BeaconState, validator *types.Validator) bool {
	return validator.ActivationEligibilityEpoch <= state.FinalizedCheckpoint.Epoch &&
		validator.ActivationEpoch == primitives.FarFutureEpoch
}

// IsSlashableValidator is the spec's is_slashable_validator.
func IsSlashableValidator(validator *types.Validator, epoch primitives.Epoch) bool {
	return !validator.Slashed && validator.ActivationEpoch <= epoch && epoch < validator.WithdrawableEpoch
}

// IsSlashableAttestationData is the spec's is_slashable_attestation_data: a double or a surround vote.
func IsSlashableAttestationData(data1, data2 *types.AttestationData) bool {
	doubleVote := !attestationDataEqual(data1, data2) && data1.Target.Epoch == data2.Target.Epoch
	surroundVote := data1.Source.Epoch < data2.Source.Epoch && data2.Target.Epoch < data1.Target.Epoch
	return doubleVote || surroundVote
}

func attestationDataEqual(a, b *types.AttestationData) bool {
	return a.Slot == b.Slot && a.Index == b.Index && a.BeaconBlockRoot == b.BeaconBlockRoot &&
		*a.Source == *b.Source && *a.Target == *b.Target
}

// IsValidIndexedAttestation is the spec's is_valid_indexed_attestation. It returns nil when the attesting indices
// are non-empty, sorted, unique and known, and the aggregate signature was handed to verifier without being found
// invalid; otherwise an error wrapping ErrInvalidIndexedAttestation, ErrIndexOutOfRange or ErrInvalidSignature.
// With a BatchVerifier, the signature's verdict comes from BatchVerifier.Verify.
func IsValidIndexedAttestation(env *Env, state *types.BeaconState, attestation *types.IndexedAttestation, verifier SignatureVerifier) error {
	indices := attestation.AttestingIndices
	if len(indices) == 0 {
		return fmt.Errorf("%w: no attesting indices", ErrInvalidIndexedAttestation)
	}
	for i := 1; i < len(indices); i++ {
		if indices[i-1] >= indices[i] {
			return fmt.Errorf("%w: attesting indices not sorted and unique at position %d", ErrInvalidIndexedAttestation, i)
		}
	}
	publicKey, err := aggregatePublicKey(env, state, indices)
	if err != nil {
		return fmt.Errorf("is_valid_indexed_attestation: %w", err)
	}
	domain := GetDomain(state, params.DomainBeaconAttester, attestation.Data.Target.Epoch)
	signingRoot := params.ComputeSigningRoot(types.HashTreeRoot(attestation.Data), domain)
	set, err := NewSignatureSet("indexed attestation", publicKey, signingRoot, attestation.Signature)
	if err != nil {
		return err
	}
	return verifier.Add(set)
}

// IsCompoundingWithdrawalCredential is the spec's is_compounding_withdrawal_credential.
func IsCompoundingWithdrawalCredential(withdrawalCredentials primitives.Bytes32) bool {
	return withdrawalCredentials[0] == CompoundingWithdrawalPrefix
}

// HasCompoundingWithdrawalCredential is the spec's has_compounding_withdrawal_credential.
func HasCompoundingWithdrawalCredential(validator *types.Validator) bool {
	return IsCompoundingWithdrawalCredential(validator.WithdrawalCredentials)
}

// HasETH1WithdrawalCredential is the spec's has_eth1_withdrawal_credential.
func HasETH1WithdrawalCredential(validator *types.Validator) bool {
	return validator.WithdrawalCredentials[0] == ETH1AddressWithdrawalPrefix
}

// HasExecutionWithdrawalCredential is the spec's has_execution_withdrawal_credential.
func HasExecutionWithdrawalCredential(validator *types.Validator) bool {
	return HasETH1WithdrawalCredential(validator) || HasCompoundingWithdrawalCredential(validator)
}

// IsFullyWithdrawableValidator is the spec's is_fully_withdrawable_validator (electra).
func IsFullyWithdrawableValidator(validator *types.Validator, balance primitives.Gwei, epoch primitives.Epoch) bool {
	return HasExecutionWithdrawalCredential(validator) && validator.WithdrawableEpoch <= epoch && balance > 0
}

// IsPartiallyWithdrawableValidator is the spec's is_partially_withdrawable_validator (electra).
func IsPartiallyWithdrawableValidator(validator *types.Validator, balance primitives.Gwei) bool {
	maxEffectiveBalance := GetMaxEffectiveBalance(validator)
	hasMaxEffectiveBalance := validator.EffectiveBalance == maxEffectiveBalance
	hasExcessBalance := balance > maxEffectiveBalance
	return HasExecutionWithdrawalCredential(validator) && hasMaxEffectiveBalance && hasExcessBalance
}

// IsInInactivityLeak is the spec's is_in_inactivity_leak.
func IsInInactivityLeak(state *types.BeaconState) (bool, error) {
	delay, err := GetFinalityDelay(state)
	if err != nil {
		return false, err
	}
	return delay > params.MinEpochsToInactivityPenalty, nil
}

// GetFinalityDelay is the spec's get_finality_delay. A finalized epoch beyond the previous epoch, which no chain
// reaches, underflows as in the spec.
func GetFinalityDelay(state *types.BeaconState) (uint64, error) {
	delay, err := SafeSub(uint64(GetPreviousEpoch(state)), uint64(state.FinalizedCheckpoint.Epoch))
	if err != nil {
		return 0, fmt.Errorf("get_finality_delay: finalized epoch %d after previous epoch %d: %w",
			state.FinalizedCheckpoint.Epoch, GetPreviousEpoch(state), err)
	}
	return delay, nil
}
