package store

import (
	"bytes"
	"fmt"

	"github.com/golang/snappy"
	"go.etcd.io/bbolt"

	"github.com/salamander-client/salamander/primitives"
)

// BlockBlob is a SignedBeaconBlock as SSZ, with the root and fields the importer already computed. The store checks
// the slot and parent against the SSZ; it does not hash (the root is the importer's hash_tree_root of the message).
type BlockBlob struct {
	Root       primitives.Root
	Slot       primitives.Slot
	ParentRoot primitives.Root
	SSZ        []byte
}

// StateBlob is a BeaconState as SSZ with its hash_tree_root: the post-state of BlockRoot, or that state advanced
// through empty slots to Slot (a checkpoint state).
type StateBlob struct {
	Root      primitives.Root
	BlockRoot primitives.Root
	Slot      primitives.Slot
	SSZ       []byte
}

// Batch is everything one imported block changes. Commit writes it in one transaction: after a crash the store
// has all of it or none of it.
type Batch struct {
	// Block is the imported block; nil for a fork-choice update without a new block.
	Block *BlockBlob
	// States to keep: the block's post-state when it crosses an epoch boundary and the checkpoint states fork
	// choice computed (the state of a justified or finalized checkpoint must be stored before finality reaches it).
	States []StateBlob
	// Head is the new head of the canonical chain; the slot -> root index follows it, reorgs included.
	Head *primitives.Root
	// Justified is the new justified checkpoint.
	Justified *Checkpoint
	// Finalized is the new finalized checkpoint. Its state must be stored or in States; the anchor moves to it.
	Finalized *Checkpoint
}

// CommitResult says what a Commit changed.
type CommitResult struct {
	Head Head
	// Reorged counts the canonical index entries that the new head replaced or removed.
	Reorged int
	// FinalityAdvanced means the anchor moved: call Prune.
	FinalityAdvanced bool
}

// AnchorInput is the first state of a database: a genesis state with its genesis block, or a finalized state and
// its block from checkpoint sync.
type AnchorInput struct {
	Block BlockBlob
	State StateBlob
}

// SetAnchor initializes an empty database on an anchor: it writes the network identity (configured network plus
// the state's genesis), the block and state, and makes the anchor the head, justified and finalized checkpoint.
func (db *DB) SetAnchor(in AnchorInput) error {
	bf, err := checkBlockBlob(&in.Block)
	if err != nil {
		return fmt.Errorf("anchor: %w", err)
	}
	sf, err := checkStateBlob(&in.State)
	if err != nil {
		return fmt.Errorf("anchor: %w", err)
	}
	if in.State.BlockRoot != in.Block.Root {
		return fmt.Errorf("anchor: %w: state %#x is given for block %#x, anchor block is %#x", ErrMismatch, in.State.Root, in.State.BlockRoot, in.Block.Root)
	}
	if err := checkStateOfBlock(in.State.Root, sf, in.Block.Root, bf); err != nil {
		return fmt.Errorf("anchor: %w", err)
	}
	if sf.CurrentForkVersion != db.opts.Network.FuluForkVersion {
		return fmt.Errorf("anchor: %w: state fork current_version %#x, FULU_FORK_VERSION is %#x", ErrWrongNetwork, sf.CurrentForkVersion, db.opts.Network.FuluForkVersion)
	}
	id := Identity{Network: db.opts.Network, GenesisValidatorsRoot: sf.GenesisValidatorsRoot, GenesisTime: sf.GenesisTime}
	anchor := Anchor{StateRoot: in.State.Root, BlockRoot: in.Block.Root, StateSlot: in.State.Slot, BlockSlot: in.Block.Slot}
	cp := Checkpoint{Epoch: epochOf(anchor.StateSlot), Root: anchor.BlockRoot}
	return db.update(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(metaAnchor); v != nil {
			a, err := decodeAnchor(v)
			if err != nil {
				return err
			}
			return fmt.Errorf("%w: anchored on block %#x at slot %d", ErrAlreadyAnchored, a.BlockRoot, a.BlockSlot)
		}
		if v := meta.Get(metaIdentity); v != nil {
			have, err := decodeIdentity(v)
			if err != nil {
				return err
			}
			if err := checkGenesis(have, id.GenesisValidatorsRoot, id.GenesisTime); err != nil {
				return err
			}
		}
		if err := putBlock(tx, in.Block, bf); err != nil {
			return err
		}
		if err := putState(tx, in.State); err != nil {
			return err
		}
		puts := []struct{ key, value []byte }{
			{metaIdentity, encodeIdentity(id)},
			{metaAnchor, encodeAnchor(anchor)},
			{metaOrigin, encodeAnchor(anchor)},
			{metaHead, encodeHead(Head{Root: anchor.BlockRoot, Slot: anchor.BlockSlot})},
			{metaJustified, encodeCheckpoint(cp)},
			{metaFinalized, encodeCheckpoint(cp)},
			{metaPrunedTo, encodeAnchor(anchor)},
		}
		for _, p := range puts {
			if err := meta.Put(p.key, p.value); err != nil {
				return fmt.Errorf("put %s: %w", p.key, err)
			}
		}
		return tx.Bucket(bucketCanonical).Put(slotKey(anchor.BlockSlot), anchor.BlockRoot[:])
	})
}

