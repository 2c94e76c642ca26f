package chaincheck

import (
	"context"
	"errors"
	"testing"

	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/merkle"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// fakeCells is a CellProofVerifier that accepts every cell, or none.
type fakeCells struct{ err error }

func (f fakeCells) VerifyCellKZGProofBatch([]primitives.KZGCommitment, []uint64, []*types.Cell, []primitives.KZGProof) error {
	return f.err
}

// sidecar returns column 3 of a block at slot on parent with two blobs, signed by the slot's proposer, with its
// inclusion proof.
func (w *world) sidecar(t testing.TB, slot primitives.Slot, parent primitives.Root) *types.DataColumnSidecar {
	t.Helper()
	body := w.block(t, slot, parent).Message.Body
	body.BlobKZGCommitments = []primitives.KZGCommitment{{0xc1}, {0xc2}}
	branch, err := merkle.ComputeMerkleProof(merkle.NewTree(body), types.BlobKZGCommitmentsGindex)
	if err != nil {
		t.Fatal(err)
	}
	proposer, err := expectedProposer(w.state, slot)
	if err != nil {
		t.Fatal(err)
	}
	hdr := &types.BeaconBlockHeader{Slot: slot, ProposerIndex: proposer, ParentRoot: parent, StateRoot: primitives.Root{0x5},
		BodyRoot: types.HashTreeRoot(body)}
	sc := &types.DataColumnSidecar{Index: 3, Column: []*types.Cell{{}, {}}, KZGCommitments: body.BlobKZGCommitments,
		KZGProofs: []primitives.KZGProof{{}, {}}, SignedBlockHeader: w.signHeader(hdr)}
	for i, n := range branch {
		sc.KZGCommitmentsInclusionProof[i] = n
	}
	return sc
}

func (w *world) signHeader(hdr *types.BeaconBlockHeader) *types.SignedBeaconBlockHeader {
	dom := helpers.GetDomain(w.state, params.DomainBeaconProposer, helpers.ComputeEpochAtSlot(hdr.Slot))
	return &types.SignedBeaconBlockHeader{Message: hdr, Signature: w.sign(hdr.ProposerIndex, types.HashTreeRoot(hdr), dom)}
}

func TestValidateDataColumnSidecar(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	kzgErr := errors.New("cell proof does not verify")
	w.checker.kzg = func() (forkchoice.CellProofVerifier, error) { return fakeCells{}, nil }

	t.Run("accept", func(t *testing.T) {
		wantOutcome(t, w.checker.ValidateDataColumnSidecar(ctx, w.sidecar(t, 1, w.genesis)), gossip.Accept, nil)
	})
	t.Run("unknown parent", func(t *testing.T) {
		wantOutcome(t, w.checker.ValidateDataColumnSidecar(ctx, w.sidecar(t, 1, primitives.Root{0x31})), gossip.Ignore, ErrUnknownBlock)
	})
	t.Run("at the finalized slot", func(t *testing.T) {
		w.chain.fin = types.Checkpoint{Epoch: 1, Root: w.genesis}
		defer func() { w.chain.fin = types.Checkpoint{Root: w.genesis} }()
		wantOutcome(t, w.checker.ValidateDataColumnSidecar(ctx, w.sidecar(t, 1, w.genesis)), gossip.Ignore, ErrFinalizedSlot)
	})
	t.Run("not a descendant of the finalized block", func(t *testing.T) {
		w.chain.fin = types.Checkpoint{Epoch: 0, Root: primitives.Root{0x32}}
		defer func() { w.chain.fin = types.Checkpoint{Root: w.genesis} }()
		wantOutcome(t, w.checker.ValidateDataColumnSidecar(ctx, w.sidecar(t, 1, w.genesis)), gossip.Reject, ErrNotFinalizedDescendant)
	})
	t.Run("bad inclusion proof", func(t *testing.T) {
		sc := w.sidecar(t, 1, w.genesis)
		sc.KZGCommitments = []primitives.KZGCommitment{{0xc1}, {0xc3}}
		wantOutcome(t, w.checker.ValidateDataColumnSidecar(ctx, sc), gossip.Reject, ErrInclusionProof)
	})
	t.Run("wrong proposer", func(t *testing.T) {
		sc := w.sidecar(t, 1, w.genesis)
		hdr := *sc.SignedBlockHeader.Message
		hdr.ProposerIndex = (hdr.ProposerIndex + 1) % testValidators
		sc.SignedBlockHeader = w.signHeader(&hdr)
		wantOutcome(t, w.checker.ValidateDataColumnSidecar(ctx, sc), gossip.Reject, ErrWrongProposer)
	})
	t.Run("bad signature", func(t *testing.T) {
		sc := w.sidecar(t, 1, w.genesis)
		sc.SignedBlockHeader.Signature = w.sidecar(t, 2, w.genesis).SignedBlockHeader.Signature
		wantOutcome(t, w.checker.ValidateDataColumnSidecar(ctx, sc), gossip.Reject, ErrBadSignature)
	})
	t.Run("bad cells", func(t *testing.T) {
		w.checker.kzg = func() (forkchoice.CellProofVerifier, error) { return fakeCells{err: kzgErr}, nil }
		defer func() { w.checker.kzg = func() (forkchoice.CellProofVerifier, error) { return fakeCells{}, nil } }()
		wantOutcome(t, w.checker.ValidateDataColumnSidecar(ctx, w.sidecar(t, 1, w.genesis)), gossip.Reject, ErrKZG)
	})
	t.Run("ssz", func(t *testing.T) {
		encoded, err := types.Marshal(w.sidecar(t, 1, w.genesis))
		if err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, w.checker.Validate(ctx, gossip.DataColumnSidecar, 3, encoded), gossip.Accept, nil)
	})
	t.Run("no KZG verifier", func(t *testing.T) {
		w.checker.kzg = nil
		wantOutcome(t, w.checker.ValidateDataColumnSidecar(ctx, w.sidecar(t, 1, w.genesis)), gossip.Ignore, ErrNotImplemented)
	})
}
