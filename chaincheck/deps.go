package chaincheck

import (
	"context"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// Chain is the read-only view of the chain the checks need. Implementations must be safe for concurrent use; the
// states they return are shared and must not be modified.
type Chain interface {
	// Block returns the slot and parent root of a known block; found is false when the chain does not hold it.
	Block(root primitives.Root) (slot primitives.Slot, parent primitives.Root, found bool, err error)
	// Finalized returns the latest finalized checkpoint.
	Finalized() (types.Checkpoint, error)
	// StateAt returns a state on the branch of the known block root that decides epoch's committees and
	// proposers: root's post-state, advanced through empty slots when epoch is more than one epoch past it.
	StateAt(ctx context.Context, root primitives.Root, epoch primitives.Epoch) (*types.BeaconState, error)
	// Head returns the head block's root and slot.
	Head() (primitives.Root, primitives.Slot, error)
}