// Commit writes one imported block's changes in one transaction: the block, the states to keep, the canonical
// index for the new head and the checkpoints. Writing a block or state that is already stored is a no-op, so a
// batch can be retried after a crash.
func (db *DB) Commit(b *Batch) (CommitResult, error) {
	var blockFields BlockFields
	if b.Block != nil {
		var err error
		if blockFields, err = checkBlockBlob(b.Block); err != nil {
			return CommitResult{}, fmt.Errorf("commit block %#x: %w", b.Block.Root, err)
		}
	}
	stateFields := make([]StateFields, len(b.States))
	for i := range b.States {
		var err error
		if stateFields[i], err = checkStateBlob(&b.States[i]); err != nil {
			return CommitResult{}, fmt.Errorf("commit: %w", err)
		}
	}
	var res CommitResult
	err := db.update(func(tx *bbolt.Tx) error {
		anchor, err := getAnchor(tx, metaAnchor)
		if err != nil {
			return err
		}
		if b.Block != nil {
			if err := commitBlock(tx, anchor, *b.Block, blockFields); err != nil {
				return fmt.Errorf("block %#x at slot %d: %w", b.Block.Root, b.Block.Slot, err)
			}
		}
		for i, st := range b.States {
			if err := commitState(tx, st, stateFields[i]); err != nil {
				return fmt.Errorf("state %#x at slot %d: %w", st.Root, st.Slot, err)
			}
		}
		if res.Head, err = getHead(tx); err != nil {
			return err
		}
		if b.Head != nil {
			if res.Head, res.Reorged, err = setHead(tx, anchor, *b.Head); err != nil {
				return fmt.Errorf("head %#x: %w", *b.Head, err)
			}
		}
		if b.Justified != nil {
			if err := setJustified(tx, *b.Justified); err != nil {
				return fmt.Errorf("justified checkpoint %d/%#x: %w", b.Justified.Epoch, b.Justified.Root, err)
			}
		}
		if b.Finalized != nil {
			if res.FinalityAdvanced, err = setFinalized(tx, anchor, *b.Finalized); err != nil {
				return fmt.Errorf("finalized checkpoint %d/%#x: %w", b.Finalized.Epoch, b.Finalized.Root, err)
			}
		}
		return nil
	})
	if err != nil {
		return CommitResult{}, fmt.Errorf("commit: %w", err)
	}
	return res, nil
}

func checkBlockBlob(b *BlockBlob) (BlockFields, error) {
	f, err := ParseBlockFields(b.SSZ)
	if err != nil {
		return f, fmt.Errorf("block %#x: %w", b.Root, err)
	}
	switch {
	case f.Slot != b.Slot:
		return f, fmt.Errorf("%w: block %#x SSZ has slot %d, given %d", ErrMismatch, b.Root, f.Slot, b.Slot)
	case f.ParentRoot != b.ParentRoot:
		return f, fmt.Errorf("%w: block %#x SSZ has parent %#x, given %#x", ErrMismatch, b.Root, f.ParentRoot, b.ParentRoot)
	}
	return f, nil
}

func checkStateBlob(s *StateBlob) (StateFields, error) {
	f, err := ParseStateFields(s.SSZ)
	if err != nil {
		return f, fmt.Errorf("state %#x: %w", s.Root, err)
	}
	if f.Slot != s.Slot {
		return f, fmt.Errorf("%w: state %#x SSZ has slot %d, given %d", ErrMismatch, s.Root, f.Slot, s.Slot)
	}
	return f, nil
}

