package forkchoice

import (
	"fmt"
	"sync"

	goethkzg "github.com/crate-crypto/go-eth-kzg"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// CellProofVerifier is the spec's verify_cell_kzg_proof_batch (fulu polynomial commitments sampling): it returns
// nil when every cell is the evaluation, at its cell index, of the blob its commitment commits to, as its proof
// shows.
type CellProofVerifier interface {
	VerifyCellKZGProofBatch(commitments []primitives.KZGCommitment, cellIndices []uint64, cells []*types.Cell,
		proofs []primitives.KZGProof) error
}

// ColumnAvailability is the spec's is_data_available (fulu) over retrieve_column_sidecars: every column sidecar
// sampled for the block is well formed (verify_data_column_sidecar) and its cells verify against the commitments
// (verify_data_column_sidecar_kzg_proofs). A block with no blobs has no sidecars to sample, and is available.
type ColumnAvailability struct {
	Spec *params.Spec
	// RetrieveColumnSidecars is the spec's retrieve_column_sidecars: the sidecars of the block's columns this node
	// samples, or an error when they could not all be retrieved.
	RetrieveColumnSidecars func(blockRoot primitives.Root, block *types.BeaconBlock) ([]*types.DataColumnSidecar, error)
	Verifier               CellProofVerifier
}

// IsDataAvailable implements DataAvailability.
func (a *ColumnAvailability) IsDataAvailable(blockRoot primitives.Root, block *types.BeaconBlock) error {
	sidecars, err := a.RetrieveColumnSidecars(blockRoot, block)
	if err != nil {
		return fmt.Errorf("%w: retrieve column sidecars: %w", ErrDataUnavailable, err)
	}
	for _, sidecar := range sidecars {
		if err := VerifyDataColumnSidecar(a.Spec, sidecar); err != nil {
			return err
		}
		if err := VerifyDataColumnSidecarKZGProofs(a.Verifier, sidecar); err != nil {
			return err
		}
	}
	return nil
}

// VerifyDataColumnSidecar is the spec's verify_data_column_sidecar (fulu p2p): the column index is in range, and
// the sidecar carries at least one and at most the epoch's blob limit of commitments, with one cell and one proof
// each. Its error wraps ErrDataUnavailable.
func VerifyDataColumnSidecar(spec *params.Spec, sidecar *types.DataColumnSidecar) error {
	if sidecar == nil || sidecar.SignedBlockHeader == nil || sidecar.SignedBlockHeader.Message == nil {
		return fmt.Errorf("%w: malformed column sidecar", ErrDataUnavailable)
	}
	if uint64(sidecar.Index) >= params.NumberOfColumns {
		return fmt.Errorf("%w: column index %d, want < %d", ErrDataUnavailable, sidecar.Index, params.NumberOfColumns)
	}
	commitments := len(sidecar.KZGCommitments)
	if commitments == 0 {
		return fmt.Errorf("%w: column %d has no commitments", ErrDataUnavailable, sidecar.Index)
	}
	epoch := helpers.ComputeEpochAtSlot(sidecar.SignedBlockHeader.Message.Slot)
	if limit := spec.GetBlobParameters(epoch).MaxBlobsPerBlock; uint64(commitments) > limit {
		return fmt.Errorf("%w: column %d has %d commitments, the limit is %d", ErrDataUnavailable, sidecar.Index,
			commitments, limit)
	}
	if len(sidecar.Column) != commitments || len(sidecar.KZGProofs) != commitments {
		return fmt.Errorf("%w: column %d has %d cells and %d proofs for %d commitments", ErrDataUnavailable,
			sidecar.Index, len(sidecar.Column), len(sidecar.KZGProofs), commitments)
	}
	return nil
}

// VerifyDataColumnSidecarKZGProofs is the spec's verify_data_column_sidecar_kzg_proofs (fulu p2p). Its error
// wraps ErrDataUnavailable.
func VerifyDataColumnSidecarKZGProofs(verifier CellProofVerifier, sidecar *types.DataColumnSidecar) error {
	// The column index also represents the cell index
	cellIndices := make([]uint64, len(sidecar.Column))
	for i := range cellIndices {
		cellIndices[i] = uint64(sidecar.Index)
	}
	if err := verifier.VerifyCellKZGProofBatch(sidecar.KZGCommitments, cellIndices, sidecar.Column, sidecar.KZGProofs); err != nil {
		return fmt.Errorf("%w: column %d: %w", ErrDataUnavailable, sidecar.Index, err)
	}
	return nil
}

// KZGVerifier is a CellProofVerifier on go-eth-kzg with the Ethereum ceremony's trusted setup.
type KZGVerifier struct{ ctx *goethkzg.Context }

// kzgContext loads the trusted setup once per process: it takes a while and is the same for every user.
var kzgContext = sync.OnceValues(goethkzg.NewContext4096Secure)

// NewKZGVerifier returns a KZGVerifier; the first call loads the trusted setup.
func NewKZGVerifier() (*KZGVerifier, error) {
	ctx, err := kzgContext()
	if err != nil {
		return nil, fmt.Errorf("load KZG trusted setup: %w", err)
	}
	return &KZGVerifier{ctx: ctx}, nil
}

// VerifyCellKZGProofBatch implements CellProofVerifier.
func (v *KZGVerifier) VerifyCellKZGProofBatch(commitments []primitives.KZGCommitment, cellIndices []uint64, cells []*types.Cell, proofs []primitives.KZGProof) error {
	kzgCommitments := make([]goethkzg.KZGCommitment, len(commitments))
	for i, c := range commitments {
		kzgCommitments[i] = goethkzg.KZGCommitment(c)
	}
	kzgCells := make([]*goethkzg.Cell, len(cells))
	for i, c := range cells {
		if c == nil {
			return fmt.Errorf("cell %d missing", i)
		}
		kzgCells[i] = (*goethkzg.Cell)(c)
	}
	kzgProofs := make([]goethkzg.KZGProof, len(proofs))
	for i, p := range proofs {
		kzgProofs[i] = goethkzg.KZGProof(p)
	}
	return v.ctx.VerifyCellKZGProofBatch(kzgCommitments, cellIndices, kzgCells, kzgProofs)
}
