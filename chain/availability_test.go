package chain_test

import (
	"errors"
	"testing"

	"github.com/salamander-client/salamander/chain"
	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

func TestNetworkAvailability(t *testing.T) {
	spec, err := params.NewSpec(params.DevnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	da := chain.NetworkAvailability(spec)
	if err := da.IsDataAvailable(primitives.Root{1}, &types.BeaconBlock{Body: &types.BeaconBlockBody{}}); err != nil {
		t.Errorf("block without blobs: %v, want available", err)
	}
	withBlobs := &types.BeaconBlock{Body: &types.BeaconBlockBody{BlobKZGCommitments: []primitives.KZGCommitment{{1}}}}
	err = da.IsDataAvailable(primitives.Root{2}, withBlobs)
	if !errors.Is(err, forkchoice.ErrDataUnavailable) || !errors.Is(err, chain.ErrNoColumnRetrieval) {
		t.Errorf("block with blobs: %v, want ErrDataUnavailable for ErrNoColumnRetrieval", err)
	}
}
