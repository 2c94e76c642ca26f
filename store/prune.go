package store

import (
	"bytes"
	"errors"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
)

// PruneStats counts what a Prune deleted.
type PruneStats struct {
	Blocks int
	States int
}

// Prune deletes what finality made useless, in one transaction:
//   - blocks that are not canonical at or below the finalized block, and blocks above it that do not descend
//     from it;
//   - states older than the anchor except the origin and the canonical epoch-boundary states of every
//     ColdStateEpochs-th epoch (the cold states), and states above it of blocks that do not descend from it;
//   - with HistoryEpochs set, every block and state more than HistoryEpochs epochs behind the finalized block.
//
// Prune is idempotent and remembers how far it got, so a crash between a commit and its prune loses nothing: run
// it again after opening. bbolt reuses the freed pages; only `salamander db compact` shrinks the file.
func (db *DB) Prune() (PruneStats, error) {
	var st PruneStats
	err := db.update(func(tx *bbolt.Tx) error {
		var err error
		st, err = db.prune(tx)
		return err
	})
	if err != nil {
		return PruneStats{}, fmt.Errorf("prune: %w", err)
	}
	return st, nil
}

// NeedsPrune tells whether finality moved since the last completed Prune.
func (db *DB) NeedsPrune() (bool, error) {
	var need bool
	err := db.view(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		a, p := meta.Get(metaAnchor), meta.Get(metaPrunedTo)
		need = a != nil && !bytes.Equal(a, p)
		return nil
	})
	return need, err
}

func (db *DB) prune(tx *bbolt.Tx) (PruneStats, error) {
	var st PruneStats
	meta := tx.Bucket(bucketMeta)
	anchor, err := getAnchor(tx, metaAnchor)
	if err != nil {
		return st, err
	}
	prunedTo, err := getAnchor(tx, metaPrunedTo)
	if err != nil {
		return st, err
	}
	origin, err := getAnchor(tx, metaOrigin)
	if err != nil {
		return st, err
	}
	canonical := tx.Bucket(bucketCanonical)

	// Finalized history: below and at the anchor block only canonical blocks stay. Everything under the previous
	// prune's anchor was already thinned.
	var doomed []primitives.Root
	c := tx.Bucket(bucketBlocksBySlot).Cursor()
	for k, _ := c.Seek(slotKey(prunedTo.BlockSlot)); k != nil; k, _ = c.Next() {
		slot, root, err := decodeSlotRootKey(bucketBlocksBySlot, k)
		if err != nil {
			return st, err
		}
		if slot > anchor.BlockSlot {
			break
		}
		if !bytes.Equal(canonical.Get(slotKey(slot)), root[:]) {
			doomed = append(doomed, root)
		}
	}
	// Hot blocks: those that do not descend from the anchor lost to finality.
	live := map[primitives.Root]struct{}{anchor.BlockRoot: {}}
	for k, _ := c.Seek(slotKey(anchor.BlockSlot + 1)); k != nil; k, _ = c.Next() {
		_, root, err := decodeSlotRootKey(bucketBlocksBySlot, k)
		if err != nil {
			return st, err
		}
		s, err := getBlockSummary(tx, root)
		if err != nil {
			return st, err
		}
		if _, ok := live[s.ParentRoot]; ok {
			live[root] = struct{}{}
		} else {
			doomed = append(doomed, root)
		}
	}
	for _, root := range doomed {
		if err := deleteBlock(tx, root); err != nil {
			return st, err
		}
	}
	st.Blocks += len(doomed)

	// States: thin the finalized ones to the cold spacing, drop the hot ones of dead branches.
	var doomedStates []primitives.Root
	sc := tx.Bucket(bucketStatesBySlot).Cursor()
	for k, _ := sc.Seek(slotKey(prunedTo.StateSlot)); k != nil; k, _ = sc.Next() {
		slot, root, err := decodeSlotRootKey(bucketStatesBySlot, k)
		if err != nil {
			return st, err
		}
		blockRoot, err := stateBlockRoot(tx, k, root)
		if err != nil {
			return st, err
		}
		switch {
		case root == anchor.StateRoot || root == origin.StateRoot:
			continue
		case slot < anchor.StateSlot:
			if !db.isColdState(tx, slot, blockRoot) {
				doomedStates = append(doomedStates, root)
			}
		default:
			if _, ok := live[blockRoot]; !ok {
				doomedStates = append(doomedStates, root)
			}
		}
	}
	for _, root := range doomedStates {
		if err := deleteState(tx, root); err != nil {
			return st, err
		}
	}
	st.States += len(doomedStates)

	if db.opts.HistoryEpochs > 0 {
		hb, hs, err := db.pruneHistory(tx, anchor, origin)
		if err != nil {
			return st, err
		}
		st.Blocks += hb
		st.States += hs
	}
	if err := meta.Put(metaPrunedTo, encodeAnchor(anchor)); err != nil {
		return st, fmt.Errorf("put pruned_to: %w", err)
	}
	return st, nil
}

