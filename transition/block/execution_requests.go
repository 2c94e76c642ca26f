package block

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// FullExitRequestAmount is the spec's FULL_EXIT_REQUEST_AMOUNT (electra): a withdrawal request for this amount asks
// for a full exit.
const FullExitRequestAmount primitives.Gwei = 0

// ProcessWithdrawalRequest is the spec's process_withdrawal_request (electra): an execution-layer request, signed by
// the validator's withdrawal address, to exit or to withdraw excess balance. A request that fails a check is
// ignored, as the execution layer cannot know the beacon state; only a broken state is an error.
func ProcessWithdrawalRequest(env *helpers.Env, state *types.BeaconState, withdrawalRequest *types.WithdrawalRequest) error {
	amount := withdrawalRequest.Amount
	isFullExitRequest := amount == FullExitRequestAmount
	// If the partial withdrawal queue is full, only full exits are processed.
	if uint64(len(state.PendingPartialWithdrawals)) == params.PendingPartialWithdrawalsLimit && !isFullExitRequest {
		return nil
	}

	index, ok := helpers.ValidatorIndexByPubkey(env, state, withdrawalRequest.ValidatorPubkey)
	if !ok {
		return nil
	}
	validator := state.Validators[index]
	hasCorrectCredential := helpers.HasExecutionWithdrawalCredential(validator)
	isCorrectSourceAddress := primitives.ExecutionAddress(validator.WithdrawalCredentials[12:]) == withdrawalRequest.SourceAddress
	if !(hasCorrectCredential && isCorrectSourceAddress) {
		return nil
	}
	currentEpoch := helpers.GetCurrentEpoch(state)
	if !helpers.IsActiveValidator(validator, currentEpoch) {
		return nil
	}
	if validator.ExitEpoch != primitives.FarFutureEpoch {
		return nil
	}
	if !servedShardCommitteePeriod(env, validator, currentEpoch) {
		return nil
	}

	pendingBalanceToWithdraw, err := helpers.GetPendingBalanceToWithdraw(state, index)
	if err != nil {
		return fmt.Errorf("process_withdrawal_request: %w", err)
	}
	if isFullExitRequest {
		// Only exit a validator that has no pending withdrawals in the queue.
		if pendingBalanceToWithdraw == 0 {
			if err := helpers.InitiateValidatorExit(env, state, index); err != nil {
				return fmt.Errorf("process_withdrawal_request: %w", err)
			}
		}
		return nil
	}

	balance := state.Balances[index] // the state's lists have one entry per validator (AddValidatorToRegistry)
	hasSufficientEffectiveBalance := validator.EffectiveBalance >= params.MinActivationBalance
	reserved, err := helpers.SafeAdd(params.MinActivationBalance, uint64(pendingBalanceToWithdraw))
	if err != nil {
		return fmt.Errorf("process_withdrawal_request: %w", err)
	}
	hasExcessBalance := uint64(balance) > reserved
	// Only compounding validators may withdraw part of their balance.
	if helpers.HasCompoundingWithdrawalCredential(validator) && hasSufficientEffectiveBalance && hasExcessBalance {
		toWithdraw := min(balance-primitives.Gwei(reserved), amount)
		exitQueueEpoch, err := helpers.ComputeExitEpochAndUpdateChurn(env, state, toWithdraw)
		if err != nil {
			return fmt.Errorf("process_withdrawal_request: %w", err)
		}
		withdrawableEpoch, err := helpers.SafeAdd(uint64(exitQueueEpoch), uint64(env.Spec.MinValidatorWithdrawabilityDelay))
		if err != nil {
			return fmt.Errorf("process_withdrawal_request: withdrawable epoch: %w", err)
		}
		state.PendingPartialWithdrawals = append(state.PendingPartialWithdrawals, &types.PendingPartialWithdrawal{
			ValidatorIndex:    index,
			Amount:            toWithdraw,
			WithdrawableEpoch: primitives.Epoch(withdrawableEpoch),
		})
	}
	return nil
}

// servedShardCommitteePeriod reports whether validator has been active for SHARD_COMMITTEE_PERIOD epochs at epoch.
func servedShardCommitteePeriod(env *helpers.Env, validator *types.Validator, epoch primitives.Epoch) bool {
	eligible, err := helpers.SafeAdd(uint64(validator.ActivationEpoch), uint64(env.Spec.ShardCommitteePeriod))
	return err == nil && uint64(epoch) >= eligible
}

