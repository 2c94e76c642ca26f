package block

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessVoluntaryExit is the spec's process_voluntary_exit (electra): an active validator, long enough in
// service, without pending partial withdrawals, signs its exit, which is then queued.
func ProcessVoluntaryExit(env *helpers.Env, state *types.BeaconState, signedVoluntaryExit *types.SignedVoluntaryExit, verifier helpers.SignatureVerifier) error {
	voluntaryExit := signedVoluntaryExit.Message
	index := voluntaryExit.ValidatorIndex
	validator, err := helpers.GetValidator(state, index)
	if err != nil {
		return fmt.Errorf("process_voluntary_exit: %w: %w", ErrInvalidVoluntaryExit, err)
	}
	currentEpoch := helpers.GetCurrentEpoch(state)
	if !helpers.IsActiveValidator(validator, currentEpoch) {
		return fmt.Errorf("process_voluntary_exit: %w: validator %d is not active", ErrInvalidVoluntaryExit, index)
	}
	if validator.ExitEpoch != primitives.FarFutureEpoch {
		return fmt.Errorf("process_voluntary_exit: %w: validator %d is already exiting at epoch %d", ErrInvalidVoluntaryExit, index, validator.ExitEpoch)
	}
	if currentEpoch < voluntaryExit.Epoch {
		return fmt.Errorf("process_voluntary_exit: %w: the exit is valid from epoch %d, now is %d", ErrInvalidVoluntaryExit, voluntaryExit.Epoch, currentEpoch)
	}
	if eligible, err := helpers.SafeAdd(uint64(validator.ActivationEpoch), uint64(env.Spec.ShardCommitteePeriod)); err != nil || uint64(currentEpoch) < eligible {
		return fmt.Errorf("process_voluntary_exit: %w: validator %d, active since epoch %d, has not served SHARD_COMMITTEE_PERIOD",
			ErrInvalidVoluntaryExit, index, validator.ActivationEpoch)
	}
	pending, err := helpers.GetPendingBalanceToWithdraw(state, index)
	if err != nil {
		return fmt.Errorf("process_voluntary_exit: %w", err)
	}
	if pending != 0 {
		return fmt.Errorf("process_voluntary_exit: %w: validator %d has %d Gwei of pending withdrawals", ErrInvalidVoluntaryExit, index, pending)
	}

	v := forCheck(verifier, ErrInvalidVoluntaryExit)
	if !skipsSignatures(v) {
		publicKey, err := helpers.ValidatorPublicKey(env, state, index)
		if err != nil {
			return fmt.Errorf("process_voluntary_exit: %w: %w", ErrInvalidVoluntaryExit, err)
		}
		// EIP-7044: exits are signed under the Capella fork version for good.
		domain := params.ComputeDomain(params.DomainVoluntaryExit, env.Spec.ForkVersion(params.Capella), state.GenesisValidatorsRoot)
		signingRoot := params.ComputeSigningRoot(types.HashTreeRoot(voluntaryExit), domain)
		if err := addSignature(v, "voluntary exit signature", publicKey, signingRoot, signedVoluntaryExit.Signature); err != nil {
			return fmt.Errorf("process_voluntary_exit: %w", err)
		}
	}

	if err := helpers.InitiateValidatorExit(env, state, index); err != nil {
		return fmt.Errorf("process_voluntary_exit: %w", err)
	}
	return nil
}

// ProcessBLSToExecutionChange is the spec's process_bls_to_execution_change (capella): the holder of a validator's
// BLS withdrawal key switches it to an execution address.
func ProcessBLSToExecutionChange(env *helpers.Env, state *types.BeaconState, signedAddressChange *types.SignedBLSToExecutionChange, verifier helpers.SignatureVerifier) error {
	addressChange := signedAddressChange.Message
	validator, err := helpers.GetValidator(state, addressChange.ValidatorIndex)
	if err != nil {
		return fmt.Errorf("process_bls_to_execution_change: %w: %w", ErrInvalidBLSToExecutionChange, err)
	}
	credentials := &validator.WithdrawalCredentials
	if credentials[0] != helpers.BLSWithdrawalPrefix {
		return fmt.Errorf("process_bls_to_execution_change: %w: validator %d has no BLS withdrawal credentials",
			ErrInvalidBLSToExecutionChange, addressChange.ValidatorIndex)
	}
	if hash := sha256.Sum256(addressChange.FromBLSPubkey[:]); !bytes.Equal(credentials[1:], hash[1:]) {
		return fmt.Errorf("process_bls_to_execution_change: %w: key %#x does not match validator %d's withdrawal credentials",
			ErrInvalidBLSToExecutionChange, addressChange.FromBLSPubkey, addressChange.ValidatorIndex)
	}

	v := forCheck(verifier, ErrInvalidBLSToExecutionChange)
	if !skipsSignatures(v) {
		publicKey, err := bls.PublicKeyFromBytes(addressChange.FromBLSPubkey[:])
		if err != nil {
			return fmt.Errorf("process_bls_to_execution_change: %w: %w", ErrInvalidBLSToExecutionChange, err)
		}
		// Fork-agnostic domain: address changes are valid across forks.
		domain := params.ComputeDomain(params.DomainBLSToExecutionChange, env.Spec.ForkVersion(params.Phase0), state.GenesisValidatorsRoot)
		signingRoot := params.ComputeSigningRoot(types.HashTreeRoot(addressChange), domain)
		if err := addSignature(v, "BLS to execution change signature", publicKey, signingRoot, signedAddressChange.Signature); err != nil {
			return fmt.Errorf("process_bls_to_execution_change: %w", err)
		}
	}

	var newCredentials primitives.Bytes32
	newCredentials[0] = helpers.ETH1AddressWithdrawalPrefix
	copy(newCredentials[12:], addressChange.ToExecutionAddress[:])
	validator.WithdrawalCredentials = newCredentials
	return nil
}
