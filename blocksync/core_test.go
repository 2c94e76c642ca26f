package blocksync

import (
	"testing"
	"time"

	"github.com/salamander-client/salamander/primitives"
)

func TestAnswerStatusCountsRequests(t *testing.T) {
	started := time.Unix(1_700_000_000, 0)
	c := newCore(started, DefaultMaxPending)
	for want := uint64(1); want <= 3; want++ {
		if got := c.answerStatus(); got.Requests != want || got.StartedAt != started {
			t.Fatalf("request %d: have %+v, want started %v and %d requests", want, got, started, want)
		}
	}
}

func TestPendingQueueReleasesChildrenOfAnImportedParent(t *testing.T) {
	q := pendingQueue{max: 4}
	a, b := primitives.Root{1}, primitives.Root{2}
	for i, it := range []*item{{slot: 5, parentRoot: a}, {slot: 6, parentRoot: a}, {slot: 7, parentRoot: b}} {
		if dropped := q.add(it); dropped != nil {
			t.Fatalf("item %d: dropped %+v with room left", i, dropped)
		}
	}
	if got := q.release(a); len(got) != 2 || got[0].slot != 5 || got[1].slot != 6 {
		t.Fatalf("release(a) = %+v, want the blocks of slots 5 and 6", got)
	}
	if q.len() != 1 || len(q.release(a)) != 0 {
		t.Fatalf("after release: %d pending, a released again", q.len())
	}
}

func TestPendingQueueDropsTheHighestSlotWhenFull(t *testing.T) {
	q := pendingQueue{max: 2}
	q.add(&item{slot: 10, parentRoot: primitives.Root{1}})
	q.add(&item{slot: 20, parentRoot: primitives.Root{2}})
	lower := &item{slot: 15, parentRoot: primitives.Root{3}}
	if dropped := q.add(lower); dropped == nil || dropped.slot != 20 {
		t.Fatalf("adding slot 15 to a full queue dropped %+v, want the block of slot 20", dropped)
	}
	higher := &item{slot: 30, parentRoot: primitives.Root{4}}
	if dropped := q.add(higher); dropped != higher {
		t.Fatalf("adding slot 30 to a full queue of lower slots dropped %+v, want itself", dropped)
	}
	if q.len() != 2 {
		t.Fatalf("%d pending, want 2", q.len())
	}
}

func TestPendingQueuePrunesFinalizedSlots(t *testing.T) {
	q := pendingQueue{max: 8}
	for _, s := range []primitives.Slot{3, 8, 9, 16} {
		q.add(&item{slot: s, parentRoot: primitives.Root{byte(s)}})
	}
	pruned := q.prune(8)
	if len(pruned) != 2 || q.len() != 2 {
		t.Fatalf("prune(8) took %d, left %d; want 2 and 2", len(pruned), q.len())
	}
	for _, it := range pruned {
		if it.slot > 8 {
			t.Errorf("pruned the block of slot %d", it.slot)
		}
	}
	if rest := q.drain(); len(rest) != 2 || q.len() != 0 {
		t.Fatalf("drain took %d, left %d", len(rest), q.len())
	}
}

func TestItemAnswersOnce(t *testing.T) {
	calls := 0
	it := &item{reply: func(*ImportResult) { calls++ }}
	it.answer(&ImportResult{})
	it.answer(&ImportResult{})
	if calls != 1 {
		t.Fatalf("answered %d times, want once", calls)
	}
}
