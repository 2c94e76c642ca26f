package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/golang/snappy"
	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/salamander-client/salamander/primitives"
)

// VerifyOptions choose how deep Verify looks.
type VerifyOptions struct {
	// BlockRoot and StateRoot, when set, recompute the root of every block and of the anchor state (every state
	// with AllStates) and compare it with the key it is stored under. The store cannot hash by itself.
	BlockRoot func(ssz []byte) (primitives.Root, error)
	StateRoot func(ssz []byte) (primitives.Root, error)
	AllStates bool
}

// VerifyReport counts what Verify checked.
type VerifyReport struct {
	Blocks    int
	Canonical int
	States    int
	Anchor    Anchor
	Head      Head
	Finalized Checkpoint
}

// Verify checks the database's invariants in one read transaction: every record decodes; the indexes and the
// records agree; every block above the history's start has its parent; the canonical index is a chain of
// parent links ending at the head and passing through the anchor; the anchor is the finalized checkpoint and its
// state and block are there. It reads every blob, so it takes time on a big database.
func (r *Reader) Verify(opts VerifyOptions) (VerifyReport, error) {
	var rep VerifyReport
	err := r.view(func(tx *bbolt.Tx) error {
		var err error
		if rep.Anchor, err = getAnchor(tx, metaAnchor); err != nil {
			return err
		}
		origin, err := getAnchor(tx, metaOrigin)
		if err != nil {
			return err
		}
		if rep.Head, err = getHead(tx); err != nil {
			return err
		}
		if rep.Finalized, err = getCheckpoint(tx, metaFinalized); err != nil {
			return err
		}
		if _, err := getCheckpoint(tx, metaJustified); err != nil {
			return err
		}
		if rep.Finalized.Root != rep.Anchor.BlockRoot {
			return fmt.Errorf("%w: finalized root %#x, anchor block %#x", ErrCorrupt, rep.Finalized.Root, rep.Anchor.BlockRoot)
		}
		if rep.Blocks, err = verifyBlocks(tx, origin, opts); err != nil {
			return err
		}
		if rep.Canonical, err = verifyCanonical(tx, rep.Anchor, rep.Head); err != nil {
			return err
		}
		if rep.States, err = verifyStates(tx, rep.Anchor, opts); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	return rep, nil
}

// checkRootKeys requires every key of a blob bucket to be a root with a summary: a blob under any other key would
// otherwise show only as a count that does not add up.
func checkRootKeys(bucket []byte, blobs, summaries *bbolt.Bucket) error {
	c := blobs.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		root, err := decodeRootKey(bucket, k)
		if err != nil {
			return err
		}
		if summaries.Get(root[:]) == nil {
			return fmt.Errorf("%w: bucket %s: key %#x has no summary", ErrCorrupt, bucket, root)
		}
	}
	return nil
}

func verifyBlocks(tx *bbolt.Tx, origin Anchor, opts VerifyOptions) (int, error) {
	n := 0
	summaries, blobs, bySlot := tx.Bucket(bucketBlockSummary), tx.Bucket(bucketBlocks), tx.Bucket(bucketBlocksBySlot)
	err := summaries.ForEach(func(k, v []byte) error {
		n++
		root, err := decodeRootKey(bucketBlockSummary, k)
		if err != nil {
			return err
		}
		s, err := decodeBlockSummary(root, v)
		if err != nil {
			return err
		}
		if bySlot.Get(slotRootKey(s.Slot, root)) == nil {
			return fmt.Errorf("%w: block %#x missing from the slot index", ErrCorrupt, root)
		}
		blob := blobs.Get(k)
		if blob == nil {
			return fmt.Errorf("%w: block %#x has a summary but no blob", ErrCorrupt, root)
		}
		ssz, err := snappy.Decode(nil, blob)
		if err != nil {
			return fmt.Errorf("%w: block %#x: snappy: %w", ErrCorrupt, root, err)
		}
		f, err := ParseBlockFields(ssz)
		if err != nil {
			return fmt.Errorf("%w: block %#x: %w", ErrCorrupt, root, err)
		}
		if f.Slot != s.Slot || f.ParentRoot != s.ParentRoot || f.StateRoot != s.StateRoot {
			return fmt.Errorf("%w: block %#x blob disagrees with its summary", ErrCorrupt, root)
		}
		if opts.BlockRoot != nil {
			got, err := opts.BlockRoot(ssz)
			if err != nil {
				return fmt.Errorf("%w: block %#x: hash: %w", ErrCorrupt, root, err)
			}
			if got != root {
				return fmt.Errorf("%w: block stored under %#x hashes to %#x", ErrCorrupt, root, got)
			}
		}
		if s.Slot > origin.BlockSlot && summaries.Get(s.ParentRoot[:]) == nil {
			return fmt.Errorf("%w: block %#x at slot %d: parent %#x missing", ErrCorrupt, root, s.Slot, s.ParentRoot)
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	// The slot index points at nothing else.
	c := bySlot.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		_, root, err := decodeSlotRootKey(bucketBlocksBySlot, k)
		if err != nil {
			return n, err
		}
		if summaries.Get(root[:]) == nil {
			return n, fmt.Errorf("%w: bucket %s: key %s names missing block %#x", ErrCorrupt, bucketBlocksBySlot, shortHex(k), root)
		}
	}
	if err := checkRootKeys(bucketBlocks, blobs, summaries); err != nil {
		return n, err
	}
	if blobs.Stats().KeyN != n {
		return n, fmt.Errorf("%w: %d block blobs for %d summaries", ErrCorrupt, blobs.Stats().KeyN, n)
	}
	return n, nil
}

func verifyCanonical(tx *bbolt.Tx, anchor Anchor, head Head) (int, error) {
	n := 0
	var prev *BlockSummary
	sawAnchor := false
	c := tx.Bucket(bucketCanonical).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		n++
		slot, err := decodeSlotKey(bucketCanonical, k)
		if err != nil {
			return n, err
		}
		root, err := decodeRootEntry(bucketCanonical, k, v)
		if err != nil {
			return n, err
		}
		s, err := getBlockSummary(tx, root)
		if err != nil {
			return n, fmt.Errorf("%w: canonical slot %d: %w", ErrCorrupt, slot, err)
		}
		if s.Slot != slot {
			return n, fmt.Errorf("%w: canonical slot %d names block %#x of slot %d", ErrCorrupt, slot, s.Root, s.Slot)
		}
		if prev != nil && s.ParentRoot != prev.Root {
			return n, fmt.Errorf("%w: canonical block %#x at slot %d has parent %#x, previous canonical block is %#x", ErrCorrupt, s.Root, slot, s.ParentRoot, prev.Root)
		}
		sawAnchor = sawAnchor || s.Root == anchor.BlockRoot
		prev = &s
	}
	switch {
	case !sawAnchor:
		return n, fmt.Errorf("%w: anchor block %#x is not canonical", ErrCorrupt, anchor.BlockRoot)
	case prev == nil || prev.Root != head.Root:
		return n, fmt.Errorf("%w: canonical index does not end at the head %#x", ErrCorrupt, head.Root)
	}
	return n, nil
}

func verifyStates(tx *bbolt.Tx, anchor Anchor, opts VerifyOptions) (int, error) {
	n := 0
	summaries, blobs := tx.Bucket(bucketStateSummary), tx.Bucket(bucketStates)
	bySlot, byBlock := tx.Bucket(bucketStatesBySlot), tx.Bucket(bucketStatesByBlock)
	err := summaries.ForEach(func(k, v []byte) error {
		n++
		root, err := decodeRootKey(bucketStateSummary, k)
		if err != nil {
			return err
		}
		s, err := decodeStateSummary(root, v)
		if err != nil {
			return err
		}
		if bySlot.Get(slotRootKey(s.Slot, root)) == nil || byBlock.Get(stateByBlockKey(s.BlockRoot, s.Slot, root)) == nil {
			return fmt.Errorf("%w: state %#x missing from an index", ErrCorrupt, root)
		}
		blob := blobs.Get(k)
		if blob == nil {
			return fmt.Errorf("%w: state %#x has a summary but no blob", ErrCorrupt, root)
		}
		full := opts.AllStates || root == anchor.StateRoot
		if !full {
			if _, err := snappy.DecodedLen(blob); err != nil {
				return fmt.Errorf("%w: state %#x: snappy: %w", ErrCorrupt, root, err)
			}
			return nil
		}
		ssz, err := snappy.Decode(nil, blob)
		if err != nil {
			return fmt.Errorf("%w: state %#x: snappy: %w", ErrCorrupt, root, err)
		}
		f, err := ParseStateFields(ssz)
		if err != nil {
			return fmt.Errorf("%w: state %#x: %w", ErrCorrupt, root, err)
		}
		if f.Slot != s.Slot {
			return fmt.Errorf("%w: state %#x blob has slot %d, summary %d", ErrCorrupt, root, f.Slot, s.Slot)
		}
		if opts.StateRoot != nil {
			got, err := opts.StateRoot(ssz)
			if err != nil {
				return fmt.Errorf("%w: state %#x: hash: %w", ErrCorrupt, root, err)
			}
			if got != root {
				return fmt.Errorf("%w: state stored under %#x hashes to %#x", ErrCorrupt, root, got)
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	if summaries.Get(anchor.StateRoot[:]) == nil {
		return n, fmt.Errorf("%w: anchor state %#x missing", ErrCorrupt, anchor.StateRoot)
	}
	// The indexes point at nothing else.
	c := bySlot.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		_, root, err := decodeSlotRootKey(bucketStatesBySlot, k)
		if err != nil {
			return n, err
		}
		if summaries.Get(root[:]) == nil {
			return n, fmt.Errorf("%w: bucket %s: key %s names missing state %#x", ErrCorrupt, bucketStatesBySlot, shortHex(k), root)
		}
	}
	c = byBlock.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		_, _, root, err := decodeStateByBlockKey(k)
		if err != nil {
			return n, err
		}
		if summaries.Get(root[:]) == nil {
			return n, fmt.Errorf("%w: bucket %s: key %s names missing state %#x", ErrCorrupt, bucketStatesByBlock, shortHex(k), root)
		}
	}
	if err := checkRootKeys(bucketStates, blobs, summaries); err != nil {
		return n, err
	}
	for _, idx := range []*bbolt.Bucket{bySlot, byBlock} {
		if got := idx.Stats().KeyN; got != n {
			return n, fmt.Errorf("%w: state index has %d entries for %d states", ErrCorrupt, got, n)
		}
	}
	if got := blobs.Stats().KeyN; got != n {
		return n, fmt.Errorf("%w: %d state blobs for %d summaries", ErrCorrupt, got, n)
	}
	return n, nil
}

// VerifyDir runs Verify on the database of dataDir, opened read-only: offline, because a running node holds the
// lock (ErrLocked). It does not check the network, which it does not know.
func VerifyDir(dataDir string, lockTimeout time.Duration, opts VerifyOptions) (VerifyReport, error) {
	if lockTimeout <= 0 {
		lockTimeout = DefaultLockTimeout
	}
	path := Path(dataDir)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return VerifyReport{}, fmt.Errorf("verify: no database at %s: %w", path, ErrNotFound)
		}
		return VerifyReport{}, fmt.Errorf("verify: %w", classifyOpenError(err))
	}
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: lockTimeout, ReadOnly: true})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return VerifyReport{}, fmt.Errorf("verify %s: %w (stop the node first)", path, ErrLocked)
		}
		return VerifyReport{}, fmt.Errorf("verify %s: %w", path, classifyOpenError(err))
	}
	defer func() { _ = bdb.Close() }()
	if err := bdb.View(checkIsStore); err != nil {
		return VerifyReport{}, fmt.Errorf("verify %s: %w", path, err)
	}
	r := NewReader()
	r.attach(bdb)
	return r.Verify(opts)
}
