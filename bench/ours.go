package bench

import (
	"context"
	"fmt"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/statecache"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/fixture"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ours runs our state transition on a fixture as a node does: one Env whose caches (shufflings, public keys) stay
// warm across transitions, and, in the cached variant, a tree-hash cache beside each state that every transition
// copies along with the state.
type ours struct {
	env        *helpers.Env
	fixture    *fixture.Fixture
	preCache   *statecache.Cache // holds fixture.PreState once built
	epochCache *statecache.Cache // holds fixture.EpochState once built
}

// envFor returns the Env of one transition: the shared one, or with cache a copy whose state roots come from a
// copy of cache.
func (o *ours) envFor(cache *statecache.Cache) *helpers.Env {
	if cache == nil {
		return o.env
	}
	env := *o.env
	env.StateRoot = cache.Copy().HashTreeRoot
	return &env
}

// importBlock is the whole block import: state_transition with every signature and the state root check (which
// makes the returned root the block's state_root).
func (o *ours) importBlock(ctx context.Context, cache *statecache.Cache) (primitives.Root, error) {
	env := o.envFor(cache)
	if _, err := transition.StateTransition(ctx, env, o.fixture.PreState, o.fixture.Block, transition.Options{Engine: block.AcceptAllEngine{}}); err != nil {
		return primitives.Root{}, fmt.Errorf("import block: %w", err)
	}
	return o.fixture.Block.Message.StateRoot, nil
}

// processEpoch copies the epoch state, as a node copies the state it transitions, and runs process_slots to the
// next slot: process_slot's state root and process_epoch. It returns the post-state and a function that hashes it
// (through the copied tree-hash cache, if any), for after the timing.
func (o *ours) processEpoch(cache *statecache.Cache) (func() (primitives.Root, error), error) {
	env := o.envFor(cache)
	state := helpers.CopyState(o.fixture.EpochState)
	if err := epoch.ProcessSlots(env, state, state.Slot+1); err != nil {
		return nil, fmt.Errorf("process epoch: %w", err)
	}
	return hasher(env, state), nil
}

// prepareRoot runs the block's transition without its state root check and returns the function that computes
// the post-state's root: the last step of block import, alone.
func (o *ours) prepareRoot(ctx context.Context, cache *statecache.Cache) (func() (primitives.Root, error), error) {
	env := o.envFor(cache)
	post, err := transition.StateTransition(ctx, env, o.fixture.PreState, o.fixture.Block,
		transition.Options{Engine: block.AcceptAllEngine{}, SkipResultValidation: true})
	if err != nil {
		return nil, fmt.Errorf("state root: %w", err)
	}
	return hasher(env, post), nil
}

// hasher returns the function that hashes state through env, for after the timing.
func hasher(env *helpers.Env, state *types.BeaconState) func() (primitives.Root, error) {
	return func() (primitives.Root, error) { return env.HashTreeRoot(state) }
}
