package block

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// GetExpectedWithdrawals is the spec's get_expected_withdrawals (electra): the withdrawals the next payload must
// carry, pending partial withdrawals first, then the sweep, and how many pending partial withdrawals it consumed.
func GetExpectedWithdrawals(state *types.BeaconState) ([]*types.Withdrawal, int, error) {
	epoch := helpers.GetCurrentEpoch(state)
	withdrawalIndex := state.NextWithdrawalIndex
	validatorIndex := state.NextWithdrawalValidatorIndex
	withdrawals := make([]*types.Withdrawal, 0, params.MaxWithdrawalsPerPayload)
	processedPartialWithdrawalsCount := 0

	// balanceLeft is state.balances[index] minus what the withdrawals so far take from it.
	balanceLeft := func(index primitives.ValidatorIndex) (primitives.Gwei, error) {
		if uint64(index) >= uint64(len(state.Balances)) {
			return 0, fmt.Errorf("balance %d: %w: %d balances", index, helpers.ErrIndexOutOfRange, len(state.Balances))
		}
		balance := state.Balances[index]
		for _, w := range withdrawals {
			if w.ValidatorIndex == index {
				if w.Amount > balance {
					return 0, fmt.Errorf("balance %d: %w", index, helpers.ErrOverflow)
				}
				balance -= w.Amount
			}
		}
		return balance, nil
	}
	withdraw := func(index primitives.ValidatorIndex, validator *types.Validator, amount primitives.Gwei) {
		withdrawals = append(withdrawals, &types.Withdrawal{
			Index:          withdrawalIndex,
			ValidatorIndex: index,
			Address:        primitives.ExecutionAddress(validator.WithdrawalCredentials[12:]),
			Amount:         amount,
		})
		withdrawalIndex++
	}

	// Consume pending partial withdrawals.
	for _, withdrawal := range state.PendingPartialWithdrawals {
		if withdrawal.WithdrawableEpoch > epoch || len(withdrawals) == params.MaxPendingPartialsPerWithdrawalsSweep {
			break
		}
		validator, err := helpers.GetValidator(state, withdrawal.ValidatorIndex)
		if err != nil {
			return nil, 0, fmt.Errorf("get_expected_withdrawals: pending partial withdrawal: %w", err)
		}
		hasSufficientEffectiveBalance := validator.EffectiveBalance >= params.MinActivationBalance
		balance, err := balanceLeft(withdrawal.ValidatorIndex)
		if err != nil {
			return nil, 0, fmt.Errorf("get_expected_withdrawals: %w", err)
		}
		hasExcessBalance := balance > params.MinActivationBalance
		if validator.ExitEpoch == primitives.FarFutureEpoch && hasSufficientEffectiveBalance && hasExcessBalance {
			withdraw(withdrawal.ValidatorIndex, validator, min(balance-params.MinActivationBalance, withdrawal.Amount))
		}
		processedPartialWithdrawalsCount++
	}

	// Sweep for the remaining.
	validatorCount := uint64(len(state.Validators))
	bound := min(validatorCount, params.MaxValidatorsPerWithdrawalsSweep)
	for range bound {
		validator, err := helpers.GetValidator(state, validatorIndex)
		if err != nil {
			return nil, 0, fmt.Errorf("get_expected_withdrawals: sweep: %w", err)
		}
		balance, err := balanceLeft(validatorIndex)
		if err != nil {
			return nil, 0, fmt.Errorf("get_expected_withdrawals: %w", err)
		}
		if helpers.IsFullyWithdrawableValidator(validator, balance, epoch) {
			withdraw(validatorIndex, validator, balance)
		} else if helpers.IsPartiallyWithdrawableValidator(validator, balance) {
			withdraw(validatorIndex, validator, balance-helpers.GetMaxEffectiveBalance(validator))
		}
		if len(withdrawals) == params.MaxWithdrawalsPerPayload {
			break
		}
		validatorIndex = primitives.ValidatorIndex((uint64(validatorIndex) + 1) % validatorCount)
	}
	return withdrawals, processedPartialWithdrawalsCount, nil
}

// ProcessWithdrawals is the spec's process_withdrawals (electra): the payload's withdrawals must be exactly the
// expected ones, which are then debited.
func ProcessWithdrawals(state *types.BeaconState, payload *types.ExecutionPayload) error {
	expected, processedPartialWithdrawalsCount, err := GetExpectedWithdrawals(state)
	if err != nil {
		return fmt.Errorf("process_withdrawals: %w", err)
	}
	if len(payload.Withdrawals) != len(expected) {
		return fmt.Errorf("process_withdrawals: %w: the payload has %d withdrawals, expected %d",
			ErrInvalidWithdrawals, len(payload.Withdrawals), len(expected))
	}
	for i, w := range expected {
		if got := payload.Withdrawals[i]; got == nil || *got != *w {
			return fmt.Errorf("process_withdrawals: %w: withdrawal %d is %s, expected %s", ErrInvalidWithdrawals, i,
				formatWithdrawal(got), formatWithdrawal(w))
		}
	}

	for _, w := range expected {
		if err := helpers.DecreaseBalance(state, w.ValidatorIndex, w.Amount); err != nil {
			return fmt.Errorf("process_withdrawals: %w", err)
		}
	}
	state.PendingPartialWithdrawals = state.PendingPartialWithdrawals[processedPartialWithdrawalsCount:]

	if len(expected) != 0 {
		state.NextWithdrawalIndex = expected[len(expected)-1].Index + 1
	}
	validatorCount := uint64(len(state.Validators))
	if validatorCount == 0 {
		return fmt.Errorf("process_withdrawals: %w: no validators to sweep", helpers.ErrIndexOutOfRange)
	}
	if len(expected) == params.MaxWithdrawalsPerPayload {
		// The next sweep starts after the latest withdrawal's validator.
		state.NextWithdrawalValidatorIndex = primitives.ValidatorIndex((uint64(expected[len(expected)-1].ValidatorIndex) + 1) % validatorCount)
	} else {
		// Advance the sweep by its whole length when the payload was not full.
		next, err := helpers.SafeAdd(uint64(state.NextWithdrawalValidatorIndex), params.MaxValidatorsPerWithdrawalsSweep)
		if err != nil {
			return fmt.Errorf("process_withdrawals: next withdrawal validator index: %w", err)
		}
		state.NextWithdrawalValidatorIndex = primitives.ValidatorIndex(next % validatorCount)
	}
	return nil
}

func formatWithdrawal(w *types.Withdrawal) string {
	if w == nil {
		return "missing"
	}
	return fmt.Sprintf("{index %d, validator %d, address %#x, amount %d}", w.Index, w.ValidatorIndex, w.Address, w.Amount)
}
