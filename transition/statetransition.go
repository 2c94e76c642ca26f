package transition

import (
	"context"
	"errors"
	"fmt"

	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

var (
	// ErrStateRootMismatch means the block's state_root is not the root of the state it leads to.
	ErrStateRootMismatch = errors.New("block state root does not match the post-state")
	// ErrNoExecutionEngine means StateTransition was called without an execution engine: a caller's mistake, not
	// an invalid block.
	ErrNoExecutionEngine = errors.New("no execution engine")
)

// Options tunes StateTransition. The zero value with an Engine checks everything, as the spec's state_transition
// with validate_result=True does.
type Options struct {
	// Engine judges the block's execution payload. Required: a node passes its Engine API client, the local
	// devnet block.AcceptAllEngine.
	Engine block.ExecutionEngine
	// SkipSignatures checks no signature at all (RANDAO, attestations, slashings, exits, BLS changes, sync
	// aggregate, proposer): the spec vectors' bls_setting 2, or replaying blocks whose signatures were checked
	// before. Deposit signatures are still checked, since they decide the result, not the validity. Never for
	// blocks from the network.
	SkipSignatures bool
	// SkipResultValidation is the spec's validate_result=False: neither the proposer's signature nor the state
	// root is checked. Block production uses it to compute the state root of a block it has not signed yet.
	SkipResultValidation bool
}

// StateTransition is the spec's state_transition: process_slots up to the block's slot, verify_block_signature and
// process_block, then the state-root check of validate_result. It works on a copy of state (helpers.CopyState) and
// returns it; state itself is never modified, so that an invalid block leaves the caller's state as it was.
//
// The block's signatures are collected and verified in one batch after process_block (block.SignatureBatch); a
// bad one is named in the error (which operation, which index). The post-state root is computed by
// env.HashTreeRoot, the same pluggable call process_slot uses, where a tree-hash cache plugs in (Env.StateRoot).
//
// An error that wraps block.ErrExecutionEngineUnavailable means the block could not be judged, not that it is
// invalid; any other error (but ErrNoExecutionEngine) means the block is invalid on this state.
func StateTransition(ctx context.Context, env *helpers.Env, state *types.BeaconState, signedBlock *types.SignedBeaconBlock, opts Options) (*types.BeaconState, error) {
	if opts.Engine == nil {
		return nil, fmt.Errorf("state transition: %w", ErrNoExecutionEngine)
	}
	if signedBlock == nil || signedBlock.Message == nil {
		return nil, fmt.Errorf("state transition: %w: no block", block.ErrInvalidBlockHeader)
	}
	blk := signedBlock.Message
	post := helpers.CopyState(state)
	if err := epoch.ProcessSlots(env, post, blk.Slot); err != nil {
		return nil, fmt.Errorf("state transition to slot %d: %w", blk.Slot, err)
	}

	batch := block.NewSignatureBatch()
	var verifier helpers.SignatureVerifier = batch
	if opts.SkipSignatures {
		verifier = helpers.SkipSignatureChecks{}
	}
	if err := block.ProcessBlock(ctx, env, post, blk, opts.Engine, verifier); err != nil {
		return nil, fmt.Errorf("state transition: block at slot %d: %w", blk.Slot, err)
	}
	if !opts.SkipResultValidation {
		// verify_block_signature, which the spec runs before process_block. Its check waits in the batch anyway,
		// and the block's root is its header's, whose body root process_block_header has just computed: taking
		// it from there spares hashing the body (the payload's transactions) a second time.
		header := *post.LatestBlockHeader
		header.StateRoot = blk.StateRoot
		if err := block.VerifyBlockHeaderSignature(env, post, &header, signedBlock.Signature, verifier); err != nil {
			return nil, fmt.Errorf("state transition: block at slot %d: %w", blk.Slot, err)
		}
	}
	if err := batch.Verify(); err != nil {
		return nil, fmt.Errorf("state transition: block at slot %d: %w", blk.Slot, err)
	}
	if !opts.SkipResultValidation {
		root, err := env.HashTreeRoot(post)
		if err != nil {
			return nil, fmt.Errorf("state transition: block at slot %d: %w", blk.Slot, err)
		}
		if root != blk.StateRoot {
			return nil, fmt.Errorf("state transition: block at slot %d: %w: the block says %#x, the state's is %#x",
				blk.Slot, ErrStateRootMismatch, blk.StateRoot, root)
		}
	}
	return post, nil
}
