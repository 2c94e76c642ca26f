package store

import (
	"bytes"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/golang/snappy"
	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/salamander-client/salamander/primitives"
)

// Reader is a read-only view of the store for the Beacon API, req/resp and anyone else who reads without going
// through the store actor's mailbox. Every getter is one bbolt read transaction, safe for concurrent use and
// consistent in itself; getters return copies, never memory of the file's mapping.
//
// A Reader outlives the DB it reads: while the store's owner restarts and reopens the file, getters return
// ErrUnavailable instead of touching a closed file.
type Reader struct {
	db atomic.Pointer[bbolt.DB]
}

// NewReader returns a Reader attached to nothing yet; pass it in Options.Reader.
func NewReader() *Reader { return &Reader{} }

func (r *Reader) attach(db *bbolt.DB) { r.db.Store(db) }

func (r *Reader) detach(db *bbolt.DB) { r.db.CompareAndSwap(db, nil) }

// view runs fn in a read transaction.
func (r *Reader) view(fn func(tx *bbolt.Tx) error) error {
	db := r.db.Load()
	if db == nil {
		return ErrUnavailable
	}
	err := db.View(fn)
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// Identity is the network the data directory belongs to; ok is false before the first anchor.
func (r *Reader) Identity() (id Identity, ok bool, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(metaIdentity)
		if v == nil {
			return nil
		}
		ok = true
		id, err = decodeIdentity(v)
		return err
	})
	return id, ok, err
}

// CheckGenesis refuses a genesis (from a downloaded or configured state) that is not the data directory's. A
// directory without identity yet accepts any.
func (r *Reader) CheckGenesis(gvr primitives.Root, genesisTime uint64) error {
	id, ok, err := r.Identity()
	if err != nil || !ok {
		return err
	}
	return checkGenesis(id, gvr, genesisTime)
}

// Anchor is the fork-choice anchor: the latest finalized state and its block. ErrNoAnchor before the first anchor.
func (r *Reader) Anchor() (a Anchor, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		a, err = getAnchor(tx, metaAnchor)
		return err
	})
	return a, err
}

// Origin is the first anchor of this database (genesis or the checkpoint-sync state): history starts there.
func (r *Reader) Origin() (a Anchor, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		a, err = getAnchor(tx, metaOrigin)
		return err
	})
	return a, err
}

// Head is the canonical head as last set by fork choice.
func (r *Reader) Head() (h Head, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		h, err = getHead(tx)
		return err
	})
	return h, err
}

// Justified is the latest justified checkpoint.
func (r *Reader) Justified() (c Checkpoint, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		c, err = getCheckpoint(tx, metaJustified)
		return err
	})
	return c, err
}

// Finalized is the latest finalized checkpoint.
func (r *Reader) Finalized() (c Checkpoint, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		c, err = getCheckpoint(tx, metaFinalized)
		return err
	})
	return c, err
}

// Block is the SSZ of the SignedBeaconBlock with this root.
func (r *Reader) Block(root primitives.Root) (ssz []byte, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		ssz, err = getBlob(tx, bucketBlocks, root, "block")
		return err
	})
	return ssz, err
}

// BlockSummary is the slot, parent root and state root of a stored block.
func (r *Reader) BlockSummary(root primitives.Root) (s BlockSummary, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		s, err = getBlockSummary(tx, root)
		return err
	})
	return s, err
}

// HasBlock tells whether a block is stored.
func (r *Reader) HasBlock(root primitives.Root) (bool, error) {
	var ok bool
	err := r.view(func(tx *bbolt.Tx) error {
		ok = tx.Bucket(bucketBlockSummary).Get(root[:]) != nil
		return nil
	})
	return ok, err
}

// CanonicalRoot is the root of the canonical block at slot; ErrNotFound for an empty slot, a slot past the head or
// one outside the stored history.
func (r *Reader) CanonicalRoot(slot primitives.Slot) (root primitives.Root, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		k := slotKey(slot)
		v := tx.Bucket(bucketCanonical).Get(k)
		if v == nil {
			return fmt.Errorf("canonical block at slot %d: %w", slot, ErrNotFound)
		}
		root, err = decodeRootEntry(bucketCanonical, k, v)
		return err
	})
	return root, err
}

// StoredBlock is a block with its summary.
type StoredBlock struct {
	BlockSummary
	SSZ []byte
}

// CanonicalBlocks returns the canonical blocks with start <= slot < start+count, in slot order, at most limit of
// them (req/resp BeaconBlocksByRange).
func (r *Reader) CanonicalBlocks(start primitives.Slot, count, limit uint64) (blocks []StoredBlock, err error) {
	end := uint64(start) + count
	if end < uint64(start) { // overflow: to the end of the index
		end = ^uint64(0)
	}
	err = r.view(func(tx *bbolt.Tx) error {
		blocks = blocks[:0]
		c := tx.Bucket(bucketCanonical).Cursor()
		for k, v := c.Seek(slotKey(start)); k != nil && uint64(len(blocks)) < limit; k, v = c.Next() {
			slot, err := decodeSlotKey(bucketCanonical, k)
			if err != nil {
				return err
			}
			if slot >= primitives.Slot(end) {
				break
			}
			root, err := decodeRootEntry(bucketCanonical, k, v)
			if err != nil {
				return err
			}
			b, err := getStoredBlock(tx, root)
			if err != nil {
				return err
			}
			blocks = append(blocks, b)
		}
		return nil
	})
	return blocks, err
}

