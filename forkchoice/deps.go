package forkchoice

import (
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// Balances is what get_weight, get_proposer_score and calculate_committee_fraction read from a checkpoint state
// (store.checkpoint_states[checkpoint]). It is never modified once made, so that one value may be shared by every
// holder, across actors too.
type Balances struct {
	Checkpoint types.Checkpoint
	// Effective[i] is validator i's effective balance if it is active in the state's current epoch and not
	// slashed, else 0: its weight in get_weight.
	Effective []primitives.Gwei
	// TotalActive is get_total_active_balance(state).
	TotalActive primitives.Gwei
}

// BalancesSource gives the store the balances of a checkpoint state. The store asks for the balances of its
// justified checkpoint when it computes weights, and caches the answer.
type BalancesSource interface {
	CheckpointBalances(checkpoint types.Checkpoint) (*Balances, error)
}

// BalancesFunc makes a function a BalancesSource.
type BalancesFunc func(types.Checkpoint) (*Balances, error)

// CheckpointBalances calls f.
func (f BalancesFunc) CheckpointBalances(checkpoint types.Checkpoint) (*Balances, error) {
	return f(checkpoint)
}

// DataAvailability is the spec's is_data_available (fulu): whether every data column sidecar sampled for the block
// was retrieved and verifies. It returns nil when the data is available, else an error that wraps
// ErrDataUnavailable. The PeerDAS sampler implements it; ColumnAvailability is the spec's definition over a
// retrieval function.
type DataAvailability interface {
	IsDataAvailable(blockRoot primitives.Root, block *types.BeaconBlock) error
}

// ProposerConnected is the spec's validator_is_connected applied to the proposer of proposalSlot on top of
// parentRoot (get_beacon_proposer_index of the parent's state advanced to that slot): whether this node serves
// that validator. should_override_forkchoice_update calls it.
type ProposerConnected func(parentRoot primitives.Root, proposalSlot primitives.Slot) (bool, error)
