// Package chain is the glue between the store and the actors that need beacon states: it rebuilds any stored
// block's post-state from the states the store keeps (one per epoch, at the checkpoint blocks) by replaying the
// blocks since, and it rebuilds the fork-choice store from the database (ForkChoiceSource). Everything here reads
// through a store.Reader, so it works while the store actor runs and every actor can rebuild from the database
// after a restart.
package chain

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/statecache"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// DefaultRecentStates is how many replayed states States keeps by default.
const DefaultRecentStates = 4

// maxReplay bounds the blocks one StateByBlockRoot replays: the store keeps a state at every epoch's checkpoint
// block, so more than a few epochs of blocks without one means a database that lost its states.
const maxReplay = 64 * 1024

// ErrNoStoredAncestor means a block's post-state cannot be rebuilt: none of its stored ancestors has a stored state.
var ErrNoStoredAncestor = errors.New("no stored state to replay from")

// States rebuilds the post-state of stored blocks: the stored state itself when the store keeps it, else the
// nearest ancestor's stored state (or a recent one States built) with the blocks since replayed on it. The blocks
// are replayed without checking their signatures or asking an execution engine: they were checked when they were
// imported; the post-state root is checked against the block's state_root.
//
// It implements transition.StateSource. The states it returns are shared and must not be modified. States is safe
// for concurrent use; replays run one at a time.
type States struct {
	env    *helpers.Env
	reader *store.Reader

	mu     sync.Mutex
	recent []recentState // most recently used last
	keep   int
}

type recentState struct {
	root  primitives.Root
	state *types.BeaconState
}

// NewStates returns a States over the store behind reader that keeps the keep most recent states it built (0:
// DefaultRecentStates).
func NewStates(env *helpers.Env, reader *store.Reader, keep int) *States {
	if keep <= 0 {
		keep = DefaultRecentStates
	}
	return &States{env: env, reader: reader, keep: keep}
}

// StateByBlockRoot returns the post-state of the stored block blockRoot; found is false when the store does not
// hold that block. For the anchor block it is the anchor's state, which may be past the block's slot.
func (s *States) StateByBlockRoot(ctx context.Context, blockRoot primitives.Root) (*types.BeaconState, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.lookup(blockRoot); st != nil {
		return st, true, nil
	}
	target, err := s.reader.BlockSummary(blockRoot)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("state of block %#x: %w", blockRoot, err)
	}

	// Walk back to the nearest block whose post-state is at hand, collecting the blocks to replay.
	var path []store.BlockSummary
	cur := target
	var base *types.BeaconState
	for {
		if err := ctx.Err(); err != nil {
			return nil, false, fmt.Errorf("state of block %#x: %w", blockRoot, err)
		}
		if st := s.lookup(cur.Root); st != nil {
			base = st
			break
		}
		st, err := s.storedPostState(cur)
		if err == nil && st == nil {
			st, err = s.anchorState(cur)
		}
		if err != nil {
			return nil, false, fmt.Errorf("state of block %#x: %w", blockRoot, err)
		}
		if st != nil {
			base = st
			break
		}
		path = append(path, cur)
		if len(path) > maxReplay || cur.Slot == 0 {
			return nil, false, fmt.Errorf("state of block %#x: %w: walked back %d blocks to slot %d", blockRoot,
				ErrNoStoredAncestor, len(path), cur.Slot)
		}
		parent, err := s.reader.BlockSummary(cur.ParentRoot)
		if err != nil {
			return nil, false, fmt.Errorf("state of block %#x: ancestor %#x: %w", blockRoot, cur.ParentRoot, err)
		}
		cur = parent
	}
	if len(path) == 0 {
		s.remember(blockRoot, base)
		return base, true, nil
	}

	state, err := s.replay(ctx, base, path)
	if err != nil {
		return nil, false, fmt.Errorf("state of block %#x: %w", blockRoot, err)
	}
	s.remember(blockRoot, state)
	return state, true, nil
}

// storedPostState returns the stored post-state of the block b, nil when the store keeps none.
func (s *States) storedPostState(b store.BlockSummary) (*types.BeaconState, error) {
	summary, encoded, err := s.reader.LatestStateOfBlock(b.Root, b.Slot)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if summary.Root != b.StateRoot {
		return nil, nil // a state of the block advanced through empty slots, not its post-state
	}
	state := new(types.BeaconState)
	if err := types.Unmarshal(encoded, state); err != nil {
		return nil, fmt.Errorf("%w: state %#x: %w", store.ErrCorrupt, summary.Root, err)
	}
	return state, nil
}

