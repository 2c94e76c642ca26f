package block

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessBlockHeader is the spec's process_block_header.
func ProcessBlockHeader(env *helpers.Env, state *types.BeaconState, block *types.BeaconBlock) error {
	if block.Slot != state.Slot {
		return fmt.Errorf("process_block_header: %w: block slot %d, state slot %d", ErrInvalidBlockHeader, block.Slot, state.Slot)
	}
	if block.Slot <= state.LatestBlockHeader.Slot {
		return fmt.Errorf("process_block_header: %w: block slot %d is not after the latest block's %d",
			ErrInvalidBlockHeader, block.Slot, state.LatestBlockHeader.Slot)
	}
	if proposer := helpers.GetBeaconProposerIndex(state); block.ProposerIndex != proposer {
		return fmt.Errorf("process_block_header: %w: proposer index %d, expected %d", ErrInvalidBlockHeader, block.ProposerIndex, proposer)
	}
	if parent := types.HashTreeRoot(state.LatestBlockHeader); block.ParentRoot != parent {
		return fmt.Errorf("process_block_header: %w: parent root %#x, expected %#x", ErrInvalidBlockHeader, block.ParentRoot, parent)
	}
	state.LatestBlockHeader = &types.BeaconBlockHeader{
		Slot:          block.Slot,
		ProposerIndex: block.ProposerIndex,
		ParentRoot:    block.ParentRoot,
		// StateRoot stays zero: the next process_slot fills it in.
		BodyRoot: types.HashTreeRoot(block.Body),
	}
	proposer, err := helpers.GetValidator(state, block.ProposerIndex)
	if err != nil {
		return fmt.Errorf("process_block_header: %w", err)
	}
	if proposer.Slashed {
		return fmt.Errorf("process_block_header: %w: proposer %d is slashed", ErrInvalidBlockHeader, block.ProposerIndex)
	}
	return nil
}

// VerifyBlockSignature is the spec's verify_block_signature: the proposer's signature over the block, handed to
// verifier. A failure wraps ErrInvalidBlockSignature.
func VerifyBlockSignature(env *helpers.Env, state *types.BeaconState, signedBlock *types.SignedBeaconBlock, verifier helpers.SignatureVerifier) error {
	block := signedBlock.Message
	return verifyProposerSignature(env, state, block.ProposerIndex, types.HashTreeRoot(block), signedBlock.Signature, verifier)
}

// VerifyBlockHeaderSignature is VerifyBlockSignature for a block known by its header (the block's root is its
// header's root), which spares hashing the body again when its root is known.
func VerifyBlockHeaderSignature(env *helpers.Env, state *types.BeaconState, header *types.BeaconBlockHeader, signature primitives.BLSSignature, verifier helpers.SignatureVerifier) error {
	return verifyProposerSignature(env, state, header.ProposerIndex, types.HashTreeRoot(header), signature, verifier)
}

func verifyProposerSignature(env *helpers.Env, state *types.BeaconState, proposerIndex primitives.ValidatorIndex, blockRoot primitives.Root, signature primitives.BLSSignature, verifier helpers.SignatureVerifier) error {
	verifier = forCheck(verifier, ErrInvalidBlockSignature)
	if skipsSignatures(verifier) {
		return nil
	}
	publicKey, err := helpers.ValidatorPublicKey(env, state, proposerIndex)
	if err != nil {
		return fmt.Errorf("verify_block_signature: %w: %w", ErrInvalidBlockSignature, err)
	}
	domain := helpers.GetDomain(state, params.DomainBeaconProposer, helpers.GetCurrentEpoch(state))
	signingRoot := params.ComputeSigningRoot(blockRoot, domain)
	if err := addSignature(verifier, "block signature", publicKey, signingRoot, signature); err != nil {
		return fmt.Errorf("verify_block_signature: %w", err)
	}
	return nil
}