// IsValidSwitchToCompoundingRequest is the spec's is_valid_switch_to_compounding_request (electra): a consolidation
// request of a validator with itself, from its withdrawal address, switches its credentials to compounding.
func IsValidSwitchToCompoundingRequest(env *helpers.Env, state *types.BeaconState, consolidationRequest *types.ConsolidationRequest) bool {
	if consolidationRequest.SourcePubkey != consolidationRequest.TargetPubkey {
		return false
	}
	index, ok := helpers.ValidatorIndexByPubkey(env, state, consolidationRequest.SourcePubkey)
	if !ok {
		return false
	}
	sourceValidator := state.Validators[index]
	if primitives.ExecutionAddress(sourceValidator.WithdrawalCredentials[12:]) != consolidationRequest.SourceAddress {
		return false
	}
	if !helpers.HasETH1WithdrawalCredential(sourceValidator) {
		return false
	}
	if !helpers.IsActiveValidator(sourceValidator, helpers.GetCurrentEpoch(state)) {
		return false
	}
	return sourceValidator.ExitEpoch == primitives.FarFutureEpoch
}

// ProcessConsolidationRequest is the spec's process_consolidation_request (electra): an execution-layer request,
// signed by the source's withdrawal address, to move the source validator's balance to a compounding target (or,
// with source = target, to switch to compounding credentials). A request that fails a check is ignored.
func ProcessConsolidationRequest(env *helpers.Env, state *types.BeaconState, consolidationRequest *types.ConsolidationRequest) error {
	if IsValidSwitchToCompoundingRequest(env, state, consolidationRequest) {
		sourceIndex, _ := helpers.ValidatorIndexByPubkey(env, state, consolidationRequest.SourcePubkey)
		if err := helpers.SwitchToCompoundingValidator(state, sourceIndex); err != nil {
			return fmt.Errorf("process_consolidation_request: %w", err)
		}
		return nil
	}

	// A consolidation with itself cannot be used as an exit.
	if consolidationRequest.SourcePubkey == consolidationRequest.TargetPubkey {
		return nil
	}
	if uint64(len(state.PendingConsolidations)) == params.PendingConsolidationsLimit {
		return nil
	}
	churnLimit, err := helpers.GetConsolidationChurnLimit(env, state)
	if err != nil {
		return fmt.Errorf("process_consolidation_request: %w", err)
	}
	if churnLimit <= params.MinActivationBalance {
		return nil
	}

	sourceIndex, ok := helpers.ValidatorIndexByPubkey(env, state, consolidationRequest.SourcePubkey)
	if !ok {
		return nil
	}
	targetIndex, ok := helpers.ValidatorIndexByPubkey(env, state, consolidationRequest.TargetPubkey)
	if !ok {
		return nil
	}
	sourceValidator := state.Validators[sourceIndex]
	targetValidator := state.Validators[targetIndex]

	hasCorrectCredential := helpers.HasExecutionWithdrawalCredential(sourceValidator)
	isCorrectSourceAddress := primitives.ExecutionAddress(sourceValidator.WithdrawalCredentials[12:]) == consolidationRequest.SourceAddress
	if !(hasCorrectCredential && isCorrectSourceAddress) {
		return nil
	}
	if !helpers.HasCompoundingWithdrawalCredential(targetValidator) {
		return nil
	}
	currentEpoch := helpers.GetCurrentEpoch(state)
	if !helpers.IsActiveValidator(sourceValidator, currentEpoch) || !helpers.IsActiveValidator(targetValidator, currentEpoch) {
		return nil
	}
	if sourceValidator.ExitEpoch != primitives.FarFutureEpoch || targetValidator.ExitEpoch != primitives.FarFutureEpoch {
		return nil
	}
	if !servedShardCommitteePeriod(env, sourceValidator, currentEpoch) {
		return nil
	}
	pending, err := helpers.GetPendingBalanceToWithdraw(state, sourceIndex)
	if err != nil {
		return fmt.Errorf("process_consolidation_request: %w", err)
	}
	if pending > 0 {
		return nil
	}

	// Initiate the source's exit and queue the consolidation.
	exitEpoch, err := helpers.ComputeConsolidationEpochAndUpdateChurn(env, state, sourceValidator.EffectiveBalance)
	if err != nil {
		return fmt.Errorf("process_consolidation_request: %w", err)
	}
	withdrawableEpoch, err := helpers.SafeAdd(uint64(exitEpoch), uint64(env.Spec.MinValidatorWithdrawabilityDelay))
	if err != nil {
		return fmt.Errorf("process_consolidation_request: withdrawable epoch: %w", err)
	}
	sourceValidator.ExitEpoch = exitEpoch
	sourceValidator.WithdrawableEpoch = primitives.Epoch(withdrawableEpoch)
	state.PendingConsolidations = append(state.PendingConsolidations, &types.PendingConsolidation{SourceIndex: sourceIndex, TargetIndex: targetIndex})
	return nil
}
