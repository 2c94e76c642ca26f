package transition

import (
	"context"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// StateSource gives the transition actor the states it does not hold: the anchor (the genesis or checkpoint state)
// when it starts, and any block's post-state it evicted or lost in a restart. The store implements it.
type StateSource interface {
	// StateByBlockRoot returns the post-state of the block whose root is blockRoot (the anchor state under the
	// root of its latest block header, state root filled in), or found=false when the source has none. The
	// actor owns the returned state: the source must not keep a reference that it modifies.
	StateByBlockRoot(ctx context.Context, blockRoot primitives.Root) (state *types.BeaconState, found bool, err error)
}
