// Package transition applies the consensus state transition to blocks: StateTransition is the spec's
// state_transition, and the transition actor (NewActor, New) owns the node's recent post-states and applies the
// blocks it is sent to them, one at a time, off its mailbox's goroutine.
package transition

import (
	"context"
	"fmt"
	"math/bits"
	"time"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/statecache"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// DefaultMaxStates is how many post-states the actor holds by default: the head, its parent, and a few forks'.
// A mainnet state is a few hundred MiB with its tree-hash cache.
const DefaultMaxStates = 4

// DefaultMaxQueue is how many ApplyBlock requests may wait by default: a few epochs of blocks from sync.
const DefaultMaxQueue = 128

// Config configures the transition actor. The zero Config has no chain: it holds no state and can load none.
type Config struct {
	// Spec is the chain's spec; required with States.
	Spec *params.Spec
	// Engine judges execution payloads: the Engine API client, or block.AcceptAllEngine on the local devnet.
	// Without one every block is rejected with ErrNoExecutionEngine.
	Engine block.ExecutionEngine
	// States loads the states the actor does not hold; nil for none.
	States StateSource
	// MaxStates bounds the post-states held in memory (least recently used go first); default DefaultMaxStates.
	MaxStates int
	// MaxQueue bounds the ApplyBlock requests waiting; beyond, they are rejected with ErrQueueFull. Default
	// DefaultMaxQueue.
	MaxQueue int
	// NoTreeHashCache hashes whole states (karalabe/ssz) instead of keeping a tree-hash cache beside each state
	// (statecache): several times slower, for comparison and for debugging the cache.
	NoTreeHashCache bool
}

func (c Config) withDefaults() Config {
	if c.MaxStates <= 0 {
		c.MaxStates = DefaultMaxStates
	}
	if c.MaxQueue <= 0 {
		c.MaxQueue = DefaultMaxQueue
	}
	return c
}

// core applies blocks to the post-states it holds. It imports no actor code. It is not safe for concurrent use:
// the actor lends it to one transition at a time.
type core struct {
	env    *helpers.Env // nil without a spec
	engine block.ExecutionEngine
	source StateSource
	cache  bool // keep a tree-hash cache beside each state
	states *stateSet
}

func newCore(cfg Config) *core {
	cfg = cfg.withDefaults()
	c := &core{engine: cfg.Engine, source: cfg.States, cache: !cfg.NoTreeHashCache, states: newStateSet(cfg.MaxStates)}
	if cfg.Spec != nil {
		c.env = helpers.NewEnv(cfg.Spec, helpers.NewCaches())
	}
	return c
}

// heldState is a post-state the core holds. state is never modified: transitions work on copies.
type heldState struct {
	state *types.BeaconState
	root  primitives.Root   // hash_tree_root(state), the block's state_root
	hash  *statecache.Cache // the tree-hash cache holding state; nil until first needed, or without caches
}

// applyBlock decodes a SignedBeaconBlock and runs StateTransition on its parent's post-state. On success it holds
// the post-state under the block's root. On failure the held states are as they were.
func (c *core) applyBlock(ctx context.Context, encoded []byte) ApplyBlockResult {
	start := time.Now()
	signed := new(types.SignedBeaconBlock)
	if err := types.Unmarshal(encoded, signed); err != nil {
		return &BlockRejected{Err: fmt.Errorf("apply block: %w: %w", ErrMalformedBlock, err)}
	}
	blk := signed.Message
	root := types.HashTreeRoot(blk)
	reject := func(err error) *BlockRejected {
		return &BlockRejected{BlockRoot: root, Slot: blk.Slot, Err: fmt.Errorf("apply block %#x at slot %d: %w", root, blk.Slot, err)}
	}
	if held, ok := c.states.get(root); ok {
		return applied(signed, root, held.root, 0)
	}
	pre, err := c.parentState(ctx, blk.ParentRoot)
	if err != nil {
		return reject(err)
	}
	env, hash, err := c.transitionEnv(pre)
	if err != nil {
		return reject(err)
	}
	post, err := StateTransition(ctx, env, pre.state, signed, Options{Engine: c.engine})
	if err != nil {
		return reject(err)
	}
	c.states.put(root, &heldState{state: post, root: blk.StateRoot, hash: hash})
	return applied(signed, root, blk.StateRoot, time.Since(start))
}

// parentState returns the held post-state of the block parentRoot, loading it from the source if needed.
func (c *core) parentState(ctx context.Context, parentRoot primitives.Root) (*heldState, error) {
	if held, ok := c.states.get(parentRoot); ok {
		return held, nil
	}
	if c.source == nil || c.env == nil {
		return nil, fmt.Errorf("parent %#x: %w: no state source", parentRoot, ErrUnknownParentState)
	}
	state, found, err := c.source.StateByBlockRoot(ctx, parentRoot)
	if err != nil {
		return nil, fmt.Errorf("parent %#x: load state: %w", parentRoot, err)
	}
	if !found || state == nil {
		return nil, fmt.Errorf("parent %#x: %w", parentRoot, ErrUnknownParentState)
	}
	held := &heldState{state: state}
	if c.cache {
		// Building the cache hashes the state once; every later transition from it hashes what changed.
		cache, stateRoot, err := statecache.New(state)
		if err != nil {
			return nil, fmt.Errorf("parent %#x: %w", parentRoot, err)
		}
		held.hash, held.root = cache, stateRoot
	} else {
		if held.root, err = c.env.HashTreeRoot(state); err != nil {
			return nil, fmt.Errorf("parent %#x: %w", parentRoot, err)
		}
	}
	c.states.put(parentRoot, held)
	return held, nil
}

// transitionEnv returns the Env of one transition from pre: with caches, its state roots come from a copy of
// pre's tree-hash cache, which the post-state keeps.
func (c *core) transitionEnv(pre *heldState) (*helpers.Env, *statecache.Cache, error) {
	if c.env == nil {
		return nil, nil, fmt.Errorf("%w: no spec", ErrUnknownParentState)
	}
	if !c.cache || pre.hash == nil {
		return c.env, nil, nil
	}
	hash := pre.hash.Copy()
	env := *c.env
	env.StateRoot = hash.HashTreeRoot
	return &env, hash, nil
}

// applied returns the BlockApplied of signed.
func applied(signed *types.SignedBeaconBlock, root, stateRoot primitives.Root, took time.Duration) *BlockApplied {
	blk := signed.Message
	return &BlockApplied{
		BlockRoot:     root,
		ParentRoot:    blk.ParentRoot,
		PostStateRoot: stateRoot,
		Slot:          blk.Slot,
		ProposerIndex: blk.ProposerIndex,
		Summary:       summarize(blk.Body),
		Took:          took,
	}
}

// summarize counts what body carries. A decoded body has every part.
func summarize(body *types.BeaconBlockBody) BlockSummary {
	s := BlockSummary{
		Attestations:          len(body.Attestations),
		ProposerSlashings:     len(body.ProposerSlashings),
		AttesterSlashings:     len(body.AttesterSlashings),
		Deposits:              len(body.Deposits),
		VoluntaryExits:        len(body.VoluntaryExits),
		BLSToExecutionChanges: len(body.BLSToExecutionChanges),
		BlobKZGCommitments:    len(body.BlobKZGCommitments),
	}
	for _, a := range body.Attestations {
		s.Attesters += int(a.AggregationBits.Count())
	}
	if body.SyncAggregate != nil {
		for _, b := range body.SyncAggregate.SyncCommitteeBits {
			s.SyncCommitteeBits += bits.OnesCount8(b)
		}
	}
	if p := body.ExecutionPayload; p != nil {
		s.Withdrawals, s.Transactions = len(p.Withdrawals), len(p.Transactions)
	}
	if r := body.ExecutionRequests; r != nil {
		s.DepositRequests, s.WithdrawalRequests, s.ConsolidationRequests = len(r.Deposits), len(r.Withdrawals), len(r.Consolidations)
	}
	return s
}

// stateSet holds post-states by block root, at most limit of them; the least recently used goes first.
type stateSet struct {
	limit  int
	states map[primitives.Root]*heldState
	order  []primitives.Root // least recently used first
}

func newStateSet(limit int) *stateSet {
	return &stateSet{limit: limit, states: make(map[primitives.Root]*heldState, limit)}
}

func (s *stateSet) get(root primitives.Root) (*heldState, bool) {
	held, ok := s.states[root]
	if ok {
		s.touch(root)
	}
	return held, ok
}

func (s *stateSet) put(root primitives.Root, held *heldState) {
	if _, ok := s.states[root]; !ok && len(s.states) >= s.limit {
		delete(s.states, s.order[0])
		s.order = s.order[1:]
	}
	s.states[root] = held
	s.touch(root)
}

func (s *stateSet) touch(root primitives.Root) {
	for i, r := range s.order {
		if r == root {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
	s.order = append(s.order, root)
}

func (s *stateSet) len() int { return len(s.states) }
