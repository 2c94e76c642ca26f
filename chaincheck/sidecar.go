package chaincheck

import (
	"context"
	"fmt"
	"sync"

	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/merkle"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// sidecarCommitmentsGindex is the generalized index of DataColumnSidecar.kzg_commitments, whose root the
// inclusion proof carries.
var sidecarCommitmentsGindex = sync.OnceValues(func() (merkle.GeneralizedIndex, error) {
	return merkle.GetGeneralizedIndex(merkle.TypeOf(&types.DataColumnSidecar{}), merkle.Field("kzg_commitments"))
})

// VerifyDataColumnSidecarInclusionProof is the spec's verify_data_column_sidecar_inclusion_proof (fulu p2p): the
// sidecar's commitments are the block body's blob_kzg_commitments.
func VerifyDataColumnSidecarInclusionProof(sidecar *types.DataColumnSidecar) bool {
	g, err := sidecarCommitmentsGindex()
	if err != nil {
		return false
	}
	leaf, err := merkle.NewTree(sidecar).Node(g)
	if err != nil {
		return false
	}
	branch := make([][32]byte, len(sidecar.KZGCommitmentsInclusionProof))
	for i, n := range sidecar.KZGCommitmentsInclusionProof {
		branch[i] = n
	}
	return merkle.IsValidMerkleBranch(leaf, branch, params.KZGCommitmentsInclusionProofDepth,
		merkle.GetSubtreeIndex(types.BlobKZGCommitmentsGindex), sidecar.SignedBlockHeader.Message.BodyRoot)
}

// ValidateDataColumnSidecar runs the stateful data_column_sidecar_{subnet_id} conditions (fulu): finality, the
// parent, the inclusion proof, the proposer and its signature, then the KZG proofs, the costliest, last. The
// gossip actor ran verify_data_column_sidecar and the subnet check. As for blocks (ValidateBeaconBlock), "[REJECT]
// The sidecar's block's parent passes validation" is taken to hold for any known parent.
func (c *Checker) ValidateDataColumnSidecar(ctx context.Context, sc *types.DataColumnSidecar) Outcome {
	hdr := sc.SignedBlockHeader.Message
	fin, err := c.chain.Finalized()
	if err != nil {
		return noState(err)
	}
	// [IGNORE] The sidecar is from a slot greater than the latest finalized slot.
	if hdr.Slot <= helpers.ComputeStartSlotAtEpoch(fin.Epoch) {
		return ignore(errf(ErrFinalizedSlot, "sidecar at slot %d, finalized epoch %d", hdr.Slot, fin.Epoch))
	}
	// [IGNORE] The sidecar's block's parent has been seen.
	parentSlot, _, found, err := c.chain.Block(hdr.ParentRoot)
	if err != nil {
		return noState(err)
	}
	if !found {
		return ignore(errf(ErrUnknownBlock, "parent %#x of the sidecar's block at slot %d", hdr.ParentRoot, hdr.Slot))
	}
	// [REJECT] The sidecar is from a higher slot than the sidecar's block's parent.
	if hdr.Slot <= parentSlot {
		return reject(errf(ErrSlotNotAfterParent, "sidecar at slot %d, parent at slot %d", hdr.Slot, parentSlot))
	}
	// [REJECT] The current finalized checkpoint is an ancestor of the sidecar's block.
	if ok, err := c.isCheckpointBlock(hdr.ParentRoot, &fin); err != nil {
		return noState(err)
	} else if !ok {
		return reject(errf(ErrNotFinalizedDescendant, "sidecar at slot %d", hdr.Slot))
	}
	// [REJECT] The sidecar's kzg_commitments field inclusion proof is valid.
	if !VerifyDataColumnSidecarInclusionProof(sc) {
		return reject(errf(ErrInclusionProof, "column %d at slot %d", sc.Index, hdr.Slot))
	}
	epoch := helpers.ComputeEpochAtSlot(hdr.Slot)
	state, err := c.epochState(ctx, hdr.ParentRoot, epoch)
	if err != nil {
		return noState(err)
	}
	// [REJECT] The sidecar is proposed by the expected proposer_index for the block's slot.
	want, err := expectedProposer(state, hdr.Slot)
	if err != nil {
		return noState(err)
	}
	if hdr.ProposerIndex != want {
		return reject(errf(ErrWrongProposer, "sidecar proposer %d at slot %d, want %d", hdr.ProposerIndex, hdr.Slot, want))
	}
	// [REJECT] The proposer signature of sidecar.signed_block_header is valid: left in the outcome's Sets.
	set, err := c.signatureSet(state, hdr.ProposerIndex, types.HashTreeRoot(hdr),
		helpers.GetDomain(state, params.DomainBeaconProposer, epoch), sc.SignedBlockHeader.Signature)
	if err != nil {
		return reject(err)
	}
	// [REJECT] The sidecar's column data is valid as verified by verify_data_column_sidecar_kzg_proofs.
	if c.kzg == nil {
		return ignore(errf(ErrNotImplemented, "no KZG verifier"))
	}
	verifier, err := c.kzg()
	if err != nil {
		return noState(fmt.Errorf("KZG verifier: %w", err))
	}
	if err := forkchoice.VerifyDataColumnSidecarKZGProofs(verifier, sc); err != nil {
		return reject(errf(ErrKZG, "%v", err))
	}
	return pending("sidecar header signature", set)
}
