package forkchoice

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// BasisPoints is the spec's BASIS_POINTS.
const BasisPoints = 10000

// ErrInvalidBlockInput means a BlockInput lacks its block or has an execution status on_block cannot take.
var ErrInvalidBlockInput = errors.New("invalid block input")

// BlockInput is on_block's argument once the state transition has run: the block and what the transition learned
// from its post-state and from the execution engine.
type BlockInput struct {
	Root  primitives.Root    // hash_tree_root(block)
	Block *types.BeaconBlock // the block (its body for is_data_available)
	// Execution is the execution engine's verdict on the payload: ExecutionValid, or ExecutionOptimistic when it
	// answered SYNCING or ACCEPTED. A block whose payload is INVALID never gets here.
	Execution ExecutionStatus
	PostState PostState
}

// PostState is what on_block reads from the block's post-state.
type PostState struct {
	Justified types.Checkpoint // state.current_justified_checkpoint
	Finalized types.Checkpoint // state.finalized_checkpoint
	// UnrealizedJustified and UnrealizedFinalized are the current justified and finalized checkpoints of the
	// state after process_justification_and_finalization: compute_pulled_up_tip's pulled-up tip.
	UnrealizedJustified types.Checkpoint
	UnrealizedFinalized types.Checkpoint
}

// OnBlock is the spec's on_block (fulu) for a block whose state transition the caller ran on the parent's state:
// it checks the block against the store (parent known and not INVALIDATED, not from the future, later than and
// descending from the finalized checkpoint, data available), then adds it with its timeliness, proposer boost,
// checkpoints and pulled-up tip. A block already in the store is accepted again without effect.
func (s *Store) OnBlock(in *BlockInput) error {
	if in == nil || in.Block == nil || in.Block.Body == nil {
		return fmt.Errorf("on_block: %w: no block", ErrInvalidBlockInput)
	}
	if in.Execution != ExecutionValid && in.Execution != ExecutionOptimistic {
		return fmt.Errorf("on_block %#x: %w: execution status %s", in.Root, ErrInvalidBlockInput, in.Execution)
	}
	block := in.Block
	if s.HasBlock(in.Root) {
		return nil
	}
	parentIndex, ok := s.blocks.index(block.ParentRoot)
	if !ok {
		return fmt.Errorf("on_block %#x: parent %#x: %w", in.Root, block.ParentRoot, ErrUnknownBlock)
	}
	parent := &s.blocks.nodes[parentIndex]
	if parent.execution == ExecutionInvalid {
		return fmt.Errorf("on_block %#x: parent %#x: %w", in.Root, block.ParentRoot, ErrInvalidParentPayload)
	}
	if current := s.GetCurrentSlot(); current < block.Slot {
		return fmt.Errorf("on_block %#x: block slot %d, current slot %d: %w", in.Root, block.Slot, current, ErrFutureSlot)
	}
	finalizedSlot := helpers.ComputeStartSlotAtEpoch(s.finalized.Epoch)
	if block.Slot <= finalizedSlot {
		return fmt.Errorf("on_block %#x: %w: slot %d is not after the finalized slot %d", in.Root,
			ErrNotFinalizedDescendant, block.Slot, finalizedSlot)
	}
	if !parent.finalizedDescendant {
		return fmt.Errorf("on_block %#x: %w: finalized checkpoint %d/%#x", in.Root, ErrNotFinalizedDescendant,
			s.finalized.Epoch, s.finalized.Root)
	}
	if err := s.cfg.Availability.IsDataAvailable(in.Root, block); err != nil {
		if !errors.Is(err, ErrDataUnavailable) {
			err = fmt.Errorf("%w: %w", ErrDataUnavailable, err)
		}
		return fmt.Errorf("on_block %#x: %w", in.Root, err)
	}

	var executionBlockHash primitives.Hash32
	if p := block.Body.ExecutionPayload; p != nil {
		executionBlockHash = p.BlockHash
	}
	timely := s.isTimely(block.Slot)
	s.stale = true
	s.blocks.add(protoNode{
		root:                in.Root,
		parentRoot:          block.ParentRoot,
		slot:                block.Slot,
		stateRoot:           block.StateRoot,
		executionBlockHash:  executionBlockHash,
		execution:           in.Execution,
		justified:           in.PostState.Justified,
		finalized:           in.PostState.Finalized,
		unrealizedJustified: in.PostState.UnrealizedJustified,
		unrealizedFinalized: in.PostState.UnrealizedFinalized,
		timely:              timely,
	}, finalizedSlot, s.finalized.Root)
	if in.Execution == ExecutionValid {
		// A VALID payload vouches for its ancestors' (optimistic sync); the parent was checked not INVALID.
		if err := s.blocks.markValid(parentIndex); err != nil {
			return fmt.Errorf("on_block %#x: %w", in.Root, err)
		}
	}

	// Add proposer score boost if the block is timely and not conflicting with an existing block
	if timely && s.proposerBoostRoot == (primitives.Root{}) {
		s.proposerBoostRoot = in.Root
	}
	s.updateCheckpoints(in.PostState.Justified, in.PostState.Finalized)
	s.computePulledUpTip(block.Slot, in.PostState)
	s.maybePrune()
	return nil
}

// computePulledUpTip is the store's half of the spec's compute_pulled_up_tip: the caller ran
// process_justification_and_finalization on a copy of the post-state (PostStateOf) and the block's node holds the
// result as unrealized_justifications[block_root].
func (s *Store) computePulledUpTip(blockSlot primitives.Slot, post PostState) {
	s.updateUnrealizedCheckpoints(post.UnrealizedJustified, post.UnrealizedFinalized)
	// If the block is from a prior epoch, apply the realized values
	if helpers.ComputeEpochAtSlot(blockSlot) < s.GetCurrentStoreEpoch() {
		s.updateCheckpoints(post.UnrealizedJustified, post.UnrealizedFinalized)
	}
}

// isTimely is on_block's block timeliness: the block is for the current slot and arrived before the attestation
// deadline.
func (s *Store) isTimely(slot primitives.Slot) bool {
	timeIntoSlotMS := secondsToMilliseconds(s.time-s.genesisTime) % s.slotDurationMS()
	isBeforeAttestingInterval := timeIntoSlotMS < s.getAttestationDueMS()
	return s.GetCurrentSlot() == slot && isBeforeAttestingInterval
}

// secondsToMilliseconds is the spec's seconds_to_milliseconds.
func secondsToMilliseconds(seconds uint64) uint64 {
	if seconds > math.MaxUint64/1000 {
		return math.MaxUint64
	}
	return seconds * 1000
}

// slotDurationMS is SLOT_DURATION_MS.
func (s *Store) slotDurationMS() uint64 { return uint64(s.cfg.Spec.SlotDuration / time.Millisecond) }

// getSlotComponentDurationMS is the spec's get_slot_component_duration_ms.
func (s *Store) getSlotComponentDurationMS(basisPoints uint64) uint64 {
	return basisPoints * s.slotDurationMS() / BasisPoints
}

// getAttestationDueMS is the spec's get_attestation_due_ms.
func (s *Store) getAttestationDueMS() uint64 {
	return s.getSlotComponentDurationMS(s.cfg.Spec.AttestationDueBPS)
}

// getProposerReorgCutoffMS is the spec's get_proposer_reorg_cutoff_ms.
func (s *Store) getProposerReorgCutoffMS() uint64 {
	return s.getSlotComponentDurationMS(s.cfg.Spec.ProposerReorgCutoffBPS)
}