// anchorState returns the store's anchor state when b is the anchor block, nil otherwise. A checkpoint-sync anchor
// state is usually advanced through empty slots past its block, so it is no post-state storedPostState finds; it
// stands for the block's post-state all the same (the store's chain starts there, and process_slots takes it on
// to any later slot), as block_states[anchor_root] does in get_forkchoice_store.
func (s *States) anchorState(b store.BlockSummary) (*types.BeaconState, error) {
	anchor, err := s.reader.Anchor()
	if err != nil {
		return nil, fmt.Errorf("anchor: %w", err)
	}
	if anchor.BlockRoot != b.Root {
		return nil, nil
	}
	encoded, err := s.reader.State(anchor.StateRoot)
	if err != nil {
		return nil, fmt.Errorf("anchor state: %w", err)
	}
	state := new(types.BeaconState)
	if err := types.Unmarshal(encoded, state); err != nil {
		return nil, fmt.Errorf("%w: anchor state %#x: %w", store.ErrCorrupt, anchor.StateRoot, err)
	}
	return state, nil
}

// replay applies the blocks of path (newest first) to base and checks the last state root. A tree-hash cache
// makes the per-slot state roots cheap after the first.
func (s *States) replay(ctx context.Context, base *types.BeaconState, path []store.BlockSummary) (*types.BeaconState, error) {
	hash, _, err := statecache.New(base)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	env := *s.env
	env.StateRoot = hash.HashTreeRoot
	state := base
	opts := transition.Options{Engine: block.AcceptAllEngine{}, SkipSignatures: true, SkipResultValidation: true}
	for i := len(path) - 1; i >= 0; i-- {
		b := path[i]
		encoded, err := s.reader.Block(b.Root)
		if err != nil {
			return nil, fmt.Errorf("replay block %#x: %w", b.Root, err)
		}
		signed := new(types.SignedBeaconBlock)
		if err := types.Unmarshal(encoded, signed); err != nil {
			return nil, fmt.Errorf("replay block %#x: %w: %w", b.Root, store.ErrCorrupt, err)
		}
		if state, err = transition.StateTransition(ctx, &env, state, signed, opts); err != nil {
			return nil, fmt.Errorf("replay block %#x at slot %d: %w", b.Root, b.Slot, err)
		}
	}
	want := path[0].StateRoot
	root, err := env.HashTreeRoot(state)
	if err != nil {
		return nil, fmt.Errorf("replay to block %#x: %w", path[0].Root, err)
	}
	if root != want {
		return nil, fmt.Errorf("replay to block %#x: %w: state root %#x, the block says %#x", path[0].Root,
			transition.ErrStateRootMismatch, root, want)
	}
	return state, nil
}

// Remember offers States a post-state its caller computed, so that a later replay can start from it. The state
// must not be modified afterwards.
func (s *States) Remember(blockRoot primitives.Root, state *types.BeaconState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remember(blockRoot, state)
}

func (s *States) lookup(root primitives.Root) *types.BeaconState {
	for i, r := range s.recent {
		if r.root == root {
			s.recent = append(append(s.recent[:i:i], s.recent[i+1:]...), r)
			return r.state
		}
	}
	return nil
}

func (s *States) remember(root primitives.Root, state *types.BeaconState) {
	for i, r := range s.recent {
		if r.root == root {
			s.recent = append(s.recent[:i], s.recent[i+1:]...)
			break
		}
	}
	s.recent = append(s.recent, recentState{root: root, state: state})
	if len(s.recent) > s.keep {
		s.recent = append(s.recent[:0:0], s.recent[len(s.recent)-s.keep:]...)
	}
}

// Anchor returns the store's anchor block root and its state: the genesis, or the latest finalized checkpoint block
// with its post-state or, from checkpoint sync, that post-state advanced to the checkpoint's epoch. It implements
// transition.AnchorSource.
func (s *States) Anchor(ctx context.Context) (primitives.Root, *types.BeaconState, error) {
	anchor, err := s.reader.Anchor()
	if err != nil {
		return primitives.Root{}, nil, fmt.Errorf("anchor: %w", err)
	}
	state, found, err := s.StateByBlockRoot(ctx, anchor.BlockRoot)
	if err == nil && !found {
		err = fmt.Errorf("%w: anchor block %#x", store.ErrNotFound, anchor.BlockRoot)
	}
	if err != nil {
		return primitives.Root{}, nil, fmt.Errorf("anchor: %w", err)
	}
	return anchor.BlockRoot, state, nil
}