// BlockSummaries returns the summaries of every stored block with from <= slot <= to, canonical or not, in slot
// order.
func (r *Reader) BlockSummaries(from, to primitives.Slot) (blocks []BlockSummary, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		blocks = blocks[:0]
		c := tx.Bucket(bucketBlocksBySlot).Cursor()
		for k, _ := c.Seek(slotKey(from)); k != nil; k, _ = c.Next() {
			slot, root, err := decodeSlotRootKey(bucketBlocksBySlot, k)
			if err != nil {
				return err
			}
			if slot > to {
				break
			}
			s, err := getBlockSummary(tx, root)
			if err != nil {
				return err
			}
			blocks = append(blocks, s)
		}
		return nil
	})
	return blocks, err
}

// State is the SSZ of the BeaconState with this root.
func (r *Reader) State(root primitives.Root) (ssz []byte, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		ssz, err = getBlob(tx, bucketStates, root, "state")
		return err
	})
	return ssz, err
}

// StateSummary is the slot and block root of a stored state.
func (r *Reader) StateSummary(root primitives.Root) (s StateSummary, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		s, err = getStateSummary(tx, root)
		return err
	})
	return s, err
}

// LatestStateOfBlock is the stored state of a block root with the highest slot not above maxSlot: the block's
// post-state or a checkpoint state advanced from it.
func (r *Reader) LatestStateOfBlock(blockRoot primitives.Root, maxSlot primitives.Slot) (s StateSummary, ssz []byte, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		var ok bool
		if s, ok, err = latestStateOfBlock(tx, blockRoot, maxSlot); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("state of block %#x at or below slot %d: %w", blockRoot, maxSlot, ErrNotFound)
		}
		ssz, err = getBlob(tx, bucketStates, s.Root, "state")
		return err
	})
	return s, ssz, err
}

// StatesAtSlots returns the summaries of the stored states with from <= slot <= to, in slot order.
func (r *Reader) StatesAtSlots(from, to primitives.Slot) (states []StateSummary, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		states = states[:0]
		c := tx.Bucket(bucketStatesBySlot).Cursor()
		for k, _ := c.Seek(slotKey(from)); k != nil; k, _ = c.Next() {
			slot, root, err := decodeSlotRootKey(bucketStatesBySlot, k)
			if err != nil {
				return err
			}
			if slot > to {
				break
			}
			blockRoot, err := stateBlockRoot(tx, k, root)
			if err != nil {
				return err
			}
			states = append(states, StateSummary{Root: root, Slot: slot, BlockRoot: blockRoot})
		}
		return nil
	})
	return states, err
}

// FinalizedState is the anchor and the SSZ of its state.
func (r *Reader) FinalizedState() (a Anchor, ssz []byte, err error) {
	err = r.view(func(tx *bbolt.Tx) error {
		if a, err = getAnchor(tx, metaAnchor); err != nil {
			return err
		}
		ssz, err = getBlob(tx, bucketStates, a.StateRoot, "anchor state")
		return err
	})
	return a, ssz, err
}

// Chain is what fork choice needs to resume after a restart without downloading anything: the anchor (the
// finalized state and its block), every stored block descending from it in slot order, the checkpoints and the
// last head.
type Chain struct {
	Anchor      Anchor
	AnchorState []byte // SSZ BeaconState
	AnchorBlock []byte // SSZ SignedBeaconBlock
	Blocks      []StoredBlock
	Head        Head
	Justified   Checkpoint
	Finalized   Checkpoint
}

