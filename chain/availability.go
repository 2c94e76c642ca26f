package chain

import (
	"errors"
	"fmt"

	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// ErrNoColumnRetrieval means a block has blobs and the node cannot retrieve column sidecars from the network yet.
var ErrNoColumnRetrieval = errors.New("no column sidecar retrieval")

// NetworkAvailability is is_data_available for a node that follows a network before it can retrieve column
// sidecars: a block without blob commitments has all its data; one with commitments is unavailable
// (forkchoice.ErrDataUnavailable, wrapping ErrNoColumnRetrieval) rather than taken on trust.
func NetworkAvailability(spec *params.Spec) forkchoice.DataAvailability {
	return &forkchoice.ColumnAvailability{Spec: spec, RetrieveColumnSidecars: retrieveNoColumns}
}

func retrieveNoColumns(root primitives.Root, blk *types.BeaconBlock) ([]*types.DataColumnSidecar, error) {
	if n := len(blk.Body.BlobKZGCommitments); n > 0 {
		return nil, fmt.Errorf("block %#x with %d blob commitments: %w", root, n, ErrNoColumnRetrieval)
	}
	return nil, nil
}
