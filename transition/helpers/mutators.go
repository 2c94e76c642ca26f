package helpers

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// IncreaseBalance is the spec's increase_balance.
func IncreaseBalance(state *types.BeaconState, index primitives.ValidatorIndex, delta primitives.Gwei) error {
	if uint64(index) >= uint64(len(state.Balances)) {
		return fmt.Errorf("increase_balance: balance %d: %w: %d balances", index, ErrIndexOutOfRange, len(state.Balances))
	}
	balance, err := safeAdd(state.Balances[index], delta)
	if err != nil {
		return fmt.Errorf("increase_balance %d by %d: %w", index, delta, err)
	}
	state.Balances[index] = balance
	return nil
}

// DecreaseBalance is the spec's decrease_balance: never below zero.
func DecreaseBalance(state *types.BeaconState, index primitives.ValidatorIndex, delta primitives.Gwei) error {
	if uint64(index) >= uint64(len(state.Balances)) {
		return fmt.Errorf("decrease_balance: balance %d: %w: %d balances", index, ErrIndexOutOfRange, len(state.Balances))
	}
	state.Balances[index] = primitives.Gwei(SaturatingSub(uint64(state.Balances[index]), uint64(delta)))
	return nil
}

// InitiateValidatorExit is the spec's initiate_validator_exit (electra): queue the validator's exit behind the
// balance churn.
func InitiateValidatorExit(env *Env, state *types.BeaconState, index primitives.ValidatorIndex) error {
	validator, err := validatorAt(state, index)
	if err != nil {
		return fmt.Errorf("initiate_validator_exit: %w", err)
	}
	if validator.ExitEpoch != primitives.FarFutureEpoch {
		return nil
	}
	exitQueueEpoch, err := ComputeExitEpochAndUpdateChurn(env, state, validator.EffectiveBalance)
	if err != nil {
		return fmt.Errorf("initiate_validator_exit %d: %w", index, err)
	}
	withdrawableEpoch, err := safeAdd(exitQueueEpoch, env.Spec.MinValidatorWithdrawabilityDelay)
	if err != nil {
		return fmt.Errorf("initiate_validator_exit %d: withdrawable epoch: %w", index, err)
	}
	validator.ExitEpoch = exitQueueEpoch
	validator.WithdrawableEpoch = withdrawableEpoch
	return nil
}

// ComputeExitEpochAndUpdateChurn is the spec's compute_exit_epoch_and_update_churn (electra).
func ComputeExitEpochAndUpdateChurn(env *Env, state *types.BeaconState, exitBalance primitives.Gwei) (primitives.Epoch, error) {
	perEpochChurn, err := GetActivationExitChurnLimit(env, state)
	if err != nil {
		return 0, err
	}
	epoch, toConsume, err := consumeChurn(state.EarliestExitEpoch, state.ExitBalanceToConsume,
		ComputeActivationExitEpoch(GetCurrentEpoch(state)), perEpochChurn, exitBalance)
	if err != nil {
		return 0, fmt.Errorf("compute_exit_epoch_and_update_churn: %w", err)
	}
	state.ExitBalanceToConsume = toConsume
	state.EarliestExitEpoch = epoch
	return epoch, nil
}

// ComputeConsolidationEpochAndUpdateChurn is the spec's compute_consolidation_epoch_and_update_churn (electra).
func ComputeConsolidationEpochAndUpdateChurn(env *Env, state *types.BeaconState, consolidationBalance primitives.Gwei) (primitives.Epoch, error) {
	perEpochChurn, err := GetConsolidationChurnLimit(env, state)
	if err != nil {
		return 0, err
	}
	epoch, toConsume, err := consumeChurn(state.EarliestConsolidationEpoch, state.ConsolidationBalanceToConsume,
		ComputeActivationExitEpoch(GetCurrentEpoch(state)), perEpochChurn, consolidationBalance)
	if err != nil {
		return 0, fmt.Errorf("compute_consolidation_epoch_and_update_churn: %w", err)
	}
	state.ConsolidationBalanceToConsume = toConsume
	state.EarliestConsolidationEpoch = epoch
	return epoch, nil
}

// consumeChurn is the queue arithmetic shared by exits and consolidations: from the earliest epoch with balance
// left to consume (or the first epoch the current one allows), find the epoch that fits amount and what remains of
// its churn.
func consumeChurn(earliestEpoch primitives.Epoch, balanceToConsume primitives.Gwei, firstAllowed primitives.Epoch,
	perEpochChurn, amount primitives.Gwei) (primitives.Epoch, primitives.Gwei, error) {
	epoch := max(earliestEpoch, firstAllowed)
	if earliestEpoch < epoch { // a new epoch: its whole churn is available
		balanceToConsume = perEpochChurn
	}
	if amount > balanceToConsume {
		if perEpochChurn == 0 {
			return 0, 0, fmt.Errorf("%w: division by a zero churn limit", ErrAssertion)
		}
		balanceToProcess := amount - balanceToConsume
		additionalEpochs := (balanceToProcess-1)/perEpochChurn + 1
		var err error
		if epoch, err = safeAdd(epoch, primitives.Epoch(additionalEpochs)); err != nil {
			return 0, 0, err
		}
		extra, err := safeMul(additionalEpochs, perEpochChurn)
		if err != nil {
			return 0, 0, err
		}
		if balanceToConsume, err = safeAdd(balanceToConsume, extra); err != nil {
			return 0, 0, err
		}
	}
	return epoch, balanceToConsume - amount, nil
}

