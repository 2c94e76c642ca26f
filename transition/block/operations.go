package block

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessOperations is the spec's process_operations (electra): the deposit count check, then every operation of
// the body, kind by kind, in the spec's order. An operation's error names its kind and index in the block.
func ProcessOperations(env *helpers.Env, state *types.BeaconState, body *types.BeaconBlockBody, verifier helpers.SignatureVerifier) error {
	// The former deposit mechanism stops once every deposit before the first deposit request is processed.
	eth1DepositIndexLimit := min(state.Eth1Data.DepositCount, state.DepositRequestsStartIndex)
	if state.Eth1DepositIndex < eth1DepositIndexLimit {
		if want := min(params.MaxDeposits, eth1DepositIndexLimit-state.Eth1DepositIndex); uint64(len(body.Deposits)) != want {
			return fmt.Errorf("process_operations: %w: %d deposits, expected %d", ErrInvalidOperationCount, len(body.Deposits), want)
		}
	} else if len(body.Deposits) != 0 {
		return fmt.Errorf("process_operations: %w: %d deposits, expected none", ErrInvalidOperationCount, len(body.Deposits))
	}

	for i, op := range body.ProposerSlashings {
		if err := ProcessProposerSlashing(env, state, op, forOperation(verifier, "proposer slashing", i)); err != nil {
			return fmt.Errorf("proposer slashing %d: %w", i, err)
		}
	}
	for i, op := range body.AttesterSlashings {
		if err := ProcessAttesterSlashing(env, state, op, forOperation(verifier, "attester slashing", i)); err != nil {
			return fmt.Errorf("attester slashing %d: %w", i, err)
		}
	}
	if len(body.Attestations) > 0 {
		// Every attestation of the block pays the same proposer from the same total active balance.
		rewards, err := newAttestationRewards(env, state)
		if err != nil {
			return fmt.Errorf("process_operations: %w", err)
		}
		for i, op := range body.Attestations {
			if err := processAttestation(env, state, op, forOperation(verifier, "attestation", i), rewards); err != nil {
				return fmt.Errorf("attestation %d: %w", i, err)
			}
		}
	}
	for i, op := range body.Deposits {
		if err := ProcessDeposit(env, state, op); err != nil {
			return fmt.Errorf("deposit %d: %w", i, err)
		}
	}
	for i, op := range body.VoluntaryExits {
		if err := ProcessVoluntaryExit(env, state, op, forOperation(verifier, "voluntary exit", i)); err != nil {
			return fmt.Errorf("voluntary exit %d: %w", i, err)
		}
	}
	for i, op := range body.BLSToExecutionChanges {
		if err := ProcessBLSToExecutionChange(env, state, op, forOperation(verifier, "BLS to execution change", i)); err != nil {
			return fmt.Errorf("BLS to execution change %d: %w", i, err)
		}
	}
	for i, op := range body.ExecutionRequests.Deposits {
		if err := ProcessDepositRequest(state, op); err != nil {
			return fmt.Errorf("deposit request %d: %w", i, err)
		}
	}
	for i, op := range body.ExecutionRequests.Withdrawals {
		if err := ProcessWithdrawalRequest(env, state, op); err != nil {
			return fmt.Errorf("withdrawal request %d: %w", i, err)
		}
	}
	for i, op := range body.ExecutionRequests.Consolidations {
		if err := ProcessConsolidationRequest(env, state, op); err != nil {
			return fmt.Errorf("consolidation request %d: %w", i, err)
		}
	}
	return nil
}