func commitBlock(tx *bbolt.Tx, anchor Anchor, b BlockBlob, f BlockFields) error {
	if v := tx.Bucket(bucketBlockSummary).Get(b.Root[:]); v != nil {
		have, err := decodeBlockSummary(b.Root, v)
		if err != nil {
			return err
		}
		if have.Slot != f.Slot || have.ParentRoot != f.ParentRoot || have.StateRoot != f.StateRoot {
			return fmt.Errorf("%w: stored block with this root has slot %d parent %#x state root %#x", ErrMismatch, have.Slot, have.ParentRoot, have.StateRoot)
		}
		return nil
	}
	if b.Slot <= anchor.BlockSlot {
		return fmt.Errorf("%w: slot %d is not after the finalized block %#x at slot %d", ErrConflictsWithFinality, b.Slot, anchor.BlockRoot, anchor.BlockSlot)
	}
	parent, err := getBlockSummary(tx, b.ParentRoot)
	if err != nil {
		return fmt.Errorf("%w %#x", ErrUnknownParent, b.ParentRoot)
	}
	if parent.Slot >= b.Slot {
		return fmt.Errorf("%w: parent %#x at slot %d is not before the block", ErrMismatch, parent.Root, parent.Slot)
	}
	return putBlock(tx, b, f)
}

func putBlock(tx *bbolt.Tx, b BlockBlob, f BlockFields) error {
	summary := BlockSummary{Root: b.Root, Slot: f.Slot, ParentRoot: f.ParentRoot, StateRoot: f.StateRoot}
	if err := tx.Bucket(bucketBlocks).Put(b.Root[:], snappy.Encode(nil, b.SSZ)); err != nil {
		return fmt.Errorf("put block: %w", err)
	}
	if err := tx.Bucket(bucketBlockSummary).Put(b.Root[:], encodeBlockSummary(summary)); err != nil {
		return fmt.Errorf("put block summary: %w", err)
	}
	if err := tx.Bucket(bucketBlocksBySlot).Put(slotRootKey(f.Slot, b.Root), nil); err != nil {
		return fmt.Errorf("put block slot index: %w", err)
	}
	return nil
}

func commitState(tx *bbolt.Tx, s StateBlob, f StateFields) error {
	if v := tx.Bucket(bucketStateSummary).Get(s.Root[:]); v != nil {
		have, err := decodeStateSummary(s.Root, v)
		if err != nil {
			return err
		}
		if have.Slot != s.Slot || have.BlockRoot != s.BlockRoot {
			return fmt.Errorf("%w: stored state with this root has slot %d block %#x", ErrMismatch, have.Slot, have.BlockRoot)
		}
		return nil
	}
	block, err := getBlockSummary(tx, s.BlockRoot)
	if err != nil {
		return fmt.Errorf("%w: state of block %#x: %w", ErrUnknownBlock, s.BlockRoot, err)
	}
	bf := BlockFields{Slot: block.Slot, ParentRoot: block.ParentRoot, StateRoot: block.StateRoot}
	if err := checkStateOfBlock(s.Root, f, s.BlockRoot, bf); err != nil {
		return err
	}
	return putState(tx, s)
}

func putState(tx *bbolt.Tx, s StateBlob) error {
	if err := tx.Bucket(bucketStates).Put(s.Root[:], snappy.Encode(nil, s.SSZ)); err != nil {
		return fmt.Errorf("put state: %w", err)
	}
	if err := tx.Bucket(bucketStateSummary).Put(s.Root[:], encodeStateSummary(StateSummary{Slot: s.Slot, BlockRoot: s.BlockRoot})); err != nil {
		return fmt.Errorf("put state summary: %w", err)
	}
	if err := tx.Bucket(bucketStatesBySlot).Put(slotRootKey(s.Slot, s.Root), nil); err != nil {
		return fmt.Errorf("put state slot index: %w", err)
	}
	if err := tx.Bucket(bucketStatesByBlock).Put(stateByBlockKey(s.BlockRoot, s.Slot, s.Root), nil); err != nil {
		return fmt.Errorf("put state block index: %w", err)
	}
	return nil
}

