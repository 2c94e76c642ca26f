package chain

import (
	"context"
	"fmt"

	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/statecache"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ForkChoiceSource rebuilds the fork-choice store's history from the database, for the forkchoice actor at every
// start: the store's anchor (the latest finalized checkpoint block and its state), then every stored block that
// descends from it, replayed without signature checks (they were checked at import) to recover what on_block needs
// of its post-state. It implements forkchoice.ChainSource.
type ForkChoiceSource struct {
	env    *helpers.Env
	reader *store.Reader
	states *States
}

// NewForkChoiceSource returns the chain source of the store behind reader; states rebuilds the states the replay
// starts from and is offered the states it makes.
func NewForkChoiceSource(env *helpers.Env, reader *store.Reader, states *States) *ForkChoiceSource {
	return &ForkChoiceSource{env: env, reader: reader, states: states}
}

// LoadChain implements forkchoice.ChainSource.
func (s *ForkChoiceSource) LoadChain(ctx context.Context) (*forkchoice.Chain, error) {
	stored, err := s.reader.LoadChain()
	if err != nil {
		return nil, err
	}
	anchorState := new(types.BeaconState)
	if err := types.Unmarshal(stored.AnchorState, anchorState); err != nil {
		return nil, fmt.Errorf("%w: anchor state: %w", store.ErrCorrupt, err)
	}
	anchorBlock := new(types.SignedBeaconBlock)
	if err := types.Unmarshal(stored.AnchorBlock, anchorBlock); err != nil {
		return nil, fmt.Errorf("%w: anchor block: %w", store.ErrCorrupt, err)
	}
	anchor, err := forkchoice.NewAnchor(anchorState, anchorBlock.Message)
	if err != nil {
		return nil, fmt.Errorf("anchor: %w", err)
	}
	balances, err := forkchoice.BalancesOf(s.env, anchor.Checkpoint(), anchorState)
	if err != nil {
		return nil, fmt.Errorf("anchor: %w", err)
	}
	chain := &forkchoice.Chain{Anchor: anchor, AnchorBalances: balances}
	s.states.Remember(anchor.Root, anchorState)

	feed := transition.NewChainFeed(s.env, s.states, anchor.Root, anchorState)
	var last replayed
	for _, b := range stored.Blocks {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("replay the chain: %w", err)
		}
		signed := new(types.SignedBeaconBlock)
		if err := types.Unmarshal(b.SSZ, signed); err != nil {
			return nil, fmt.Errorf("%w: block %#x: %w", store.ErrCorrupt, b.Root, err)
		}
		parent, post, err := s.apply(ctx, &last, b, signed)
		if err != nil {
			return nil, fmt.Errorf("replay the chain: %w", err)
		}
		prepared, err := feed.Prepare(ctx, signed, b.SSZ, b.Root, parent, post)
		if err != nil {
			return nil, fmt.Errorf("replay the chain: %w", err)
		}
		chain.Blocks = append(chain.Blocks, prepared.OnBlock)
	}
	return chain, nil
}

// replayed is the last block LoadChain replayed, with the tree-hash cache of its post-state: the next block most
// likely builds on it.
type replayed struct {
	root  primitives.Root
	state *types.BeaconState
	hash  *statecache.Cache
}

// apply replays one stored block on its parent's post-state and returns both states.
func (s *ForkChoiceSource) apply(ctx context.Context, last *replayed, b store.StoredBlock, signed *types.SignedBeaconBlock) (parent, post *types.BeaconState, err error) {
	var hash *statecache.Cache
	if last.state != nil && last.root == b.ParentRoot {
		parent, hash = last.state, last.hash.Copy()
	} else {
		found := false
		if parent, found, err = s.states.StateByBlockRoot(ctx, b.ParentRoot); err != nil {
			return nil, nil, fmt.Errorf("block %#x: %w", b.Root, err)
		}
		if !found {
			return nil, nil, fmt.Errorf("block %#x: parent %#x: %w", b.Root, b.ParentRoot, store.ErrNotFound)
		}
		if hash, _, err = statecache.New(parent); err != nil {
			return nil, nil, fmt.Errorf("block %#x: %w", b.Root, err)
		}
	}
	env := *s.env
	env.StateRoot = hash.HashTreeRoot
	opts := transition.Options{Engine: block.AcceptAllEngine{}, SkipSignatures: true, SkipResultValidation: true}
	if post, err = transition.StateTransition(ctx, &env, parent, signed, opts); err != nil {
		return nil, nil, fmt.Errorf("block %#x at slot %d: %w", b.Root, b.Slot, err)
	}
	root, err := env.HashTreeRoot(post)
	if err != nil {
		return nil, nil, fmt.Errorf("block %#x at slot %d: %w", b.Root, b.Slot, err)
	}
	if root != b.StateRoot {
		return nil, nil, fmt.Errorf("block %#x at slot %d: %w: state root %#x, the block says %#x", b.Root, b.Slot,
			transition.ErrStateRootMismatch, root, b.StateRoot)
	}
	*last = replayed{root: b.Root, state: post, hash: hash}
	s.states.Remember(b.Root, post)
	return parent, post, nil
}
