package store

import (
	"encoding/binary"
	"fmt"

	"github.com/salamander-client/salamander/primitives"
)

// schemaVersion is bumped on any incompatible change of the layout below.
const schemaVersion = 1

// Buckets. Keys with a slot start with the slot as 8 big-endian bytes so that cursors walk them in slot order.
var (
	bucketMeta          = []byte("meta")            // meta keys below
	bucketBlocks        = []byte("blocks")          // block root -> snappy(SSZ SignedBeaconBlock)
	bucketBlockSummary  = []byte("block_summaries") // block root -> slot | parent root | state root
	bucketBlocksBySlot  = []byte("blocks_by_slot")  // slot | block root -> ""
	bucketCanonical     = []byte("canonical")       // slot -> block root of the canonical chain
	bucketStates        = []byte("states")          // state root -> snappy(SSZ BeaconState)
	bucketStateSummary  = []byte("state_summaries") // state root -> slot | block root
	bucketStatesBySlot  = []byte("states_by_slot")  // slot | state root -> ""
	bucketStatesByBlock = []byte("states_by_block") // block root | slot | state root -> ""

	allBuckets = [][]byte{bucketMeta, bucketBlocks, bucketBlockSummary, bucketBlocksBySlot, bucketCanonical,
		bucketStates, bucketStateSummary, bucketStatesBySlot, bucketStatesByBlock}
)

// Keys of the meta bucket.
var (
	metaSchema    = []byte("schema")    // uint64
	metaIdentity  = []byte("identity")  // encodeIdentity
	metaAnchor    = []byte("anchor")    // Anchor: the fork-choice anchor, the latest finalized state
	metaOrigin    = []byte("origin")    // Anchor: the first anchor (genesis or checkpoint sync), the history's start
	metaHead      = []byte("head")      // Head
	metaJustified = []byte("justified") // Checkpoint
	metaFinalized = []byte("finalized") // Checkpoint
	metaPrunedTo  = []byte("pruned_to") // Checkpoint: finalized checkpoint the last completed prune ran for
)

// Checkpoint is the spec's Checkpoint: an epoch and a block root.
type Checkpoint struct {
	Epoch primitives.Epoch
	Root  primitives.Root
}

// Anchor names a state and the block it belongs to. The state is the block's post-state, or that state advanced
// through empty slots (a checkpoint state), so StateSlot >= BlockSlot.
type Anchor struct {
	StateRoot primitives.Root
	BlockRoot primitives.Root
	StateSlot primitives.Slot
	BlockSlot primitives.Slot
}

// Head is the head of the canonical chain as last set by fork choice.
type Head struct {
	Root primitives.Root
	Slot primitives.Slot
}

// BlockSummary is what the store keeps beside each block so it can walk the tree without decoding blocks.
type BlockSummary struct {
	Root       primitives.Root
	Slot       primitives.Slot
	ParentRoot primitives.Root
	StateRoot  primitives.Root
}

// StateSummary locates a stored state.
type StateSummary struct {
	Root      primitives.Root
	Slot      primitives.Slot
	BlockRoot primitives.Root
}

// Lengths of the index keys: a big-endian slot (the canonical index), then a root (the by-slot indexes).
const (
	slotKeyLen     = 8
	slotRootKeyLen = slotKeyLen + 32
)

func slotKey(s primitives.Slot) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, slotKeyLen), uint64(s))
}

func slotRootKey(s primitives.Slot, root primitives.Root) []byte {
	k := make([]byte, 0, slotRootKeyLen)
	k = binary.BigEndian.AppendUint64(k, uint64(s))
	return append(k, root[:]...)
}

func stateByBlockKey(blockRoot primitives.Root, s primitives.Slot, stateRoot primitives.Root) []byte {
	k := make([]byte, 0, stateByBlockKeyLen)
	k = append(k, blockRoot[:]...)
	k = binary.BigEndian.AppendUint64(k, uint64(s))
	return append(k, stateRoot[:]...)
}

// The decoders of keys and index entries check the length first: in a damaged or foreign file a short key would
// panic and a long one would decode to a wrong root. Their errors wrap ErrCorrupt and name the bucket and the key.

const (
	rootLen            = len(primitives.Root{})
	stateByBlockKeyLen = rootLen + slotRootKeyLen
)

// corruptKey reports a key of bucket that is not of the expected length.
func corruptKey(bucket, k []byte, want string) error {
	return fmt.Errorf("%w: bucket %s: key %s of %d bytes, want %s", ErrCorrupt, bucket, shortHex(k), len(k), want)
}

// shortHex prints a key for an error message, cut short: a foreign file's key can be of any size.
func shortHex(b []byte) string {
	const limit = 80
	if len(b) > limit {
		return fmt.Sprintf("%#x...", b[:limit])
	}
	return fmt.Sprintf("%#x", b)
}

// decodeRootKey reads a record key that is a root (blocks, summaries, states).
func decodeRootKey(bucket, k []byte) (primitives.Root, error) {
	if len(k) != rootLen {
		return primitives.Root{}, corruptKey(bucket, k, "a 32-byte root")
	}
	return primitives.Root(k), nil
}