// setHead points the canonical index at a new head: it walks back from the head to the first block the index
// already has, then replaces every entry above that block with the new branch. The walk is bounded by the slots
// between the head and the anchor, which the index always contains.
func setHead(tx *bbolt.Tx, anchor Anchor, root primitives.Root) (Head, int, error) {
	head, err := getBlockSummary(tx, root)
	if err != nil {
		return Head{}, 0, fmt.Errorf("%w: %w", ErrUnknownBlock, err)
	}
	if head.Slot < anchor.BlockSlot {
		return Head{}, 0, fmt.Errorf("%w: head at slot %d is older than the finalized block %#x at slot %d", ErrConflictsWithFinality, head.Slot, anchor.BlockRoot, anchor.BlockSlot)
	}
	canonical := tx.Bucket(bucketCanonical)
	var branch []BlockSummary
	cur := head
	for steps := uint64(0); ; steps++ {
		if v := canonical.Get(slotKey(cur.Slot)); v != nil && bytes.Equal(v, cur.Root[:]) {
			break
		}
		if cur.Slot <= anchor.BlockSlot || steps > uint64(head.Slot-anchor.BlockSlot) {
			return Head{}, 0, fmt.Errorf("%w: head at slot %d does not descend from the finalized block %#x at slot %d", ErrConflictsWithFinality, head.Slot, anchor.BlockRoot, anchor.BlockSlot)
		}
		branch = append(branch, cur)
		if cur, err = getBlockSummary(tx, cur.ParentRoot); err != nil {
			return Head{}, 0, fmt.Errorf("%w: ancestor of head: %w", ErrCorrupt, err)
		}
	}
	// Drop the old entries above the common ancestor, then write the new branch.
	reorged := 0
	c := canonical.Cursor()
	for k, _ := c.Seek(slotKey(cur.Slot + 1)); k != nil; k, _ = c.Seek(slotKey(cur.Slot + 1)) {
		if err := c.Delete(); err != nil {
			return Head{}, 0, fmt.Errorf("delete canonical entry: %w", err)
		}
		reorged++
	}
	for _, s := range branch {
		if err := canonical.Put(slotKey(s.Slot), s.Root[:]); err != nil {
			return Head{}, 0, fmt.Errorf("put canonical entry: %w", err)
		}
	}
	h := Head{Root: head.Root, Slot: head.Slot}
	if err := tx.Bucket(bucketMeta).Put(metaHead, encodeHead(h)); err != nil {
		return Head{}, 0, fmt.Errorf("put head: %w", err)
	}
	return h, reorged, nil
}

func setJustified(tx *bbolt.Tx, cp Checkpoint) error {
	have, err := getCheckpoint(tx, metaJustified)
	if err != nil {
		return err
	}
	if cp.Epoch < have.Epoch {
		return fmt.Errorf("%w: justified epoch %d, new %d", ErrCheckpointRegression, have.Epoch, cp.Epoch)
	}
	if _, err := getBlockSummary(tx, cp.Root); err != nil {
		return fmt.Errorf("%w: %w", ErrUnknownBlock, err)
	}
	return tx.Bucket(bucketMeta).Put(metaJustified, encodeCheckpoint(cp))
}

// setFinalized records a new finalized checkpoint and moves the anchor to its state.
func setFinalized(tx *bbolt.Tx, old Anchor, cp Checkpoint) (bool, error) {
	have, err := getCheckpoint(tx, metaFinalized)
	if err != nil {
		return false, err
	}
	switch {
	case cp == have:
		return false, nil
	case cp.Epoch < have.Epoch:
		return false, fmt.Errorf("%w: finalized epoch %d, new %d", ErrCheckpointRegression, have.Epoch, cp.Epoch)
	case cp.Epoch == have.Epoch:
		return false, fmt.Errorf("%w: epoch %d is already finalized at %#x", ErrConflictsWithFinality, have.Epoch, have.Root)
	}
	block, err := getBlockSummary(tx, cp.Root)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrUnknownBlock, err)
	}
	if block.Slot < old.BlockSlot {
		return false, fmt.Errorf("%w: block %#x at slot %d is older than the finalized block %#x at slot %d", ErrConflictsWithFinality, cp.Root, block.Slot, old.BlockRoot, old.BlockSlot)
	}
	if v := tx.Bucket(bucketCanonical).Get(slotKey(block.Slot)); !bytes.Equal(v, cp.Root[:]) {
		return false, fmt.Errorf("%w: block %#x at slot %d is not on the canonical chain", ErrConflictsWithFinality, cp.Root, block.Slot)
	}
	state, ok, err := latestStateOfBlock(tx, cp.Root, epochStartSlot(cp.Epoch))
	if err != nil {
		return false, err
	}
	if !ok {
		return false, fmt.Errorf("%w: no state of block %#x at or below slot %d", ErrMissingFinalizedState, cp.Root, epochStartSlot(cp.Epoch))
	}
	anchor := Anchor{StateRoot: state.Root, BlockRoot: cp.Root, StateSlot: state.Slot, BlockSlot: block.Slot}
	meta := tx.Bucket(bucketMeta)
	if err := meta.Put(metaFinalized, encodeCheckpoint(cp)); err != nil {
		return false, fmt.Errorf("put finalized: %w", err)
	}
	if err := meta.Put(metaAnchor, encodeAnchor(anchor)); err != nil {
		return false, fmt.Errorf("put anchor: %w", err)
	}
	return true, nil
}
