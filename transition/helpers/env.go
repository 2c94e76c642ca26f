package helpers

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// Env is what the helpers need beside the state: the spec and the node's caches. Build one per node (or per test
// case) and pass it down; it is safe for concurrent use as long as nobody assigns its fields.
type Env struct {
	Spec *params.Spec
	// Caches is shared by every state the node transitions. Nil computes everything from the state.
	Caches *Caches
	// StateRoot computes hash_tree_root(state) for process_slot and the state-root check. Nil hashes the whole
	// state (types.BeaconState.HashTreeRoot); a tree-hash cache plugs in here (statecache.Cache.HashTreeRoot).
	StateRoot func(*types.BeaconState) (primitives.Root, error)
}

// NewEnv returns an Env over spec and caches (nil for none).
func NewEnv(spec *params.Spec, caches *Caches) *Env {
	return &Env{Spec: spec, Caches: caches}
}

// HashTreeRoot returns hash_tree_root(state) through Env.StateRoot when set.
func (env *Env) HashTreeRoot(state *types.BeaconState) (primitives.Root, error) {
	if env.StateRoot != nil {
		root, err := env.StateRoot(state)
		if err != nil {
			return primitives.Root{}, fmt.Errorf("hash_tree_root(state) at slot %d: %w", state.Slot, err)
		}
		return root, nil
	}
	return state.HashTreeRoot(), nil
}
