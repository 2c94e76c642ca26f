package block

import (
	"fmt"

	"github.com/salamander-client/salamander/merkle"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessDeposit is the spec's process_deposit (electra): the deposit must be the next one of the deposit
// contract's tree; it is then applied (ApplyDeposit). Its signature is checked at once, never batched: an invalid
// one skips the deposit rather than failing the block.
func ProcessDeposit(env *helpers.Env, state *types.BeaconState, deposit *types.Deposit) error {
	var branch [types.DepositContractTreeDepth + 1][32]byte
	for i := range branch {
		branch[i] = deposit.Proof[i]
	}
	// The depth counts one more level for the list length mixed into the root.
	if !merkle.IsValidMerkleBranch(types.HashTreeRoot(deposit.Data), branch[:], types.DepositContractTreeDepth+1,
		state.Eth1DepositIndex, state.Eth1Data.DepositRoot) {
		return fmt.Errorf("process_deposit: %w: no Merkle branch from deposit %d to deposit root %#x",
			ErrInvalidDeposit, state.Eth1DepositIndex, state.Eth1Data.DepositRoot)
	}
	state.Eth1DepositIndex++
	data := deposit.Data
	if err := ApplyDeposit(env, state, data.Pubkey, data.WithdrawalCredentials, data.Amount, data.Signature); err != nil {
		return fmt.Errorf("process_deposit: %w", err)
	}
	return nil
}

// ApplyDeposit is the spec's apply_deposit (electra): a deposit for a new key with a valid proof of possession adds
// a validator with zero balance; the amount of every applied deposit joins the pending deposits queue.
func ApplyDeposit(env *helpers.Env, state *types.BeaconState, pubkey primitives.BLSPubkey, withdrawalCredentials primitives.Bytes32, amount primitives.Gwei, signature primitives.BLSSignature) error {
	if _, known := helpers.ValidatorIndexByPubkey(env, state, pubkey); !known {
		if !helpers.IsValidDepositSignature(env, pubkey, withdrawalCredentials, amount, signature) {
			return nil
		}
		if err := helpers.AddValidatorToRegistry(env, state, pubkey, withdrawalCredentials, 0); err != nil {
			return fmt.Errorf("apply_deposit: %w", err)
		}
	}
	if err := checkPendingDepositsRoom(state); err != nil {
		return fmt.Errorf("apply_deposit: %w", err)
	}
	state.PendingDeposits = append(state.PendingDeposits, &types.PendingDeposit{
		Pubkey:                pubkey,
		WithdrawalCredentials: withdrawalCredentials,
		Amount:                amount,
		Signature:             signature,
		Slot:                  params.GenesisSlot, // distinguishes it from a deposit request's
	})
	return nil
}

// ProcessDepositRequest is the spec's process_deposit_request (electra): the request joins the pending deposits
// queue, and the first one ends the former deposit mechanism.
func ProcessDepositRequest(state *types.BeaconState, depositRequest *types.DepositRequest) error {
	if state.DepositRequestsStartIndex == helpers.UnsetDepositRequestsStartIndex {
		state.DepositRequestsStartIndex = depositRequest.Index
	}
	if err := checkPendingDepositsRoom(state); err != nil {
		return fmt.Errorf("process_deposit_request: %w", err)
	}
	state.PendingDeposits = append(state.PendingDeposits, &types.PendingDeposit{
		Pubkey:                depositRequest.Pubkey,
		WithdrawalCredentials: depositRequest.WithdrawalCredentials,
		Amount:                depositRequest.Amount,
		Signature:             depositRequest.Signature,
		Slot:                  state.Slot,
	})
	return nil
}

// checkPendingDepositsRoom fails where the spec's append to the full pending_deposits list would.
func checkPendingDepositsRoom(state *types.BeaconState) error {
	if uint64(len(state.PendingDeposits)) >= params.PendingDepositsLimit {
		return fmt.Errorf("%w: pending_deposits is full", helpers.ErrIndexOutOfRange)
	}
	return nil
}
