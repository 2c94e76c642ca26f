// Package blocksync brings blocks into the node: the import pipeline (state transition, store, fork choice, then the
// store's head and checkpoints), the pending-block queue of blocks whose parent has not arrived yet, and, when the
// node has peers, range sync: it asks the peers actor for the blocks from the store's head up to the wall-clock
// slot in batches, keeps asking every slot once caught up, and fetches by root the unknown parents of pending
// blocks.
package blocksync

import (
	"slices"
	"time"

	"github.com/salamander-client/salamander/primitives"
)

// Status is what the blocksync actor reports about itself.
type Status struct {
	StartedAt time.Time // when the answering incarnation started
	Requests  uint64    // status requests it answered, this one included
	Imported  uint64    // blocks imported by this incarnation
	Refused   uint64    // blocks it refused
	Queued    int       // blocks waiting for the pipeline
	Pending   int       // blocks waiting for their parent
	LastSlot  primitives.Slot
	LastRoot  primitives.Root
	// SyncSlot is the next slot range sync asks peers for; 0 without range sync.
	SyncSlot primitives.Slot
	// Fetched counts the blocks peers sent this incarnation, by range and by root.
	Fetched uint64
}

// core is the blocksync actor's state, free of actor code: the queue of blocks to import, the pending blocks by
// parent, and the counters.
type core struct {
	status  Status
	queue   []*item
	pending pendingQueue
}

func newCore(startedAt time.Time, maxPending int) *core {
	return &core{status: Status{StartedAt: startedAt}, pending: pendingQueue{max: maxPending}}
}

// answerStatus counts a status request and returns the status that answers it.
func (c *core) answerStatus() Status {
	c.status.Requests++
	s := c.status
	s.Queued, s.Pending = len(c.queue), c.pending.len()
	return s
}

// item is one block on its way in.
type item struct {
	ssz        []byte
	slot       primitives.Slot
	parentRoot primitives.Root
	// root is the block's root when its sender computed it (blocks from peers); zero otherwise.
	root primitives.Root
	// depth counts the blocks fetched by root, one for the other, that led to this one (MaxParentDepth).
	depth int
	// reply is called once with the outcome; nil when nobody waits.
	reply    func(*ImportResult)
	attempts int
}

func (it *item) answer(res *ImportResult) {
	if it.reply != nil {
		it.reply(res)
		it.reply = nil
	}
}

// pendingQueue holds blocks whose parent is unknown, by parent root, at most max of them: past it the block of the
// highest slot is dropped, since it is the one furthest from what the node can import.
type pendingQueue struct {
	max      int
	byParent map[primitives.Root][]*item
	count    int
}

func (q *pendingQueue) len() int { return q.count }

// add keeps it until its parent arrives; it returns the item it dropped to make room, if any.
func (q *pendingQueue) add(it *item) (dropped *item) {
	if q.byParent == nil {
		q.byParent = make(map[primitives.Root][]*item)
	}
	if q.count >= q.max {
		dropped = q.highest()
		if dropped == nil || dropped.slot <= it.slot {
			return it
		}
		q.remove(dropped)
	}
	q.byParent[it.parentRoot] = append(q.byParent[it.parentRoot], it)
	q.count++
	return dropped
}

// release returns, and forgets, the blocks waiting for parent.
func (q *pendingQueue) release(parent primitives.Root) []*item {
	children := q.byParent[parent]
	delete(q.byParent, parent)
	q.count -= len(children)
	return children
}

// prune returns, and forgets, the blocks at or below slot: finality made them useless.
func (q *pendingQueue) prune(slot primitives.Slot) []*item {
	var out []*item
	for parent, items := range q.byParent {
		kept := items[:0]
		for _, it := range items {
			if it.slot <= slot {
				out = append(out, it)
			} else {
				kept = append(kept, it)
			}
		}
		if len(kept) == 0 {
			delete(q.byParent, parent)
		} else {
			q.byParent[parent] = kept
		}
	}
	q.count -= len(out)
	return out
}

// drain returns, and forgets, every pending block.
func (q *pendingQueue) drain() []*item {
	var out []*item
	for _, items := range q.byParent {
		out = append(out, items...)
	}
	q.byParent, q.count = nil, 0
	return out
}

func (q *pendingQueue) highest() *item {
	var top *item
	for _, items := range q.byParent {
		for _, it := range items {
			if top == nil || it.slot > top.slot {
				top = it
			}
		}
	}
	return top
}

func (q *pendingQueue) remove(it *item) {
	items := q.byParent[it.parentRoot]
	if i := slices.Index(items, it); i >= 0 {
		items = slices.Delete(items, i, i+1)
		q.count--
	}
	if len(items) == 0 {
		delete(q.byParent, it.parentRoot)
	} else {
		q.byParent[it.parentRoot] = items
	}
}