// decodeSlotKey reads a canonical index key: a big-endian slot.
func decodeSlotKey(bucket, k []byte) (primitives.Slot, error) {
	if len(k) != slotKeyLen {
		return 0, corruptKey(bucket, k, "an 8-byte slot")
	}
	return primitives.Slot(binary.BigEndian.Uint64(k)), nil
}

// decodeSlotRootKey reads a by-slot index key: a big-endian slot, then a root.
func decodeSlotRootKey(bucket, k []byte) (primitives.Slot, primitives.Root, error) {
	if len(k) != slotRootKeyLen {
		return 0, primitives.Root{}, corruptKey(bucket, k, "a slot and a root (40 bytes)")
	}
	return primitives.Slot(binary.BigEndian.Uint64(k)), primitives.Root(k[slotKeyLen:]), nil
}

// decodeStateByBlockKey reads a states_by_block key: block root, big-endian slot, state root.
func decodeStateByBlockKey(k []byte) (blockRoot primitives.Root, slot primitives.Slot, stateRoot primitives.Root, err error) {
	if len(k) != stateByBlockKeyLen {
		return blockRoot, 0, stateRoot, corruptKey(bucketStatesByBlock, k, "a block root, a slot and a state root (72 bytes)")
	}
	slot, stateRoot, err = decodeSlotRootKey(bucketStatesByBlock, k[rootLen:])
	return primitives.Root(k[:rootLen]), slot, stateRoot, err
}

// decodeRootEntry reads the value of a canonical index entry: a block root.
func decodeRootEntry(bucket, k, v []byte) (primitives.Root, error) {
	if len(v) != rootLen {
		return primitives.Root{}, fmt.Errorf("%w: bucket %s: key %s holds %d bytes, want a 32-byte root", ErrCorrupt, bucket, shortHex(k), len(v))
	}
	return primitives.Root(v), nil
}

func encodeCheckpoint(c Checkpoint) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 40), uint64(c.Epoch))
	return append(b, c.Root[:]...)
}

func decodeCheckpoint(b []byte) (Checkpoint, error) {
	if len(b) != 40 {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint record of %d bytes", ErrCorrupt, len(b))
	}
	var c Checkpoint
	c.Epoch = primitives.Epoch(binary.BigEndian.Uint64(b))
	copy(c.Root[:], b[8:])
	return c, nil
}

func encodeAnchor(a Anchor) []byte {
	b := make([]byte, 0, 80)
	b = append(b, a.StateRoot[:]...)
	b = append(b, a.BlockRoot[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(a.StateSlot))
	return binary.BigEndian.AppendUint64(b, uint64(a.BlockSlot))
}

func decodeAnchor(b []byte) (Anchor, error) {
	if len(b) != 80 {
		return Anchor{}, fmt.Errorf("%w: anchor record of %d bytes", ErrCorrupt, len(b))
	}
	var a Anchor
	copy(a.StateRoot[:], b)
	copy(a.BlockRoot[:], b[32:])
	a.StateSlot = primitives.Slot(binary.BigEndian.Uint64(b[64:]))
	a.BlockSlot = primitives.Slot(binary.BigEndian.Uint64(b[72:]))
	return a, nil
}

func encodeHead(h Head) []byte {
	b := append(make([]byte, 0, 40), h.Root[:]...)
	return binary.BigEndian.AppendUint64(b, uint64(h.Slot))
}

func decodeHead(b []byte) (Head, error) {
	if len(b) != 40 {
		return Head{}, fmt.Errorf("%w: head record of %d bytes", ErrCorrupt, len(b))
	}
	var h Head
	copy(h.Root[:], b)
	h.Slot = primitives.Slot(binary.BigEndian.Uint64(b[32:]))
	return h, nil
}

func encodeBlockSummary(s BlockSummary) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 72), uint64(s.Slot))
	b = append(b, s.ParentRoot[:]...)
	return append(b, s.StateRoot[:]...)
}

func decodeBlockSummary(root primitives.Root, b []byte) (BlockSummary, error) {
	if len(b) != 72 {
		return BlockSummary{}, fmt.Errorf("%w: bucket %s: summary of block %#x has %d bytes", ErrCorrupt, bucketBlockSummary, root, len(b))
	}
	s := BlockSummary{Root: root, Slot: primitives.Slot(binary.BigEndian.Uint64(b))}
	copy(s.ParentRoot[:], b[8:])
	copy(s.StateRoot[:], b[40:])
	return s, nil
}

func encodeStateSummary(s StateSummary) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 40), uint64(s.Slot))
	return append(b, s.BlockRoot[:]...)
}

func decodeStateSummary(root primitives.Root, b []byte) (StateSummary, error) {
	if len(b) != 40 {
		return StateSummary{}, fmt.Errorf("%w: bucket %s: summary of state %#x has %d bytes", ErrCorrupt, bucketStateSummary, root, len(b))
	}
	s := StateSummary{Root: root, Slot: primitives.Slot(binary.BigEndian.Uint64(b))}
	copy(s.BlockRoot[:], b[8:])
	return s, nil
}