// LoadChain reads the anchor and the blocks since, in one read transaction. The blocks are those with a slot above
// the anchor block's that descend from it, parents before children.
func (r *Reader) LoadChain() (*Chain, error) {
	ch := &Chain{}
	err := r.view(func(tx *bbolt.Tx) error {
		var err error
		if ch.Anchor, err = getAnchor(tx, metaAnchor); err != nil {
			return err
		}
		if ch.AnchorState, err = getBlob(tx, bucketStates, ch.Anchor.StateRoot, "anchor state"); err != nil {
			return err
		}
		if ch.AnchorBlock, err = getBlob(tx, bucketBlocks, ch.Anchor.BlockRoot, "anchor block"); err != nil {
			return err
		}
		if ch.Head, err = getHead(tx); err != nil {
			return err
		}
		if ch.Justified, err = getCheckpoint(tx, metaJustified); err != nil {
			return err
		}
		if ch.Finalized, err = getCheckpoint(tx, metaFinalized); err != nil {
			return err
		}
		return forEachDescendant(tx, ch.Anchor.BlockRoot, ch.Anchor.BlockSlot, func(s BlockSummary) error {
			ssz, err := getBlob(tx, bucketBlocks, s.Root, "block")
			if err != nil {
				return err
			}
			ch.Blocks = append(ch.Blocks, StoredBlock{BlockSummary: s, SSZ: ssz})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load chain: %w", err)
	}
	return ch, nil
}

// forEachDescendant calls fn for every stored block above rootSlot descending from root, in slot order. A walk in
// slot order sees every parent before its children, so one pass with a set of live roots suffices.
func forEachDescendant(tx *bbolt.Tx, root primitives.Root, rootSlot primitives.Slot, fn func(BlockSummary) error) error {
	live := map[primitives.Root]struct{}{root: {}}
	c := tx.Bucket(bucketBlocksBySlot).Cursor()
	for k, _ := c.Seek(slotKey(rootSlot + 1)); k != nil; k, _ = c.Next() {
		_, blockRoot, err := decodeSlotRootKey(bucketBlocksBySlot, k)
		if err != nil {
			return err
		}
		s, err := getBlockSummary(tx, blockRoot)
		if err != nil {
			return err
		}
		if _, ok := live[s.ParentRoot]; !ok {
			continue
		}
		live[s.Root] = struct{}{}
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

func getBlob(tx *bbolt.Tx, bucket []byte, root primitives.Root, what string) ([]byte, error) {
	v := tx.Bucket(bucket).Get(root[:])
	if v == nil {
		return nil, fmt.Errorf("%s %#x: %w", what, root, ErrNotFound)
	}
	out, err := snappy.Decode(nil, v)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %#x: snappy: %w", ErrCorrupt, what, root, err)
	}
	return out, nil
}

func getStoredBlock(tx *bbolt.Tx, root primitives.Root) (StoredBlock, error) {
	s, err := getBlockSummary(tx, root)
	if err != nil {
		return StoredBlock{}, err
	}
	ssz, err := getBlob(tx, bucketBlocks, root, "block")
	if err != nil {
		return StoredBlock{}, err
	}
	return StoredBlock{BlockSummary: s, SSZ: ssz}, nil
}

func getBlockSummary(tx *bbolt.Tx, root primitives.Root) (BlockSummary, error) {
	v := tx.Bucket(bucketBlockSummary).Get(root[:])
	if v == nil {
		return BlockSummary{}, fmt.Errorf("block %#x: %w", root, ErrNotFound)
	}
	return decodeBlockSummary(root, v)
}

func getStateSummary(tx *bbolt.Tx, root primitives.Root) (StateSummary, error) {
	v := tx.Bucket(bucketStateSummary).Get(root[:])
	if v == nil {
		return StateSummary{}, fmt.Errorf("state %#x: %w", root, ErrNotFound)
	}
	return decodeStateSummary(root, v)
}

// stateBlockRoot is the block root of the state that the states_by_slot entry indexKey names: an entry of a state
// without a summary is a corrupt index, since a state's records are written and deleted together.
func stateBlockRoot(tx *bbolt.Tx, indexKey []byte, stateRoot primitives.Root) (primitives.Root, error) {
	v := tx.Bucket(bucketStateSummary).Get(stateRoot[:])
	if v == nil {
		return primitives.Root{}, fmt.Errorf("%w: bucket %s: key %s names state %#x, which has no summary", ErrCorrupt,
			bucketStatesBySlot, shortHex(indexKey), stateRoot)
	}
	s, err := decodeStateSummary(stateRoot, v)
	return s.BlockRoot, err
}

// latestStateOfBlock finds the stored state of blockRoot with the highest slot <= maxSlot.
func latestStateOfBlock(tx *bbolt.Tx, blockRoot primitives.Root, maxSlot primitives.Slot) (StateSummary, bool, error) {
	c := tx.Bucket(bucketStatesByBlock).Cursor()
	var best StateSummary
	found := false
	for k, _ := c.Seek(blockRoot[:]); bytes.HasPrefix(k, blockRoot[:]); k, _ = c.Next() {
		_, slot, stateRoot, err := decodeStateByBlockKey(k)
		if err != nil {
			return StateSummary{}, false, err
		}
		if slot > maxSlot {
			break
		}
		best, found = StateSummary{Root: stateRoot, Slot: slot, BlockRoot: blockRoot}, true
	}
	return best, found, nil
}

func getAnchor(tx *bbolt.Tx, key []byte) (Anchor, error) {
	v := tx.Bucket(bucketMeta).Get(key)
	if v == nil {
		return Anchor{}, ErrNoAnchor
	}
	return decodeAnchor(v)
}

func getHead(tx *bbolt.Tx) (Head, error) {
	v := tx.Bucket(bucketMeta).Get(metaHead)
	if v == nil {
		return Head{}, ErrNoAnchor
	}
	return decodeHead(v)
}

func getCheckpoint(tx *bbolt.Tx, key []byte) (Checkpoint, error) {
	v := tx.Bucket(bucketMeta).Get(key)
	if v == nil {
		return Checkpoint{}, ErrNoAnchor
	}
	return decodeCheckpoint(v)
}
