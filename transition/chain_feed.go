package transition

import (
	"context"
	"fmt"

	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ChainFeed prepares, beside a block's state transition, what the rest of the node needs of the block and that
// only its post-state can tell: the fork-choice input (forkchoice.OnBlock: the post-state's checkpoints and
// pulled-up tip, the block's attestations indexed on their target checkpoint states, the balances of the
// checkpoints the block justifies), the states the store must keep, and the participation of an epoch that ended.
//
// It holds the fork-choice half of the states (forkchoice.StateCache): the post-states of the blocks that may be
// checkpoint blocks (the last block at or before an epoch's first slot) and the checkpoint states made from them.
// A state it does not hold (after a restart, or for a fork it dropped) comes from its StateSource.
//
// The store keeps one state per epoch and branch: the post-state of the epoch's checkpoint block, written with the
// first block of the epoch that comes after it. That is the state finality needs (the store's anchor moves to the
// finalized checkpoint's block and state) and the one a restart replays from.
//
// A ChainFeed is not safe for concurrent use. The states it is given and holds are never modified.
type ChainFeed struct {
	env    *helpers.Env
	source StateSource
	cache  *forkchoice.StateCache
	// slots is the block slot of every block state the cache holds, for retention.
	slots     map[primitives.Root]primitives.Slot
	finalized primitives.Epoch
	// anchorEpoch is the epoch of the anchor's checkpoint, the store's first justified checkpoint. Of an anchor
	// from checkpoint sync, the feed has no state before it, and it needs none: no earlier checkpoint can become
	// the store's justified checkpoint, and no earlier target is in the store (see Prepare).
	anchorEpoch primitives.Epoch
}

// Prepared is what ChainFeed.Prepare makes of an applied block.
type Prepared struct {
	// OnBlock is the block's fork-choice input; its Execution is ExecutionValid (the engine judged the payload).
	OnBlock *forkchoice.OnBlock
	// States are the states the store keeps with this block (store.PutBlock States).
	States []store.StateBlob
	// Participation is set when the block is the first of its epoch: the previous epoch's participation as its
	// post-state records it.
	Participation *EpochParticipation
}

// EpochParticipation is how much of the active balance attested in an epoch with each timely flag, as a state of
// the next epoch records it (previous_epoch_participation).
type EpochParticipation struct {
	Epoch         primitives.Epoch
	ActiveBalance primitives.Gwei
	// Source, Target, Head are the unslashed balances with TIMELY_SOURCE, TIMELY_TARGET and TIMELY_HEAD.
	Source, Target, Head primitives.Gwei
}

// TargetPercent is the target participation in percent, the figure justification depends on.
func (p *EpochParticipation) TargetPercent() float64 {
	if p == nil || p.ActiveBalance == 0 {
		return 0
	}
	return 100 * float64(p.Target) / float64(p.ActiveBalance)
}

// NewChainFeed returns a feed anchored on the post-state of the block anchorRoot (the store's anchor: the genesis or
// the latest finalized checkpoint block). source gives the states it does not hold.
func NewChainFeed(env *helpers.Env, source StateSource, anchorRoot primitives.Root, anchorState *types.BeaconState) *ChainFeed {
	anchor := &forkchoice.Anchor{Root: anchorRoot, Slot: anchorState.LatestBlockHeader.Slot, StateSlot: anchorState.Slot}
	// Block attestations were verified, signatures included, by the block's state transition; indexing them again
	// must not verify them a second time.
	cache := forkchoice.NewStateCache(env, anchor, anchorState, forkchoice.StateCacheOptions{SkipSignatures: true})
	f := &ChainFeed{env: env, source: source, cache: cache, slots: map[primitives.Root]primitives.Slot{anchorRoot: anchor.Slot},
		anchorEpoch: anchor.Checkpoint().Epoch}
	if anchorState.FinalizedCheckpoint != nil {
		f.finalized = anchorState.FinalizedCheckpoint.Epoch
	}
	return f
}

// Prepare makes the Prepared of the block signed (SSZ encoded, root root) that took parent (its parent's
// post-state) to post. It keeps post if the block may be a checkpoint block.
func (f *ChainFeed) Prepare(ctx context.Context, signed *types.SignedBeaconBlock, encoded []byte, root primitives.Root,
	parent, post *types.BeaconState) (*Prepared, error) {
	blk := signed.Message
	postState, err := forkchoice.PostStateOf(f.env, post)
	if err != nil {
		return nil, fmt.Errorf("prepare block %#x: %w", root, err)
	}
	f.dropNonCheckpoint(blk.Slot, blk.ParentRoot)
	f.Keep(root, post)

	onBlock := &forkchoice.OnBlock{Block: encoded, Root: root, Execution: forkchoice.ExecutionValid, PostState: postState}
	for _, cp := range []types.Checkpoint{postState.Justified, postState.UnrealizedJustified} {
		// The genesis state's checkpoints name no block (a zero root): the store never takes them, its first
		// justified checkpoint is its anchor's.
		// Nor a checkpoint before its anchor's, which a checkpoint-sync anchor's state may still name.
		if cp.Root == (primitives.Root{}) || cp.Epoch < f.anchorEpoch ||
			(len(onBlock.Balances) > 0 && onBlock.Balances[0].Checkpoint == cp) {
			continue
		}
		balances, err := f.checkpointBalances(ctx, cp)
		if err != nil {
			return nil, fmt.Errorf("prepare block %#x: %w", root, err)
		}
		onBlock.Balances = append(onBlock.Balances, balances)
	}
	for i, a := range blk.Body.Attestations {
		if a != nil && a.Data != nil && a.Data.Target != nil && a.Data.Target.Epoch < f.anchorEpoch {
			// A target before the anchor's checkpoint names a block before the store's (validate_on_attestation
			// refuses it) or the anchor block, whose vote weighs nothing every head does not share; its checkpoint
			// state may be older than any state the feed can have.
			continue
		}
		indexed, err := f.indexedAttestation(ctx, a)
		if err != nil {
			return nil, fmt.Errorf("prepare block %#x: attestation %d: %w", root, i, err)
		}
		onBlock.Attestations = append(onBlock.Attestations, indexed)
	}

	prepared := &Prepared{OnBlock: onBlock}
	parentEpoch, blockEpoch := helpers.ComputeEpochAtSlot(parent.Slot), helpers.ComputeEpochAtSlot(blk.Slot)
	if blockEpoch > parentEpoch {
		// The first block of an epoch: the checkpoint block of its epoch is itself when it sits at the epoch's first
		// slot, else its parent.
		blob, err := stateBlob(root, blk.StateRoot, post)
		if blk.Slot != helpers.ComputeStartSlotAtEpoch(blockEpoch) {
			// The parent's post-state root is the one the block's state recorded for the parent's slot.
			parentStateRoot := post.StateRoots[uint64(parent.Slot)%uint64(len(post.StateRoots))]
			blob, err = stateBlob(blk.ParentRoot, parentStateRoot, parent)
		}
		if err != nil {
			return nil, fmt.Errorf("prepare block %#x: %w", root, err)
		}
		prepared.States = append(prepared.States, blob)
		if prepared.Participation, err = participation(f.env, post); err != nil {
			return nil, fmt.Errorf("prepare block %#x: %w", root, err)
		}
	}
	if postState.Finalized.Epoch > f.finalized {
		f.finalized = postState.Finalized.Epoch
		f.retain()
	}
	return prepared, nil
}

// dropNonCheckpoint drops the parent's post-state once a child in the same epoch shows it is not the last block of
// its epoch, hence no checkpoint block (on that branch; another branch would load it again). The post-state of
// every block is held until then.
func (f *ChainFeed) dropNonCheckpoint(slot primitives.Slot, parentRoot primitives.Root) {
	parentSlot, ok := f.slots[parentRoot]
	parentEpoch := helpers.ComputeEpochAtSlot(parentSlot)
	if !ok || parentEpoch != helpers.ComputeEpochAtSlot(slot) || parentSlot == helpers.ComputeStartSlotAtEpoch(parentEpoch) {
		return
	}
	f.cache.Retain(func(r primitives.Root) bool { return r != parentRoot }, f.finalized)
	delete(f.slots, parentRoot)
}

// Keep records the post-state of the block root, applied by the caller, as a possible checkpoint block's.
func (f *ChainFeed) Keep(root primitives.Root, post *types.BeaconState) {
	f.cache.AddBlockState(root, post)
	f.slots[root] = post.Slot
}

// retain drops the states of blocks before the finalized epoch's first slot, and the checkpoint states and
// balances of earlier epochs.
func (f *ChainFeed) retain() {
	start := helpers.ComputeStartSlotAtEpoch(f.finalized)
	// The finalized checkpoint block may sit before its epoch's first slot: keep the latest block state before it.
	var latestBefore primitives.Root
	var latestSlot primitives.Slot
	found := false
	for r, s := range f.slots {
		if s <= start && (!found || s > latestSlot) {
			latestBefore, latestSlot, found = r, s, true
		}
	}
	keep := func(r primitives.Root) bool {
		s, ok := f.slots[r]
		return ok && (s >= start || (found && r == latestBefore))
	}
	f.cache.Retain(keep, f.finalized)
	for r := range f.slots {
		if !keep(r) {
			delete(f.slots, r)
		}
	}
}

// ensureBlockState makes the cache hold the post-state of the block root, loading it from the source.
func (f *ChainFeed) ensureBlockState(ctx context.Context, root primitives.Root) error {
	if _, ok := f.cache.BlockState(root); ok {
		return nil
	}
	if f.source == nil {
		return fmt.Errorf("state of block %#x: %w: no state source", root, ErrUnknownParentState)
	}
	state, found, err := f.source.StateByBlockRoot(ctx, root)
	if err != nil {
		return fmt.Errorf("state of block %#x: %w", root, err)
	}
	if !found {
		return fmt.Errorf("state of block %#x: %w", root, ErrUnknownParentState)
	}
	f.Keep(root, state)
	return nil
}

func (f *ChainFeed) checkpointBalances(ctx context.Context, cp types.Checkpoint) (*forkchoice.Balances, error) {
	if err := f.ensureBlockState(ctx, cp.Root); err != nil {
		return nil, fmt.Errorf("balances of checkpoint %d/%#x: %w", cp.Epoch, cp.Root, err)
	}
	return f.cache.CheckpointBalances(cp)
}

func (f *ChainFeed) indexedAttestation(ctx context.Context, a *types.Attestation) (*types.IndexedAttestation, error) {
	if a == nil || a.Data == nil || a.Data.Target == nil {
		return nil, fmt.Errorf("%w: attestation without data", forkchoice.ErrInvalidAttestation)
	}
	if err := f.ensureBlockState(ctx, a.Data.Target.Root); err != nil {
		return nil, fmt.Errorf("target %d/%#x: %w", a.Data.Target.Epoch, a.Data.Target.Root, err)
	}
	return f.cache.IndexedAttestation(a)
}

// stateBlob encodes the post-state (whose root is stateRoot) of the block blockRoot for the store.
func stateBlob(blockRoot, stateRoot primitives.Root, state *types.BeaconState) (store.StateBlob, error) {
	encoded, err := types.Marshal(state)
	if err != nil {
		return store.StateBlob{}, fmt.Errorf("encode state of block %#x: %w", blockRoot, err)
	}
	return store.StateBlob{Root: stateRoot, BlockRoot: blockRoot, Slot: state.Slot, SSZ: encoded}, nil
}

// participation reads the previous epoch's participation from a state.
func participation(env *helpers.Env, state *types.BeaconState) (*EpochParticipation, error) {
	summary, err := epoch.Summarize(env, state)
	if err != nil {
		return nil, fmt.Errorf("participation: %w", err)
	}
	return &EpochParticipation{
		Epoch:         summary.PreviousEpoch,
		ActiveBalance: summary.TotalActiveBalance,
		Source:        summary.PreviousParticipatingBalance[helpers.TimelySourceFlagIndex],
		Target:        summary.PreviousParticipatingBalance[helpers.TimelyTargetFlagIndex],
		Head:          summary.PreviousParticipatingBalance[helpers.TimelyHeadFlagIndex],
	}, nil
}
