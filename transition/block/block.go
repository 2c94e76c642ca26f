package block

import (
	"context"
	"fmt"

	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessBlock is the spec's process_block (fulu): the block's header, withdrawals, execution payload, RANDAO
// reveal, eth1 vote, operations and sync aggregate, in the spec's order, applied to state in place. Signatures go
// to verifier (a SignatureBatch defers them to its Verify, which the block's validity then depends on); the
// execution payload goes to engine. On error the state is partly modified and must be discarded.
func ProcessBlock(ctx context.Context, env *helpers.Env, state *types.BeaconState, block *types.BeaconBlock, engine ExecutionEngine, verifier helpers.SignatureVerifier) error {
	if err := checkComplete(block); err != nil {
		return err
	}
	body := block.Body
	if err := ProcessBlockHeader(env, state, block); err != nil {
		return err
	}
	if err := ProcessWithdrawals(state, body.ExecutionPayload); err != nil {
		return err
	}
	if err := ProcessExecutionPayload(ctx, env, state, body, engine); err != nil {
		return err
	}
	if err := ProcessRandao(env, state, body, verifier); err != nil {
		return err
	}
	if err := ProcessEth1Data(state, body); err != nil {
		return err
	}
	if err := ProcessOperations(env, state, body, verifier); err != nil {
		return err
	}
	return ProcessSyncAggregate(env, state, body.SyncAggregate, verifier)
}

// checkComplete rejects a block with a missing part. Decoded blocks always have every part; one built in code may
// not, and must fail rather than crash the transition.
func checkComplete(block *types.BeaconBlock) error {
	switch {
	case block == nil:
		return fmt.Errorf("%w: no block", ErrInvalidBlockHeader)
	case block.Body == nil:
		return fmt.Errorf("%w: the block has no body", ErrInvalidBlockHeader)
	case block.Body.Eth1Data == nil, block.Body.SyncAggregate == nil, block.Body.ExecutionPayload == nil,
		block.Body.ExecutionRequests == nil:
		return fmt.Errorf("%w: the block body is incomplete", ErrInvalidBlockHeader)
	}
	return nil
}
