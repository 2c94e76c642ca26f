package epoch

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ApplyPendingDeposit is the spec's apply_pending_deposit (electra): a new validator when the deposit's
// proof of possession is valid, a top-up otherwise.
func ApplyPendingDeposit(env *helpers.Env, state *types.BeaconState, deposit *types.PendingDeposit) error {
	index, known := helpers.ValidatorIndexByPubkey(env, state, deposit.Pubkey)
	if known {
		return helpers.IncreaseBalance(state, index, deposit.Amount)
	}
	if helpers.IsValidDepositSignature(env, deposit.Pubkey, deposit.WithdrawalCredentials, deposit.Amount, deposit.Signature) {
		return helpers.AddValidatorToRegistry(env, state, deposit.Pubkey, deposit.WithdrawalCredentials, deposit.Amount)
	}
	return nil
}

// ProcessPendingDeposits is the spec's process_pending_deposits (electra): apply queued deposits in order, while
// they are finalized, fit the activation churn and number at most MAX_PENDING_DEPOSITS_PER_EPOCH; deposits to
// exiting validators wait until they are withdrawable.
func ProcessPendingDeposits(env *helpers.Env, state *types.BeaconState) error {
	nextEpoch := helpers.GetCurrentEpoch(state) + 1
	churn, err := helpers.GetActivationExitChurnLimit(env, state)
	if err != nil {
		return fmt.Errorf("process_pending_deposits: %w", err)
	}
	availableForProcessing, err := helpers.SafeAdd(state.DepositBalanceToConsume, churn)
	if err != nil {
		return fmt.Errorf("process_pending_deposits: available for processing: %w", err)
	}
	var processedAmount primitives.Gwei
	nextDepositIndex := 0
	var depositsToPostpone []*types.PendingDeposit
	isChurnLimitReached := false
	finalizedSlot, err := helpers.SafeMul(primitives.Slot(state.FinalizedCheckpoint.Epoch), params.SlotsPerEpoch)
	if err != nil {
		return fmt.Errorf("process_pending_deposits: finalized slot: %w", err)
	}

	for _, deposit := range state.PendingDeposits {
		// Deposit requests wait until every Eth1 bridge deposit is applied.
		if deposit.Slot > params.GenesisSlot && state.Eth1DepositIndex < state.DepositRequestsStartIndex {
			break
		}
		// Only finalized deposits are applied.
		if deposit.Slot > finalizedSlot {
			break
		}
		if nextDepositIndex >= int(params.MaxPendingDepositsPerEpoch) {
			break
		}

		isValidatorExited, isValidatorWithdrawn := false, false
		if index, ok := helpers.ValidatorIndexByPubkey(env, state, deposit.Pubkey); ok {
			validator := state.Validators[index]
			isValidatorExited = validator.ExitEpoch < primitives.FarFutureEpoch
			isValidatorWithdrawn = validator.WithdrawableEpoch < nextEpoch
		}

		switch {
		case isValidatorWithdrawn:
			// The balance will never be active: apply it without consuming churn.
			if err := ApplyPendingDeposit(env, state, deposit); err != nil {
				return fmt.Errorf("process_pending_deposits: %w", err)
			}
		case isValidatorExited:
			depositsToPostpone = append(depositsToPostpone, deposit)
		default:
			total, err := helpers.SafeAdd(processedAmount, deposit.Amount)
			if err != nil {
				return fmt.Errorf("process_pending_deposits: processed amount: %w", err)
			}
			isChurnLimitReached = total > availableForProcessing
			if isChurnLimitReached {
				break
			}
			processedAmount = total
			if err := ApplyPendingDeposit(env, state, deposit); err != nil {
				return fmt.Errorf("process_pending_deposits: %w", err)
			}
		}
		if isChurnLimitReached {
			break
		}
		nextDepositIndex++
	}

	remaining := state.PendingDeposits[nextDepositIndex:]
	pending := make([]*types.PendingDeposit, 0, len(remaining)+len(depositsToPostpone))
	pending = append(pending, remaining...)
	state.PendingDeposits = append(pending, depositsToPostpone...)

	if isChurnLimitReached {
		state.DepositBalanceToConsume = availableForProcessing - processedAmount
	} else {
		state.DepositBalanceToConsume = 0
	}
	return nil
}

// ProcessPendingConsolidations is the spec's process_pending_consolidations (electra): move the balance of each
// withdrawable source validator to its target, in queue order.
func ProcessPendingConsolidations(state *types.BeaconState) error {
	nextEpoch := helpers.GetCurrentEpoch(state) + 1
	nextPendingConsolidation := 0
	for _, pending := range state.PendingConsolidations {
		source, err := helpers.GetValidator(state, pending.SourceIndex)
		if err != nil {
			return fmt.Errorf("process_pending_consolidations: source: %w", err)
		}
		if source.Slashed {
			nextPendingConsolidation++
			continue
		}
		if source.WithdrawableEpoch > nextEpoch {
			break
		}
		// The consolidated balance is the active part; any excess stays with the source to be withdrawn.
		if uint64(pending.SourceIndex) >= uint64(len(state.Balances)) {
			return fmt.Errorf("process_pending_consolidations: balance %d: %w", pending.SourceIndex, helpers.ErrIndexOutOfRange)
		}
		sourceEffectiveBalance := min(state.Balances[pending.SourceIndex], source.EffectiveBalance)
		if err := helpers.DecreaseBalance(state, pending.SourceIndex, sourceEffectiveBalance); err != nil {
			return fmt.Errorf("process_pending_consolidations: %w", err)
		}
		if err := helpers.IncreaseBalance(state, pending.TargetIndex, sourceEffectiveBalance); err != nil {
			return fmt.Errorf("process_pending_consolidations: %w", err)
		}
		nextPendingConsolidation++
	}
	state.PendingConsolidations = append([]*types.PendingConsolidation(nil), state.PendingConsolidations[nextPendingConsolidation:]...)
	return nil
}
