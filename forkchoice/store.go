package forkchoice

import (
	"errors"
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// DefaultPruneThreshold is how many blocks must precede the finalized block in the proto-array before pruning
// drops them: pruning renumbers every node and vote, so it is done in batches.
const DefaultPruneThreshold = 256

// StoreConfig is what a Store needs besides its anchor.
type StoreConfig struct {
	Spec *params.Spec
	// Balances gives the justified checkpoint state's balances (store.checkpoint_states).
	Balances BalancesSource
	// Availability is is_data_available, asked of every block before it is added.
	Availability DataAvailability
	// PruneThreshold is the number of blocks before the finalized one at which they are pruned; 0 means
	// DefaultPruneThreshold.
	PruneThreshold int
}

// ErrIncompleteConfig means a StoreConfig lacks a dependency.
var ErrIncompleteConfig = errors.New("incomplete fork-choice config")

// Store is the spec's fork-choice Store (phase0 to fulu) with the state-dependent parts left to its callers: it
// keeps the blocks as a proto-array and the latest messages as vote arrays, so that get_head costs one pass over
// the votes that changed and one over the blocks. It holds no BeaconState: what on_block learns from the state
// transition comes in a BlockInput, the checkpoint states' balances from StoreConfig.Balances, and attestations arrive
// with their attesting indices (see OnAttestation).
//
// A Store is not safe for concurrent use: one owner (the forkchoice actor) calls it.
type Store struct {
	cfg StoreConfig

	time        uint64
	genesisTime uint64

	justified           types.Checkpoint
	finalized           types.Checkpoint
	unrealizedJustified types.Checkpoint
	unrealizedFinalized types.Checkpoint
	proposerBoostRoot   primitives.Root

	equivocating equivocators
	votes        voteTracker
	blocks       *protoArray

	// The balances and proposer boost the nodes' weights were last computed with.
	appliedBalances []primitives.Gwei
	appliedBoost    boost
	// justifiedBalances caches StoreConfig.Balances for the justified checkpoint.
	justifiedBalances *Balances
	// stale says something the weights or the filtered block tree depend on changed since they were last
	// computed: votes, blocks, equivocations, payload verdicts, checkpoints or the slot.
	stale bool
}

// Anchor is what get_forkchoice_store reads from the anchor block and state: the trusted block the store starts
// from (genesis, or a checkpoint-sync block).
type Anchor struct {
	Root               primitives.Root
	Slot               primitives.Slot // the block's
	ParentRoot         primitives.Root
	StateRoot          primitives.Root
	ExecutionBlockHash primitives.Hash32
	GenesisTime        uint64
	StateSlot          primitives.Slot  // anchor_state.slot
	Justified          types.Checkpoint // anchor_state.current_justified_checkpoint
	Finalized          types.Checkpoint // anchor_state.finalized_checkpoint
}

// NewAnchor reads the Anchor of get_forkchoice_store(anchorState, anchorBlock), whose first assertion it checks:
// the block's state root is the state's root. It also takes what checkpoint sync usually serves: the finalized
// checkpoint's state, at its epoch's first slot, advanced through empty slots past its block. Such a state is the
// block's post-state advanced by process_slots, which records the block's post-state root in its latest block
// header and state_roots; the store's checkpoint is then at the state's epoch, as get_forkchoice_store's is. The
// state is not kept.
func NewAnchor(anchorState *types.BeaconState, anchorBlock *types.BeaconBlock) (*Anchor, error) {
	if anchorState == nil || anchorBlock == nil || anchorBlock.Body == nil || anchorState.CurrentJustifiedCheckpoint == nil ||
		anchorState.FinalizedCheckpoint == nil || anchorState.LatestBlockHeader == nil {
		return nil, fmt.Errorf("%w: missing block, state or checkpoints", ErrInvalidAnchor)
	}
	if err := checkAnchorState(anchorState, anchorBlock); err != nil {
		return nil, err
	}
	a := &Anchor{
		Root:        types.HashTreeRoot(anchorBlock),
		Slot:        anchorBlock.Slot,
		ParentRoot:  anchorBlock.ParentRoot,
		StateRoot:   anchorBlock.StateRoot,
		GenesisTime: anchorState.GenesisTime,
		StateSlot:   anchorState.Slot,
		Justified:   *anchorState.CurrentJustifiedCheckpoint,
		Finalized:   *anchorState.FinalizedCheckpoint,
	}
	if p := anchorBlock.Body.ExecutionPayload; p != nil {
		a.ExecutionBlockHash = p.BlockHash
	}
	return a, nil
}

// checkAnchorState checks that state is block's post-state, or that post-state advanced through empty slots.
func checkAnchorState(state *types.BeaconState, block *types.BeaconBlock) error {
	switch {
	case state.Slot == block.Slot:
		if root := state.HashTreeRoot(); block.StateRoot != root {
			return fmt.Errorf("%w: block state root %#x, state root %#x", ErrInvalidAnchor, block.StateRoot, root)
		}
		return nil
	case state.Slot < block.Slot:
		return fmt.Errorf("%w: state at slot %d is before its block at slot %d", ErrInvalidAnchor, state.Slot, block.Slot)
	case uint64(state.Slot-block.Slot) >= params.SlotsPerHistoricalRoot:
		return fmt.Errorf("%w: state at slot %d is too far past its block at slot %d to tell it is its post-state",
			ErrInvalidAnchor, state.Slot, block.Slot)
	}
	// process_slot filled the header's state root with the block's post-state root, so the header is the block's
	// exactly when its root is the block's.
	if header, root := types.HashTreeRoot(state.LatestBlockHeader), types.HashTreeRoot(block); header != root {
		return fmt.Errorf("%w: state at slot %d has latest block %#x, not the block %#x at slot %d", ErrInvalidAnchor,
			state.Slot, header, root, block.Slot)
	}
	if recorded := state.StateRoots[uint64(block.Slot)%params.SlotsPerHistoricalRoot]; recorded != block.StateRoot {
		return fmt.Errorf("%w: state records %#x as the block's post-state root, the block says %#x", ErrInvalidAnchor,
			recorded, block.StateRoot)
	}
	return nil
}

// Checkpoint is the anchor's checkpoint: the store's first justified and finalized checkpoint.
func (a *Anchor) Checkpoint() types.Checkpoint {
	return types.Checkpoint{Epoch: helpers.ComputeEpochAtSlot(a.StateSlot), Root: a.Root}
}

// NewStore is the spec's get_forkchoice_store. The anchor's execution payload is taken as VALID (optimistic sync:
// a checkpoint-sync anchor may be).
func NewStore(cfg StoreConfig, anchor *Anchor) (*Store, error) {
	if cfg.Spec == nil || cfg.Balances == nil || cfg.Availability == nil {
		return nil, fmt.Errorf("new fork-choice store: %w: spec, balances and availability are required", ErrIncompleteConfig)
	}
	if anchor == nil {
		return nil, fmt.Errorf("new fork-choice store: %w: no anchor", ErrInvalidAnchor)
	}
	if cfg.Spec.SecondsPerSlot == 0 {
		return nil, fmt.Errorf("new fork-choice store: %w: SECONDS_PER_SLOT is 0", ErrIncompleteConfig)
	}
	if cfg.PruneThreshold <= 0 {
		cfg.PruneThreshold = DefaultPruneThreshold
	}
	checkpoint := anchor.Checkpoint()
	s := &Store{
		cfg:                 cfg,
		time:                anchor.GenesisTime + cfg.Spec.SecondsPerSlot*uint64(anchor.StateSlot),
		genesisTime:         anchor.GenesisTime,
		justified:           checkpoint,
		finalized:           checkpoint,
		unrealizedJustified: checkpoint,
		unrealizedFinalized: checkpoint,
		stale:               true,
	}
	s.blocks = newProtoArray(protoNode{
		root:                anchor.Root,
		parentRoot:          anchor.ParentRoot,
		slot:                anchor.Slot,
		stateRoot:           anchor.StateRoot,
		executionBlockHash:  anchor.ExecutionBlockHash,
		execution:           ExecutionValid,
		justified:           anchor.Justified,
		finalized:           anchor.Finalized,
		unrealizedJustified: checkpoint,
		unrealizedFinalized: checkpoint,
		finalizedDescendant: true,
	})
	return s, nil
}

// Time is store.time, in seconds since the Unix epoch.
func (s *Store) Time() uint64 { return s.time }

// GenesisTime is store.genesis_time.
func (s *Store) GenesisTime() uint64 { return s.genesisTime }

// JustifiedCheckpoint is store.justified_checkpoint.
func (s *Store) JustifiedCheckpoint() types.Checkpoint { return s.justified }

// FinalizedCheckpoint is store.finalized_checkpoint.
func (s *Store) FinalizedCheckpoint() types.Checkpoint { return s.finalized }

// UnrealizedJustifiedCheckpoint is store.unrealized_justified_checkpoint.
func (s *Store) UnrealizedJustifiedCheckpoint() types.Checkpoint { return s.unrealizedJustified }

// UnrealizedFinalizedCheckpoint is store.unrealized_finalized_checkpoint.
func (s *Store) UnrealizedFinalizedCheckpoint() types.Checkpoint { return s.unrealizedFinalized }

// ProposerBoostRoot is store.proposer_boost_root.
func (s *Store) ProposerBoostRoot() primitives.Root { return s.proposerBoostRoot }

// IsEquivocating reports whether index is in store.equivocating_indices.
func (s *Store) IsEquivocating(index primitives.ValidatorIndex) bool {
	return s.equivocating.has(index)
}

// LatestMessage is store.latest_messages[index]: the target epoch and block of the validator's latest vote. A vote
// for a block pruned since reads as the zero root.
func (s *Store) LatestMessage(index primitives.ValidatorIndex) (epoch primitives.Epoch, root primitives.Root, ok bool) {
	epoch, node, ok := s.votes.latest(index)
	if ok && node != noIndex {
		root = s.blocks.nodes[node].root
	}
	return epoch, root, ok
}

// GetSlotsSinceGenesis is the spec's get_slots_since_genesis.
func (s *Store) GetSlotsSinceGenesis() uint64 {
	return (s.time - s.genesisTime) / s.cfg.Spec.SecondsPerSlot
}

// GetCurrentSlot is the spec's get_current_slot.
func (s *Store) GetCurrentSlot() primitives.Slot {
	return params.GenesisSlot + primitives.Slot(s.GetSlotsSinceGenesis())
}

// GetCurrentStoreEpoch is the spec's get_current_store_epoch.
func (s *Store) GetCurrentStoreEpoch() primitives.Epoch {
	return helpers.ComputeEpochAtSlot(s.GetCurrentSlot())
}

// BlockInfo is what the store knows about a block.
type BlockInfo struct {
	Root, ParentRoot, StateRoot primitives.Root
	Slot                        primitives.Slot
	ExecutionBlockHash          primitives.Hash32
	Execution                   ExecutionStatus
	Justified, Finalized        types.Checkpoint // the post-state's
	UnrealizedJustified         types.Checkpoint // unrealized_justifications[root]
	UnrealizedFinalized         types.Checkpoint
	Timely                      bool            // block_timeliness[root]
	Weight                      primitives.Gwei // as of the last weight computation (GetHead, GetWeight)
}

// Block returns what the store knows about the block root, if it has it.
func (s *Store) Block(root primitives.Root) (BlockInfo, bool) {
	n, ok := s.blocks.node(root)
	if !ok {
		return BlockInfo{}, false
	}
	return blockInfo(n), true
}

func blockInfo(n *protoNode) BlockInfo {
	return BlockInfo{
		Root: n.root, ParentRoot: n.parentRoot, StateRoot: n.stateRoot, Slot: n.slot,
		ExecutionBlockHash: n.executionBlockHash, Execution: n.execution,
		Justified: n.justified, Finalized: n.finalized,
		UnrealizedJustified: n.unrealizedJustified, UnrealizedFinalized: n.unrealizedFinalized,
		Timely: n.timely, Weight: primitives.Gwei(n.weight),
	}
}

// HasBlock reports whether root is in the store.
func (s *Store) HasBlock(root primitives.Root) bool {
	_, ok := s.blocks.index(root)
	return ok
}

// BlockCount is the number of blocks in the store (the proto-array's length, pruned blocks excluded).
func (s *Store) BlockCount() int { return len(s.blocks.nodes) }

// Blocks returns what the store knows about every block, parents before children.
func (s *Store) Blocks() []BlockInfo {
	out := make([]BlockInfo, len(s.blocks.nodes))
	for i := range s.blocks.nodes {
		out[i] = blockInfo(&s.blocks.nodes[i])
	}
	return out
}

// GetAncestor is the spec's get_ancestor: the root of the block at or before slot in the chain of root. It fails
// with ErrUnknownBlock if root, or the ancestor, is not in the store.
func (s *Store) GetAncestor(root primitives.Root, slot primitives.Slot) (primitives.Root, error) {
	i, ok := s.blocks.index(root)
	if !ok {
		return primitives.Root{}, fmt.Errorf("get ancestor of %#x: %w", root, ErrUnknownBlock)
	}
	a := s.blocks.ancestor(i, slot)
	if a == noIndex {
		return primitives.Root{}, fmt.Errorf("get ancestor of %#x at slot %d: %w (pruned)", root, slot, ErrUnknownBlock)
	}
	return s.blocks.nodes[a].root, nil
}

// GetCheckpointBlock is the spec's get_checkpoint_block.
func (s *Store) GetCheckpointBlock(root primitives.Root, epoch primitives.Epoch) (primitives.Root, error) {
	return s.GetAncestor(root, helpers.ComputeStartSlotAtEpoch(epoch))
}

// updateCheckpoints is the spec's update_checkpoints.
func (s *Store) updateCheckpoints(justified, finalized types.Checkpoint) {
	if justified.Epoch > s.justified.Epoch {
		s.justified = justified
		s.stale = true
	}
	if finalized.Epoch > s.finalized.Epoch {
		s.finalized = finalized
		s.stale = true
		s.blocks.setFinalized(helpers.ComputeStartSlotAtEpoch(finalized.Epoch), finalized.Root)
	}
}

// updateUnrealizedCheckpoints is the spec's update_unrealized_checkpoints.
func (s *Store) updateUnrealizedCheckpoints(justified, finalized types.Checkpoint) {
	if justified.Epoch > s.unrealizedJustified.Epoch {
		s.unrealizedJustified = justified
	}
	if finalized.Epoch > s.unrealizedFinalized.Epoch {
		s.unrealizedFinalized = finalized
	}
}

// CommonAncestor returns the latest block that is an ancestor of both a and b (either may be it), if the store
// still holds one.
func (s *Store) CommonAncestor(a, b primitives.Root) (BlockInfo, bool) {
	i, ok := s.blocks.index(a)
	if !ok {
		return BlockInfo{}, false
	}
	j, ok := s.blocks.index(b)
	if !ok {
		return BlockInfo{}, false
	}
	for i != j {
		if i == noIndex || j == noIndex {
			return BlockInfo{}, false
		}
		// The later block of the two cannot be an ancestor of the other: step it back.
		if s.blocks.nodes[i].slot >= s.blocks.nodes[j].slot {
			i = s.blocks.nodes[i].parent
		} else {
			j = s.blocks.nodes[j].parent
		}
	}
	return blockInfo(&s.blocks.nodes[i]), true
}
