package store_test

import (
	"math"
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/store/internal/synth"
)

func sha(ssz []byte) (primitives.Root, error) { return synth.Root(ssz), nil }

var fullVerify = store.VerifyOptions{BlockRoot: sha, StateRoot: sha, AllStates: true}

func TestPruneKeepsCanonicalHistoryAndColdStates(t *testing.T) {
	const cold = 3
	db := openTest(t, t.TempDir(), store.Options{ColdStateEpochs: cold})
	g := synth.New(testConfig(5))
	importBlocks(t, db, g, 20*params.SlotsPerEpoch)

	rep, err := db.Verify(fullVerify)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	anchor, origin := rep.Anchor, store.Anchor{}
	if origin, err = db.Origin(); err != nil {
		t.Fatal(err)
	}
	// Below the anchor only the canonical chain is left.
	blocks, err := db.BlockSummaries(0, math.MaxUint64)
	if err != nil {
		t.Fatal(err)
	}
	hot := 0
	for _, b := range blocks {
		if b.Slot > anchor.BlockSlot {
			hot++
			continue
		}
		if root, err := db.CanonicalRoot(b.Slot); err != nil || root != b.Root {
			t.Fatalf("non-canonical block %#x at slot %d survived pruning (finalized slot %d)", b.Root, b.Slot, anchor.BlockSlot)
		}
	}
	ch, err := db.LoadChain()
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Blocks) != hot {
		t.Fatalf("%d blocks above the anchor, %d of them descend from it: the others should be pruned", hot, len(ch.Blocks))
	}
	// Finalized states: the origin, the anchor and the epoch-boundary states of every cold-th epoch.
	states, err := db.StatesAtSlots(0, anchor.StateSlot)
	if err != nil {
		t.Fatal(err)
	}
	coldSeen := 0
	for _, s := range states {
		switch {
		case s.Root == anchor.StateRoot || s.Root == origin.StateRoot:
		case uint64(s.Slot)%params.SlotsPerEpoch == 0 && uint64(s.Slot)/params.SlotsPerEpoch%cold == 0:
			coldSeen++
		default:
			t.Errorf("finalized state %#x at slot %d should have been pruned", s.Root, s.Slot)
		}
	}
	finalizedEpoch := uint64(anchor.StateSlot) / params.SlotsPerEpoch
	if want := int((finalizedEpoch - 1) / cold); coldSeen != want {
		t.Fatalf("%d cold states below finalized epoch %d, want %d (one per %d epochs, genesis being the origin)", coldSeen, finalizedEpoch, want, cold)
	}
	if need, err := db.NeedsPrune(); err != nil || need {
		t.Fatalf("NeedsPrune after pruning = %v, %v", need, err)
	}
	// A second prune finds nothing.
	if st, err := db.Prune(); err != nil || st != (store.PruneStats{}) {
		t.Fatalf("second prune: %+v %v", st, err)
	}
}

func TestPruneHistoryWindow(t *testing.T) {
	const window = 4
	db := openTest(t, t.TempDir(), store.Options{ColdStateEpochs: 2, HistoryEpochs: window})
	g := synth.New(testConfig(6))
	importBlocks(t, db, g, 16*params.SlotsPerEpoch)
	rep, err := db.Verify(fullVerify)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	cutoff := rep.Anchor.BlockSlot - window*params.SlotsPerEpoch
	blocks, err := db.BlockSummaries(0, math.MaxUint64)
	if err != nil {
		t.Fatal(err)
	}
	if blocks[0].Slot < cutoff {
		t.Fatalf("block at slot %d kept, history starts at %d", blocks[0].Slot, cutoff)
	}
	origin, err := db.Origin()
	if err != nil {
		t.Fatal(err)
	}
	if origin.StateSlot < cutoff {
		t.Fatalf("origin at slot %d, history starts at %d", origin.StateSlot, cutoff)
	}
	if _, err := db.State(origin.StateRoot); err != nil {
		t.Fatalf("origin state: %v", err)
	}
}

func TestResumePruneAfterCrashBetweenCommitAndPrune(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, store.Options{ColdStateEpochs: 4})
	g := synth.New(testConfig(7))
	if err := db.SetAnchor(g.Anchor()); err != nil {
		t.Fatal(err)
	}
	// Commit without pruning, as if the process died after each finality commit.
	for range 6 * params.SlotsPerEpoch {
		if _, err := db.Commit(g.Next()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Verify(fullVerify); err != nil {
		t.Fatalf("verify before prune: %v", err)
	}
	_ = db.Close()
	db = openTest(t, dir, store.Options{ColdStateEpochs: 4})
	need, err := db.NeedsPrune()
	if err != nil || !need {
		t.Fatalf("NeedsPrune after reopen = %v, %v", need, err)
	}
	st, err := db.Prune()
	if err != nil || st.Blocks+st.States == 0 {
		t.Fatalf("resumed prune: %+v %v", st, err)
	}
	if _, err := db.Verify(fullVerify); err != nil {
		t.Fatalf("verify after prune: %v", err)
	}
}
