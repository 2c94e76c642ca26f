package blocksync

import (
	"errors"
	"fmt"
	"time"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/reqresp"
	"github.com/salamander-client/salamander/store"
)

// ErrBadBatch means peers answered a blocks request with blocks that cannot be what was asked for: undecodable,
// outside the range, out of order, not a chain, or not the root asked for.
var ErrBadBatch = errors.New("bad blocks response")

// Range sync defaults.
const (
	// DefaultBatchSlots is how many slots a range request covers (the spec allows up to MAX_REQUEST_BLOCKS_DENEB,
	// 128).
	DefaultBatchSlots = 64
	// DefaultPeersTimeout bounds one blocks request to the peers actor, which retries across peers within it.
	DefaultPeersTimeout = time.Minute
	// DefaultFollowDelay is how long after a slot starts a caught-up node asks again for the slot's block, which
	// its proposer publishes in the slot's first seconds.
	DefaultFollowDelay = 4 * time.Second
	// DefaultBatchTimeout bounds the import of a batch: past it a block still waiting (for a parent nobody sent)
	// no longer holds up range sync.
	DefaultBatchTimeout = 2 * time.Minute
	// MaxParentDepth bounds how many ancestors, one after the other, are fetched by root for a block whose parent
	// is unknown.
	MaxParentDepth = 32
)

// A failed range request is asked again after rangeBackoff, twice as late after each further failure, up to
// maxRangeBackoff: never given up, never hammered.
const (
	rangeBackoff    = 500 * time.Millisecond
	maxRangeBackoff = 30 * time.Second
)

// rangeSync is range sync's state, free of actor code: the next slot to ask peers for, and the failures in a row.
// It asks for [cursor, cursor+batch) up to the wall-clock slot; the cursor moves past the blocks imported and
// past the slots peers showed to be empty.
type rangeSync struct {
	batch    uint64
	cursor   primitives.Slot
	failures int
}

func newRangeSync(batch uint64, head primitives.Slot) *rangeSync {
	return &rangeSync{batch: batch, cursor: head + 1}
}

// request returns the range to ask for at the wall-clock slot wall, given the highest head slot a peer reported
// (peerHead, 0 if none): ok is false when the node is caught up to wall. A peer is only asked for slots from its
// reported head on, and that report is as old as the peer's last status: when the cursor is a little beyond it,
// the range starts at peerHead instead, so that a peer whose status is stale still serves the new blocks.
func (r *rangeSync) request(wall, peerHead primitives.Slot) (start primitives.Slot, count uint64, ok bool) {
	if r.cursor > wall {
		return 0, 0, false
	}
	start = r.cursor
	if peerHead > 0 && peerHead < start && uint64(start-peerHead) < r.batch {
		start = peerHead
	}
	end := min(start+primitives.Slot(r.batch), wall+1)
	return start, uint64(end - start), true
}

// imported moves the cursor after a batch of [start, start+count) was imported, whose last block was at slot
// last (ok false: the batch had no block). Empty slots move it too when the range lies before the wall-clock slot
// and a peer reported a head at or past the range's end: those slots had no block, and will not.
func (r *rangeSync) imported(start primitives.Slot, count uint64, last primitives.Slot, ok bool, wall, peerHead primitives.Slot) {
	r.failures = 0
	if ok && last >= r.cursor {
		r.cursor = last + 1
	}
	end := start + primitives.Slot(count)
	if end <= wall && peerHead+1 >= end && end > r.cursor {
		r.cursor = end
	}
}

// failed counts a failed batch and returns how long to wait before the next request.
func (r *rangeSync) failed() time.Duration {
	r.failures++
	return min(rangeBackoff<<min(r.failures-1, 8), maxRangeBackoff)
}

// restartFrom moves the cursor back to just after head, the store's head: after an invalid batch, sync goes on
// from what the node holds.
func (r *rangeSync) restartFrom(head primitives.Slot) { r.cursor = head + 1 }

// checkRange checks that blocks answer a range request for [start, start+count): decodable, each in the range,
// in increasing slots, each the parent of the next, and each with the slot and root the response gives it. It
// returns the blocks as items to import, in order.
func checkRange(start primitives.Slot, count uint64, blocks []reqresp.Block) ([]*item, error) {
	items := make([]*item, 0, len(blocks))
	end := start + primitives.Slot(count)
	var prevRoot primitives.Root
	for i, b := range blocks {
		it, err := checkBlock(b)
		if err != nil {
			return nil, err
		}
		if it.slot < start || it.slot >= end {
			return nil, fmt.Errorf("%w: block at slot %d outside [%d, %d)", ErrBadBatch, it.slot, start, end)
		}
		if i > 0 {
			if it.slot <= items[i-1].slot {
				return nil, fmt.Errorf("%w: block at slot %d after one at slot %d", ErrBadBatch, it.slot, items[i-1].slot)
			}
			if it.parentRoot != prevRoot {
				return nil, fmt.Errorf("%w: block at slot %d is not the child of the one before it", ErrBadBatch, it.slot)
			}
		}
		prevRoot = it.root
		items = append(items, it)
	}
	return items, nil
}

// checkRoots checks that blocks answer a request for roots: each decodable and one of them.
func checkRoots(roots []primitives.Root, blocks []reqresp.Block) ([]*item, error) {
	items := make([]*item, 0, len(blocks))
	for _, b := range blocks {
		it, err := checkBlock(b)
		if err != nil {
			return nil, err
		}
		asked := false
		for _, r := range roots {
			asked = asked || r == it.root
		}
		if !asked {
			return nil, fmt.Errorf("%w: block %#x was not asked for", ErrBadBatch, it.root)
		}
		items = append(items, it)
	}
	return items, nil
}

// checkBlock decodes a block's slot and parent and checks them against what the response says of it.
func checkBlock(b reqresp.Block) (*item, error) {
	fields, err := store.ParseBlockFields(b.SSZ)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadBatch, err)
	}
	if fields.Slot != b.Slot {
		return nil, fmt.Errorf("%w: block of slot %d given as slot %d", ErrBadBatch, fields.Slot, b.Slot)
	}
	return &item{ssz: b.SSZ, slot: fields.Slot, parentRoot: fields.ParentRoot, root: b.Root}, nil
}
