package forkchoice

import (
	"errors"
	"testing"
	"time"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// storeHarness builds stores over a testChain's anchor and balances and adds blocks with chosen checkpoints.
type storeHarness struct {
	t     *testing.T
	c     *testChain
	store *Store
}

func newStoreHarness(t *testing.T, pruneThreshold int) *storeHarness {
	t.Helper()
	c := newTestChain(64)
	balances := map[types.Checkpoint]*Balances{}
	source := BalancesFunc(func(cp types.Checkpoint) (*Balances, error) {
		if b, ok := balances[cp]; ok {
			return b, nil
		}
		b := &Balances{Checkpoint: cp, Effective: c.balances.Effective, TotalActive: c.balances.TotalActive}
		balances[cp] = b
		return b, nil
	})
	store, err := NewStore(StoreConfig{Spec: testSpec(t), Balances: source, Availability: alwaysAvailable{},
		PruneThreshold: pruneThreshold}, c.anchor)
	if err != nil {
		t.Fatal(err)
	}
	return &storeHarness{t: t, c: c, store: store}
}

// add adds a block at slot on parent with the given execution status and post-state, ticking to its slot first.
func (h *storeHarness) add(parent primitives.Root, slot primitives.Slot, salt uint64, status ExecutionStatus, post PostState) primitives.Root {
	h.t.Helper()
	if t := h.c.genesis + uint64(slot)*h.store.cfg.Spec.SecondsPerSlot; h.store.Time() < t {
		if err := h.store.OnTick(t); err != nil {
			h.t.Fatal(err)
		}
	}
	blk := testBlock(slot, parent, salt)
	root := types.HashTreeRoot(blk)
	if err := h.store.OnBlock(&BlockInput{Root: root, Block: blk, Execution: status, PostState: post}); err != nil {
		h.t.Fatalf("add block at slot %d: %v", slot, err)
	}
	h.c.slots[root] = slot
	return root
}

// vote makes validators [from, to) vote for root in its slot's epoch.
func (h *storeHarness) vote(root primitives.Root, from, to int) {
	h.t.Helper()
	slot := h.c.slots[root]
	if t := h.c.genesis + uint64(slot+1)*h.store.cfg.Spec.SecondsPerSlot; h.store.Time() < t {
		if err := h.store.OnTick(t); err != nil {
			h.t.Fatal(err)
		}
	}
	epoch := helpers.ComputeEpochAtSlot(slot)
	target, err := h.store.GetCheckpointBlock(root, epoch)
	if err != nil {
		h.t.Fatal(err)
	}
	var indices []primitives.ValidatorIndex
	for i := from; i < to; i++ {
		indices = append(indices, primitives.ValidatorIndex(i))
	}
	att := &types.IndexedAttestation{AttestingIndices: indices, Data: &types.AttestationData{Slot: slot,
		BeaconBlockRoot: root, Source: &types.Checkpoint{}, Target: &types.Checkpoint{Epoch: epoch, Root: target}}}
	if err := h.store.OnAttestation(att, true); err != nil {
		h.t.Fatal(err)
	}
}

func (h *storeHarness) head() primitives.Root {
	h.t.Helper()
	head, err := h.store.GetHead()
	if err != nil {
		h.t.Fatal(err)
	}
	return head
}

func anchorPost(c *testChain) PostState {
	cp := c.anchor.Checkpoint()
	return PostState{Justified: cp, Finalized: cp, UnrealizedJustified: cp, UnrealizedFinalized: cp}
}

func TestInvalidPayloadMovesTheHeadOffItsChain(t *testing.T) {
	h := newStoreHarness(t, 0)
	post := anchorPost(h.c)
	a1 := h.add(h.c.anchor.Root, 1, 1, ExecutionValid, post)
	a2 := h.add(a1, 2, 2, ExecutionOptimistic, post)
	a3 := h.add(a2, 3, 3, ExecutionOptimistic, post)
	b2 := h.add(a1, 2, 102, ExecutionValid, post)
	if err := h.store.OnTick(h.c.genesis + h.store.cfg.Spec.SecondsPerSlot*5); err != nil {
		t.Fatal(err)
	}
	h.vote(a3, 0, 40)
	h.vote(b2, 40, 50)
	if head := h.head(); head != a3 {
		t.Fatalf("head %#x, want the heavier optimistic tip %#x", head, a3)
	}
	a1Info, _ := h.store.Block(a1)
	n, err := h.store.InvalidatePayload(a3, &a1Info.ExecutionBlockHash)
	if err != nil || n != 2 {
		t.Fatalf("invalidate: %d blocks, %v; want a2 and a3", n, err)
	}
	if head := h.head(); head != b2 {
		t.Fatalf("head %#x after invalidation, want %#x", head, b2)
	}
	if w, _ := h.store.GetWeight(a1); w != 10*32_000_000_000 {
		t.Errorf("a1 weighs %d: the invalid blocks' votes still count", w)
	}
	blk := testBlock(4, a3, 4)
	err = h.store.OnBlock(&BlockInput{Root: types.HashTreeRoot(blk), Block: blk, Execution: ExecutionOptimistic, PostState: post})
	if !errors.Is(err, ErrInvalidParentPayload) {
		t.Fatalf("block on an invalid parent: %v", err)
	}
	if _, err := h.store.InvalidatePayload(a1, nil); !errors.Is(err, ErrInconsistentStore) {
		t.Errorf("invalidating a VALID payload: %v", err)
	}
}

func TestPayloadVerdicts(t *testing.T) {
	h := newStoreHarness(t, 0)
	post := anchorPost(h.c)
	a1 := h.add(h.c.anchor.Root, 1, 1, ExecutionOptimistic, post)
	a2 := h.add(a1, 2, 2, ExecutionOptimistic, post)
	a3 := h.add(a2, 3, 3, ExecutionOptimistic, post)
	if err := h.store.MarkPayloadValid(a2); err != nil {
		t.Fatal(err)
	}
	for root, want := range map[primitives.Root]ExecutionStatus{a1: ExecutionValid, a2: ExecutionValid, a3: ExecutionOptimistic} {
		if b, _ := h.store.Block(root); b.Execution != want {
			t.Errorf("block at slot %d is %s, want %s", b.Slot, b.Execution, want)
		}
	}
	a3Info, _ := h.store.Block(a3)
	// A child of a3 was refused as INVALID with a3's own hash as the latest valid one: nothing else is invalid.
	if n, err := h.store.InvalidateAncestors(a3, &a3Info.ExecutionBlockHash); err != nil || n != 0 {
		t.Fatalf("refused child with its parent valid: %d invalidated, %v", n, err)
	}
	a2Info, _ := h.store.Block(a2)
	if n, err := h.store.InvalidateAncestors(a3, &a2Info.ExecutionBlockHash); err != nil || n != 1 {
		t.Fatalf("refused child of an invalid parent: %d invalidated, %v", n, err)
	}
	if b, _ := h.store.Block(a3); b.Execution != ExecutionInvalid {
		t.Fatalf("a3 is %s", b.Execution)
	}
	if head := h.head(); head != a2 {
		t.Errorf("head %#x, want a2", head)
	}
}

// Pruning at finalization drops the blocks before the finalized one and renumbers the rest and the votes; the
// head and weights stay those of a store that never prunes.
func TestPruningKeepsHeadAndWeights(t *testing.T) {
	pruned := newStoreHarness(t, 4)
	kept := newStoreHarness(t, 1<<30)
	spe := primitives.Slot(params.SlotsPerEpoch)
	build := func(h *storeHarness) (roots []primitives.Root) {
		parent := h.c.anchor.Root
		post := anchorPost(h.c)
		for slot := primitives.Slot(1); slot <= 6*spe; slot++ {
			epoch := helpers.ComputeEpochAtSlot(slot)
			if epoch >= 2 && slot%spe == 1 {
				// The start of epoch-1 is justified, epoch-2 finalized.
				j, _ := h.store.GetCheckpointBlock(parent, epoch-1)
				f, _ := h.store.GetCheckpointBlock(parent, epoch-2)
				post = PostState{Justified: types.Checkpoint{Epoch: epoch - 1, Root: j},
					Finalized: types.Checkpoint{Epoch: epoch - 2, Root: f}}
				post.UnrealizedJustified, post.UnrealizedFinalized = post.Justified, post.Finalized
			}
			parent = h.add(parent, slot, uint64(slot), ExecutionValid, post)
			roots = append(roots, parent)
			if slot%3 == 0 { // a short-lived fork
				h.add(parent, slot+1, 1000+uint64(slot), ExecutionValid, post)
			}
			h.vote(parent, int(slot)%64, int(slot)%64+1)
		}
		return roots
	}
	prunedRoots, keptRoots := build(pruned), build(kept)
	if pruned.store.BlockCount() >= kept.store.BlockCount() {
		t.Fatalf("pruning kept %d blocks of %d", pruned.store.BlockCount(), kept.store.BlockCount())
	}
	if pruned.head() != kept.head() {
		t.Fatalf("heads differ after pruning")
	}
	finalized := pruned.store.FinalizedCheckpoint()
	if finalized.Epoch < 3 || !pruned.store.HasBlock(finalized.Root) {
		t.Fatalf("finalized %+v", finalized)
	}
	for i, root := range prunedRoots {
		if !pruned.store.HasBlock(root) {
			continue
		}
		have, _ := pruned.store.GetWeight(root)
		want, _ := kept.store.GetWeight(keptRoots[i])
		if have != want {
			t.Errorf("block %d weighs %d after pruning, %d without", i, have, want)
		}
	}
}

func TestOnBlockRefusals(t *testing.T) {
	h := newStoreHarness(t, 0)
	post := anchorPost(h.c)
	future := testBlock(3, h.c.anchor.Root, 1)
	if err := h.store.OnBlock(&BlockInput{Root: types.HashTreeRoot(future), Block: future, Execution: ExecutionValid,
		PostState: post}); !errors.Is(err, ErrFutureSlot) || !IsRetryable(err) {
		t.Errorf("future block: %v", err)
	}
	orphan := testBlock(0, primitives.Root{1}, 1)
	if err := h.store.OnBlock(&BlockInput{Root: types.HashTreeRoot(orphan), Block: orphan, Execution: ExecutionValid,
		PostState: post}); !errors.Is(err, ErrUnknownBlock) {
		t.Errorf("unknown parent: %v", err)
	}
	if err := h.store.OnBlock(&BlockInput{Root: primitives.Root{2}, Block: orphan, Execution: ExecutionInvalid}); !errors.Is(err, ErrInvalidBlockInput) {
		t.Errorf("invalid execution status: %v", err)
	}
	if err := h.store.OnBlock(nil); !errors.Is(err, ErrInvalidBlockInput) {
		t.Errorf("nil input: %v", err)
	}
}

func TestPendingAttestationsWaitForTheirBlockAndSlot(t *testing.T) {
	c := newTestChain(64)
	spec := testSpec(t)
	now := c.genesis + spec.SecondsPerSlot*3
	cfg := Config{Spec: spec, Availability: alwaysAvailable{}, Now: func() time.Time { return time.Unix(int64(now), 0) }}
	core, err := newCore(cfg, &Chain{Anchor: c.anchor, AnchorBalances: c.balances})
	if err != nil {
		t.Fatal(err)
	}
	core.tick(now)
	a1 := c.block(t, c.anchor.Root, 1, 1, primitives.Root{}, nil)
	a2 := c.block(t, a1.Root, 2, 2, primitives.Root{}, nil)
	b1 := c.block(t, c.anchor.Root, 1, 101, primitives.Root{}, nil)
	for _, b := range []*OnBlock{a1, b1} {
		if _, err := core.importBlock(b); err != nil {
			t.Fatal(err)
		}
	}
	vote := func(root primitives.Root, slot primitives.Slot, from, to int) {
		var indices []primitives.ValidatorIndex
		for i := from; i < to; i++ {
			indices = append(indices, primitives.ValidatorIndex(i))
		}
		raw, err := types.Marshal(&types.IndexedAttestation{AttestingIndices: indices, Data: &types.AttestationData{
			Slot: slot, BeaconBlockRoot: root, Source: &types.Checkpoint{}, Target: &types.Checkpoint{Root: c.anchor.Root}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := core.onAttestation(&OnAttestation{IndexedAttestation: raw}); err != nil && !IsRetryable(err) {
			t.Fatal(err)
		}
	}
	vote(a2.Root, 2, 0, 10)  // a2 not seen yet
	vote(b1.Root, 3, 10, 15) // slot 3 is not over yet
	if len(core.pending.items) != 2 {
		t.Fatalf("%d pending attestations, want 2", len(core.pending.items))
	}
	if _, err := core.importBlock(a2); err != nil {
		t.Fatal(err)
	}
	if len(core.pending.items) != 1 || core.head.Root != a2.Root {
		t.Fatalf("after a2: %d pending, head %#x", len(core.pending.items), core.head.Root)
	}
	now += spec.SecondsPerSlot
	core.tick(now)
	if len(core.pending.items) != 0 {
		t.Fatalf("after slot 3: %d pending", len(core.pending.items))
	}
	if w, _ := core.store.GetWeight(b1.Root); w != 5*32_000_000_000 {
		t.Errorf("b1 weighs %d", w)
	}
}

func TestPendingQueueIsBounded(t *testing.T) {
	q := pendingQueue{max: 3}
	for i := range 5 {
		q.add(pendingAttestation{attestation: &types.IndexedAttestation{Data: &types.AttestationData{
			Slot: primitives.Slot(i), Target: &types.Checkpoint{Epoch: primitives.Epoch(i)}}}})
	}
	if len(q.items) != 3 || q.dropped != 2 || q.items[0].attestation.Data.Slot != 2 {
		t.Fatalf("queue %d items, %d dropped, oldest slot %d", len(q.items), q.dropped, q.items[0].attestation.Data.Slot)
	}
	q.dropBefore(4)
	if len(q.items) != 1 {
		t.Fatalf("%d items after dropping stale ones", len(q.items))
	}
}