// isColdState tells whether a finalized state is one the store keeps for good: an epoch-boundary state of the
// canonical chain whose epoch is a multiple of the cold spacing.
func (db *DB) isColdState(tx *bbolt.Tx, slot primitives.Slot, blockRoot primitives.Root) bool {
	if uint64(slot)%params.SlotsPerEpoch != 0 || uint64(epochOf(slot))%db.opts.ColdStateEpochs != 0 {
		return false
	}
	// The state's block must be the last canonical block at or before the state's slot.
	c := tx.Bucket(bucketCanonical).Cursor()
	var v []byte
	if k, _ := c.Seek(slotKey(slot + 1)); k == nil {
		_, v = c.Last()
	} else {
		_, v = c.Prev()
	}
	return bytes.Equal(v, blockRoot[:])
}

// pruneHistory deletes blocks and states more than HistoryEpochs behind the anchor block, and moves the origin to
// the oldest state left.
func (db *DB) pruneHistory(tx *bbolt.Tx, anchor, origin Anchor) (blocks, states int, err error) {
	window := primitives.Slot(db.opts.HistoryEpochs * params.SlotsPerEpoch)
	if anchor.BlockSlot <= window {
		return 0, 0, nil
	}
	cutoff := anchor.BlockSlot - window
	var doomed []primitives.Root
	c := tx.Bucket(bucketBlocksBySlot).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		slot, root, err := decodeSlotRootKey(bucketBlocksBySlot, k)
		if err != nil {
			return 0, 0, err
		}
		if slot >= cutoff {
			break
		}
		doomed = append(doomed, root)
	}
	for _, root := range doomed {
		if err := deleteBlock(tx, root); err != nil {
			return 0, 0, err
		}
	}
	blocks = len(doomed)
	doomed = doomed[:0]
	sc := tx.Bucket(bucketStatesBySlot).Cursor()
	for k, _ := sc.First(); k != nil; k, _ = sc.Next() {
		slot, root, err := decodeSlotRootKey(bucketStatesBySlot, k)
		if err != nil {
			return 0, 0, err
		}
		if slot >= cutoff {
			break
		}
		if root != anchor.StateRoot {
			doomed = append(doomed, root)
		}
	}
	for _, root := range doomed {
		if err := deleteState(tx, root); err != nil {
			return 0, 0, err
		}
	}
	states = len(doomed)
	if origin.BlockSlot >= cutoff {
		return blocks, states, nil
	}
	// The new origin is the oldest state left whose block is still stored (the anchor at worst).
	newOrigin := anchor
	for k, _ := sc.First(); k != nil; k, _ = sc.Next() {
		slot, root, err := decodeSlotRootKey(bucketStatesBySlot, k)
		if err != nil {
			return 0, 0, err
		}
		blockRoot, err := stateBlockRoot(tx, k, root)
		if err != nil {
			return 0, 0, err
		}
		b, err := getBlockSummary(tx, blockRoot)
		if errors.Is(err, ErrNotFound) {
			continue // the block went with the history: a checkpoint state of an older block
		}
		if err != nil {
			return 0, 0, err
		}
		newOrigin = Anchor{StateRoot: root, BlockRoot: blockRoot, StateSlot: slot, BlockSlot: b.Slot}
		break
	}
	if err := tx.Bucket(bucketMeta).Put(metaOrigin, encodeAnchor(newOrigin)); err != nil {
		return 0, 0, fmt.Errorf("put origin: %w", err)
	}
	return blocks, states, nil
}

func deleteBlock(tx *bbolt.Tx, root primitives.Root) error {
	s, err := getBlockSummary(tx, root)
	if err != nil {
		return err
	}
	canonical := tx.Bucket(bucketCanonical)
	if bytes.Equal(canonical.Get(slotKey(s.Slot)), root[:]) {
		if err := canonical.Delete(slotKey(s.Slot)); err != nil {
			return fmt.Errorf("delete canonical entry: %w", err)
		}
	}
	for _, del := range []struct {
		bucket, key []byte
	}{
		{bucketBlocks, root[:]},
		{bucketBlockSummary, root[:]},
		{bucketBlocksBySlot, slotRootKey(s.Slot, root)},
	} {
		if err := tx.Bucket(del.bucket).Delete(del.key); err != nil {
			return fmt.Errorf("delete block %#x from %s: %w", root, del.bucket, err)
		}
	}
	return nil
}

func deleteState(tx *bbolt.Tx, root primitives.Root) error {
	s, err := getStateSummary(tx, root)
	if err != nil {
		return err
	}
	for _, del := range []struct {
		bucket, key []byte
	}{
		{bucketStates, root[:]},
		{bucketStateSummary, root[:]},
		{bucketStatesBySlot, slotRootKey(s.Slot, root)},
		{bucketStatesByBlock, stateByBlockKey(s.BlockRoot, s.Slot, root)},
	} {
		if err := tx.Bucket(del.bucket).Delete(del.key); err != nil {
			return fmt.Errorf("delete state %#x from %s: %w", root, del.bucket, err)
		}
	}
	return nil
}
