package chaincheck

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/salamander-client/salamander/chain"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/statecache"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// advancedStates is how many states advanced through empty epochs StoreChain keeps: one per branch whose
// target epoch starts after a run of empty slots, which is rare.
const advancedStates = 4

// StoreChain is the Chain of the node's database: blocks and checkpoints read through a store.Reader, states
// rebuilt by chain.States. It holds nothing the database does not, so a restarted checker rebuilds it at once.
type StoreChain struct {
	env    *helpers.Env
	reader *store.Reader
	states *chain.States

	mu       sync.Mutex
	advanced []advancedState // most recently used last
}

type advancedState struct {
	root  primitives.Root
	epoch primitives.Epoch
	state *types.BeaconState
}

// NewStoreChain returns the Chain of the store behind reader, keeping keep replayed states (0: the default).
func NewStoreChain(env *helpers.Env, reader *store.Reader, keep int) *StoreChain {
	return &StoreChain{env: env, reader: reader, states: chain.NewStates(env, reader, keep)}
}

// Block implements Chain.
func (s *StoreChain) Block(root primitives.Root) (primitives.Slot, primitives.Root, bool, error) {
	b, err := s.reader.BlockSummary(root)
	if errors.Is(err, store.ErrNotFound) {
		return 0, primitives.Root{}, false, nil
	}
	if err != nil {
		return 0, primitives.Root{}, false, fmt.Errorf("block %#x: %w", root, err)
	}
	return b.Slot, b.ParentRoot, true, nil
}

// Finalized implements Chain.
func (s *StoreChain) Finalized() (types.Checkpoint, error) {
	c, err := s.reader.Finalized()
	if err != nil {
		return types.Checkpoint{}, fmt.Errorf("finalized checkpoint: %w", err)
	}
	return types.Checkpoint{Epoch: c.Epoch, Root: c.Root}, nil
}

// Head implements Chain.
func (s *StoreChain) Head() (primitives.Root, primitives.Slot, error) {
	h, err := s.reader.Head()
	if err != nil {
		return primitives.Root{}, 0, fmt.Errorf("head: %w", err)
	}
	return h.Root, h.Slot, nil
}

// StateAt implements Chain. A post-state one epoch behind already decides the next epoch's shuffling and
// proposers; further behind, a copy is advanced through the empty slots to the epoch's start.
func (s *StoreChain) StateAt(ctx context.Context, root primitives.Root, e primitives.Epoch) (*types.BeaconState, error) {
	post, found, err := s.states.StateByBlockRoot(ctx, root)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: state of %#x", ErrUnknownBlock, root)
	}
	if helpers.GetCurrentEpoch(post)+1 >= e {
		return post, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, a := range s.advanced {
		if a.root == root && a.epoch == e {
			s.advanced = append(append(s.advanced[:i:i], s.advanced[i+1:]...), a)
			return a.state, nil
		}
	}
	state := helpers.CopyState(post)
	hash, _, err := statecache.New(state)
	if err != nil {
		return nil, fmt.Errorf("advance state of %#x: %w", root, err)
	}
	env := *s.env
	env.StateRoot = hash.HashTreeRoot
	if err := epoch.ProcessSlots(&env, state, helpers.ComputeStartSlotAtEpoch(e)); err != nil {
		return nil, fmt.Errorf("advance state of %#x to epoch %d: %w", root, e, err)
	}
	s.advanced = append(s.advanced, advancedState{root: root, epoch: e, state: state})
	if len(s.advanced) > advancedStates {
		s.advanced = append(s.advanced[:0:0], s.advanced[1:]...)
	}
	return state, nil
}