// SlashValidator is the spec's slash_validator (electra). whistleblowerIndex nil means the proposer.
func SlashValidator(env *Env, state *types.BeaconState, slashedIndex primitives.ValidatorIndex, whistleblowerIndex *primitives.ValidatorIndex) error {
	epoch := GetCurrentEpoch(state)
	if err := InitiateValidatorExit(env, state, slashedIndex); err != nil {
		return fmt.Errorf("slash_validator: %w", err)
	}
	validator := state.Validators[slashedIndex] // in range: InitiateValidatorExit checked it
	validator.Slashed = true
	validator.WithdrawableEpoch = max(validator.WithdrawableEpoch, epoch+params.EpochsPerSlashingsVector)
	slot := uint64(epoch) % params.EpochsPerSlashingsVector
	slashings, err := safeAdd(state.Slashings[slot], validator.EffectiveBalance)
	if err != nil {
		return fmt.Errorf("slash_validator %d: slashings: %w", slashedIndex, err)
	}
	state.Slashings[slot] = slashings
	penalty := validator.EffectiveBalance / params.MinSlashingPenaltyQuotientElectra
	if err := DecreaseBalance(state, slashedIndex, penalty); err != nil {
		return fmt.Errorf("slash_validator: %w", err)
	}

	proposerIndex := GetBeaconProposerIndex(state)
	whistleblower := proposerIndex
	if whistleblowerIndex != nil {
		whistleblower = *whistleblowerIndex
	}
	whistleblowerReward := validator.EffectiveBalance / params.WhistleblowerRewardQuotientElectra
	proposerReward := whistleblowerReward * ProposerWeight / WeightDenominator
	if err := IncreaseBalance(state, proposerIndex, proposerReward); err != nil {
		return fmt.Errorf("slash_validator: proposer reward: %w", err)
	}
	if err := IncreaseBalance(state, whistleblower, whistleblowerReward-proposerReward); err != nil {
		return fmt.Errorf("slash_validator: whistleblower reward: %w", err)
	}
	return nil
}

// SwitchToCompoundingValidator is the spec's switch_to_compounding_validator (electra).
func SwitchToCompoundingValidator(state *types.BeaconState, index primitives.ValidatorIndex) error {
	validator, err := validatorAt(state, index)
	if err != nil {
		return fmt.Errorf("switch_to_compounding_validator: %w", err)
	}
	validator.WithdrawalCredentials[0] = CompoundingWithdrawalPrefix
	return QueueExcessActiveBalance(state, index)
}

// QueueExcessActiveBalance is the spec's queue_excess_active_balance (electra): balance above
// MIN_ACTIVATION_BALANCE goes back into the deposit queue.
func QueueExcessActiveBalance(state *types.BeaconState, index primitives.ValidatorIndex) error {
	validator, err := validatorAt(state, index)
	if err != nil {
		return fmt.Errorf("queue_excess_active_balance: %w", err)
	}
	if uint64(index) >= uint64(len(state.Balances)) {
		return fmt.Errorf("queue_excess_active_balance: balance %d: %w", index, ErrIndexOutOfRange)
	}
	balance := state.Balances[index]
	if balance <= params.MinActivationBalance {
		return nil
	}
	state.Balances[index] = params.MinActivationBalance
	state.PendingDeposits = append(state.PendingDeposits, &types.PendingDeposit{
		Pubkey:                validator.Pubkey,
		WithdrawalCredentials: validator.WithdrawalCredentials,
		Amount:                balance - params.MinActivationBalance,
		Signature:             G2PointAtInfinity(),
		Slot:                  params.GenesisSlot,
	})
	return nil
}

// GetValidatorFromDeposit is the spec's get_validator_from_deposit (electra).
func GetValidatorFromDeposit(pubkey primitives.BLSPubkey, withdrawalCredentials primitives.Bytes32, amount primitives.Gwei) *types.Validator {
	validator := &types.Validator{
		Pubkey:                     pubkey,
		WithdrawalCredentials:      withdrawalCredentials,
		ActivationEligibilityEpoch: primitives.FarFutureEpoch,
		ActivationEpoch:            primitives.FarFutureEpoch,
		ExitEpoch:                  primitives.FarFutureEpoch,
		WithdrawableEpoch:          primitives.FarFutureEpoch,
	}
	validator.EffectiveBalance = min(amount-amount%params.EffectiveBalanceIncrement, GetMaxEffectiveBalance(validator))
	return validator
}

// AddValidatorToRegistry is the spec's add_validator_to_registry (electra): append the validator and its
// balance, participation and inactivity score, and record its public key in the caches.
func AddValidatorToRegistry(env *Env, state *types.BeaconState, pubkey primitives.BLSPubkey, withdrawalCredentials primitives.Bytes32, amount primitives.Gwei) error {
	n := len(state.Validators)
	if len(state.Balances) != n || len(state.PreviousEpochParticipation) != n ||
		len(state.CurrentEpochParticipation) != n || len(state.InactivityScores) != n {
		return fmt.Errorf("add_validator_to_registry: %w: the per-validator lists do not all have %d entries", ErrInconsistentState, n)
	}
	if uint64(n) >= params.ValidatorRegistryLimit {
		return fmt.Errorf("add_validator_to_registry: %w: the registry is full", ErrIndexOutOfRange)
	}
	index := GetIndexForNewValidator(state)
	state.Validators = append(state.Validators, GetValidatorFromDeposit(pubkey, withdrawalCredentials, amount))
	state.Balances = append(state.Balances, amount)
	state.PreviousEpochParticipation = append(state.PreviousEpochParticipation, 0)
	state.CurrentEpochParticipation = append(state.CurrentEpochParticipation, 0)
	state.InactivityScores = append(state.InactivityScores, 0)
	if env.Caches != nil {
		env.Caches.pubkeys.add(pubkey, index)
	}
	return nil
}
