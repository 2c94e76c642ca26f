package store_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/store/internal/synth"
)

func testConfig(seed uint64) synth.Config {
	return synth.Config{
		Seed:        seed,
		StateSize:   4096,
		BodySize:    256,
		SkipRate:    0.1,
		ForkRate:    0.2,
		ReorgRate:   0.3,
		GenesisTime: 1_700_000_000,
		GVR:         primitives.Root{0xaa, 0xbb},
	}
}

func openTest(t *testing.T, dir string, opts store.Options) *store.DB {
	t.Helper()
	if opts.Network.Preset == "" {
		opts.Network = synth.DefaultNetwork
	}
	db, err := store.Open(dir, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// importBlocks anchors db on the generator's genesis (if new) and commits n batches, pruning as an actor would.
func importBlocks(t testing.TB, db *store.DB, g *synth.Generator, n int) {
	t.Helper()
	if _, err := db.Anchor(); errors.Is(err, store.ErrNoAnchor) {
		if err := db.SetAnchor(g.Anchor()); err != nil {
			t.Fatalf("set anchor: %v", err)
		}
	}
	for range n {
		b := g.Next()
		res, err := db.Commit(b)
		if err != nil {
			t.Fatalf("commit: %v", err)
		}
		if res.FinalityAdvanced {
			if _, err := db.Prune(); err != nil {
				t.Fatalf("prune: %v", err)
			}
		}
	}
}

func TestRoundTripEveryKind(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, store.Options{})
	g := synth.New(testConfig(1))
	anchor := g.Anchor()
	if err := db.SetAnchor(anchor); err != nil {
		t.Fatalf("set anchor: %v", err)
	}

	id, ok, err := db.Identity()
	if err != nil || !ok {
		t.Fatalf("identity: ok=%v err=%v", ok, err)
	}
	want := store.Identity{Network: synth.DefaultNetwork, GenesisValidatorsRoot: primitives.Root{0xaa, 0xbb}, GenesisTime: 1_700_000_000}
	if id != want {
		t.Fatalf("identity = %+v, want %+v", id, want)
	}
	a, err := db.Anchor()
	if err != nil {
		t.Fatal(err)
	}
	wantAnchor := store.Anchor{StateRoot: anchor.State.Root, BlockRoot: anchor.Block.Root}
	if a != wantAnchor {
		t.Fatalf("anchor = %+v, want %+v", a, wantAnchor)
	}
	if o, err := db.Origin(); err != nil || o != wantAnchor {
		t.Fatalf("origin = %+v, %v", o, err)
	}

	// Blocks with post-states, checkpoints, a head: commit and read back each.
	var batches []*store.Batch
	for range 5 * params.SlotsPerEpoch {
		b := g.Next()
		if _, err := db.Commit(b); err != nil {
			t.Fatalf("commit: %v", err)
		}
		batches = append(batches, b)
	}
	var states, justified, finalized int
	for _, b := range batches {
		got, err := db.Block(b.Block.Root)
		if err != nil || !bytes.Equal(got, b.Block.SSZ) {
			t.Fatalf("block %#x: equal=%v err=%v", b.Block.Root, bytes.Equal(got, b.Block.SSZ), err)
		}
		s, err := db.BlockSummary(b.Block.Root)
		if err != nil || s.Slot != b.Block.Slot || s.ParentRoot != b.Block.ParentRoot {
			t.Fatalf("summary %+v err=%v", s, err)
		}
		for _, st := range b.States {
			states++
			got, err := db.State(st.Root)
			if err != nil || !bytes.Equal(got, st.SSZ) {
				t.Fatalf("state %#x: equal=%v err=%v", st.Root, bytes.Equal(got, st.SSZ), err)
			}
			sum, err := db.StateSummary(st.Root)
			if err != nil || sum.Slot != st.Slot || sum.BlockRoot != st.BlockRoot {
				t.Fatalf("state summary %+v err=%v", sum, err)
			}
			latest, ssz, err := db.LatestStateOfBlock(st.BlockRoot, st.Slot)
			if err != nil || latest.Root != st.Root || !bytes.Equal(ssz, st.SSZ) {
				t.Fatalf("latest state of block %#x = %+v err=%v", st.BlockRoot, latest, err)
			}
		}
		if b.Justified != nil {
			justified++
			if c, err := db.Justified(); err != nil || c.Epoch < b.Justified.Epoch {
				t.Fatalf("justified = %+v err=%v", c, err)
			}
		}
		if b.Finalized != nil {
			finalized++
		}
	}
	if states == 0 || justified == 0 || finalized == 0 {
		t.Fatalf("generator emitted %d states, %d justified, %d finalized: too few to test", states, justified, finalized)
	}
	if c, err := db.Finalized(); err != nil || c != g.Finalized() {
		t.Fatalf("finalized = %+v err=%v, want %+v", c, err, g.Finalized())
	}
	h, err := db.Head()
	if err != nil || h != g.Head() {
		t.Fatalf("head = %+v err=%v, want %+v", h, err, g.Head())
	}

	// The canonical index is the head's ancestry, slot by slot.
	var chain []primitives.Root
	for root := h.Root; ; {
		s, err := db.BlockSummary(root)
		if err != nil {
			t.Fatalf("walk head ancestry: %v", err)
		}
		got, err := db.CanonicalRoot(s.Slot)
		if err != nil || got != root {
			t.Fatalf("canonical root at %d = %#x err=%v, want %#x", s.Slot, got, err, root)
		}
		chain = append(chain, root)
		if s.Slot == 0 {
			break
		}
		root = s.ParentRoot
	}
	blocks, err := db.CanonicalBlocks(0, uint64(h.Slot)+1, 1<<20)
	if err != nil || len(blocks) != len(chain) {
		t.Fatalf("canonical blocks: %d, want %d, err=%v", len(blocks), len(chain), err)
	}
	for i, b := range blocks {
		if b.Root != chain[len(chain)-1-i] {
			t.Fatalf("canonical block %d = %#x, want %#x", i, b.Root, chain[len(chain)-1-i])
		}
	}
	if limited, err := db.CanonicalBlocks(0, uint64(h.Slot)+1, 5); err != nil || len(limited) != 5 {
		t.Fatalf("limited canonical blocks: %d err=%v", len(limited), err)
	}

	if _, err := db.Block(primitives.Root{0x01}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing block: %v, want ErrNotFound", err)
	}
	if _, err := db.State(primitives.Root{0x01}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing state: %v, want ErrNotFound", err)
	}
}

func TestRestartResumesSameHead(t *testing.T) {
	dir := t.TempDir()
	g := synth.New(testConfig(2))
	db := openTest(t, dir, store.Options{ColdStateEpochs: 2})
	importBlocks(t, db, g, 7*params.SlotsPerEpoch+5)
	before, err := db.LoadChain()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openTest(t, dir, store.Options{ColdStateEpochs: 2})
	ch, err := db.LoadChain()
	if err != nil {
		t.Fatalf("load chain after restart: %v", err)
	}
	if ch.Head != g.Head() || ch.Finalized != g.Finalized() {
		t.Fatalf("after restart head %+v finalized %+v, want %+v %+v", ch.Head, ch.Finalized, g.Head(), g.Finalized())
	}
	if ch.Anchor != before.Anchor || len(ch.Blocks) != len(before.Blocks) {
		t.Fatalf("after restart anchor %+v with %d blocks, before %+v with %d", ch.Anchor, len(ch.Blocks), before.Anchor, len(before.Blocks))
	}
	if ch.Anchor.BlockRoot != ch.Finalized.Root || ch.Anchor.StateSlot != primitives.Slot(uint64(ch.Finalized.Epoch)*params.SlotsPerEpoch) {
		t.Fatalf("anchor %+v is not the finalized checkpoint %+v", ch.Anchor, ch.Finalized)
	}
	if synth.Root(ch.AnchorState) != ch.Anchor.StateRoot || synth.Root(ch.AnchorBlock) != ch.Anchor.BlockRoot {
		t.Fatal("anchor state or block bytes do not hash to their roots")
	}
	// Every block since the anchor is there, parents first, and the head is among them.
	seen := map[primitives.Root]bool{ch.Anchor.BlockRoot: true}
	headFound := false
	for _, b := range ch.Blocks {
		if !seen[b.ParentRoot] {
			t.Fatalf("block %#x at slot %d comes before its parent %#x", b.Root, b.Slot, b.ParentRoot)
		}
		if synth.Root(b.SSZ) != b.Root {
			t.Fatalf("block %#x bytes do not hash to its root", b.Root)
		}
		seen[b.Root] = true
		headFound = headFound || b.Root == ch.Head.Root
	}
	if !headFound {
		t.Fatalf("head %#x not among the %d loaded blocks", ch.Head.Root, len(ch.Blocks))
	}

	// The import resumes where it stopped.
	importBlocks(t, db, g, params.SlotsPerEpoch)
	if h, err := db.Head(); err != nil || h != g.Head() {
		t.Fatalf("head after resuming = %+v err=%v, want %+v", h, err, g.Head())
	}
}

func TestReorgMovesCanonicalIndex(t *testing.T) {
	db := openTest(t, t.TempDir(), store.Options{})
	g := synth.New(synth.Config{Seed: 3, StateSize: 512, GVR: primitives.Root{1}})
	if err := db.SetAnchor(g.Anchor()); err != nil {
		t.Fatal(err)
	}
	genesis := g.Anchor().Block
	// Two branches from genesis: a (slots 1, 2, 3) and b (slots 2, 4).
	mk := func(slot primitives.Slot, parent primitives.Root) store.BlockBlob {
		ssz := synthBlock(slot, parent)
		return store.BlockBlob{Root: synth.Root(ssz), Slot: slot, ParentRoot: parent, SSZ: ssz}
	}
	a1 := mk(1, genesis.Root)
	a2 := mk(2, a1.Root)
	a3 := mk(3, a2.Root)
	b2 := mk(2, genesis.Root)
	b4 := mk(4, b2.Root)
	for _, blk := range []store.BlockBlob{a1, a2, a3, b2, b4} {
		if _, err := db.Commit(&store.Batch{Block: &blk}); err != nil {
			t.Fatalf("commit block at %d: %v", blk.Slot, err)
		}
	}
	expect := func(head primitives.Root, want map[primitives.Slot]primitives.Root, reorged int) {
		t.Helper()
		res, err := db.Commit(&store.Batch{Head: &head})
		if err != nil {
			t.Fatalf("set head: %v", err)
		}
		if res.Reorged != reorged {
			t.Fatalf("reorged %d entries, want %d", res.Reorged, reorged)
		}
		for slot := primitives.Slot(0); slot <= 5; slot++ {
			got, err := db.CanonicalRoot(slot)
			w, ok := want[slot]
			switch {
			case ok && (err != nil || got != w):
				t.Fatalf("slot %d: %#x err=%v, want %#x", slot, got, err, w)
			case !ok && !errors.Is(err, store.ErrNotFound):
				t.Fatalf("slot %d: %#x err=%v, want empty", slot, got, err)
			}
		}
	}
	expect(a3.Root, map[primitives.Slot]primitives.Root{0: genesis.Root, 1: a1.Root, 2: a2.Root, 3: a3.Root}, 0)
	expect(b4.Root, map[primitives.Slot]primitives.Root{0: genesis.Root, 2: b2.Root, 4: b4.Root}, 3)
	expect(a2.Root, map[primitives.Slot]primitives.Root{0: genesis.Root, 1: a1.Root, 2: a2.Root}, 2)
}

// synthBlock is a minimal SignedBeaconBlock blob.
func synthBlock(slot primitives.Slot, parent primitives.Root) []byte {
	return synthBlockWithState(slot, parent, primitives.Root{})
}

func synthBlockWithState(slot primitives.Slot, parent, stateRoot primitives.Root) []byte {
	b := make([]byte, 184)
	b[0] = 100
	binary.LittleEndian.PutUint64(b[100:], uint64(slot))
	copy(b[116:], parent[:])
	copy(b[148:], stateRoot[:])
	b[180] = 84
	return b
}

// synthState is a minimal BeaconState blob: the post-state of the block at headerSlot with parent, at slot.
func synthState(slot, headerSlot primitives.Slot, parent primitives.Root) []byte {
	s := make([]byte, 176)
	binary.LittleEndian.PutUint64(s[40:], uint64(slot))
	copy(s[52:], synth.DefaultNetwork.FuluForkVersion[:])
	binary.LittleEndian.PutUint64(s[64:], uint64(headerSlot))
	copy(s[80:], parent[:])
	return s
}

func TestRejectsBadInput(t *testing.T) {
	db := openTest(t, t.TempDir(), store.Options{})
	g := synth.New(synth.Config{Seed: 4, StateSize: 512, GVR: primitives.Root{1}})
	genesis := g.Anchor()
	if _, err := db.Commit(&store.Batch{}); !errors.Is(err, store.ErrNoAnchor) {
		t.Fatalf("commit before anchor: %v, want ErrNoAnchor", err)
	}
	if err := db.SetAnchor(genesis); err != nil {
		t.Fatal(err)
	}
	if err := db.SetAnchor(genesis); !errors.Is(err, store.ErrAlreadyAnchored) {
		t.Fatalf("second anchor: %v, want ErrAlreadyAnchored", err)
	}
	good := synthBlock(1, genesis.Block.Root)
	unknown := primitives.Root{0xde, 0xad}
	cases := []struct {
		name  string
		batch store.Batch
		want  error
	}{
		{"truncated block", store.Batch{Block: &store.BlockBlob{Slot: 1, ParentRoot: genesis.Block.Root, SSZ: good[:50]}}, store.ErrMalformedSSZ},
		{"wrong slot", store.Batch{Block: &store.BlockBlob{Slot: 2, ParentRoot: genesis.Block.Root, SSZ: good}}, store.ErrMismatch},
		{"wrong parent", store.Batch{Block: &store.BlockBlob{Slot: 1, ParentRoot: unknown, SSZ: good}}, store.ErrMismatch},
		{"unknown parent", store.Batch{Block: &store.BlockBlob{Slot: 1, ParentRoot: unknown, SSZ: synthBlock(1, unknown)}}, store.ErrUnknownParent},
		{"not after finalized", store.Batch{Block: &store.BlockBlob{Slot: 0, ParentRoot: genesis.Block.Root, SSZ: synthBlock(0, genesis.Block.Root)}}, store.ErrConflictsWithFinality},
		{"unknown head", store.Batch{Head: &unknown}, store.ErrUnknownBlock},
		{"state of unknown block", store.Batch{States: []store.StateBlob{{Root: unknown, BlockRoot: unknown, SSZ: genesis.State.SSZ}}}, store.ErrUnknownBlock},
		{"state with wrong root", store.Batch{States: []store.StateBlob{{Root: unknown, BlockRoot: genesis.Block.Root, SSZ: genesis.State.SSZ}}}, store.ErrMismatch},
		{"finality on unknown block", store.Batch{Finalized: &store.Checkpoint{Epoch: 1, Root: unknown}}, store.ErrUnknownBlock},
		{"other root for finalized epoch", store.Batch{Finalized: &store.Checkpoint{Epoch: 0, Root: unknown}}, store.ErrConflictsWithFinality},
	}
	for _, c := range cases {
		if _, err := db.Commit(&c.batch); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// Nothing of the refused batches was written.
	if h, err := db.Head(); err != nil || h.Root != genesis.Block.Root {
		t.Fatalf("head after refused batches = %+v err=%v", h, err)
	}
	if ok, _ := db.HasBlock(synth.Root(good)); ok {
		t.Fatal("a refused block was stored")
	}

	// Finality needs the checkpoint's state: a block without one cannot be finalized, and the batch is void.
	b1 := store.BlockBlob{Root: synth.Root(good), Slot: 1, ParentRoot: genesis.Block.Root, SSZ: good}
	fin := store.Checkpoint{Epoch: 1, Root: b1.Root}
	if _, err := db.Commit(&store.Batch{Block: &b1, Head: &b1.Root, Finalized: &fin}); !errors.Is(err, store.ErrMissingFinalizedState) {
		t.Fatalf("finality without state: %v, want ErrMissingFinalizedState", err)
	}
	if ok, _ := db.HasBlock(b1.Root); ok {
		t.Fatal("the block of a refused batch was stored")
	}
	// A checkpoint may name a block before the epoch's start: the state stored for it counts.
	fin = store.Checkpoint{Epoch: 1, Root: genesis.Block.Root}
	if res, err := db.Commit(&store.Batch{Block: &b1, Head: &b1.Root, Finalized: &fin}); err != nil || !res.FinalityAdvanced {
		t.Fatalf("finalize genesis at epoch 1: %+v %v", res, err)
	}
	// Finality on a block of slot 2, stored with its post-state: the head can no longer go below it.
	post2 := synthState(2, 2, b1.Root)
	ssz2 := synthBlockWithState(2, b1.Root, synth.Root(post2))
	b2 := store.BlockBlob{Root: synth.Root(ssz2), Slot: 2, ParentRoot: b1.Root, SSZ: ssz2}
	fin = store.Checkpoint{Epoch: 2, Root: b2.Root}
	res, err := db.Commit(&store.Batch{Block: &b2, Head: &b2.Root, Finalized: &fin,
		States: []store.StateBlob{{Root: synth.Root(post2), BlockRoot: b2.Root, Slot: 2, SSZ: post2}}})
	if err != nil || !res.FinalityAdvanced {
		t.Fatalf("finalize block at slot 2: %+v %v", res, err)
	}
	if _, err := db.Commit(&store.Batch{Head: &b1.Root}); !errors.Is(err, store.ErrConflictsWithFinality) {
		t.Fatalf("head below the finalized block: %v, want ErrConflictsWithFinality", err)
	}
	if _, err := db.Commit(&store.Batch{Finalized: &store.Checkpoint{Epoch: 0, Root: genesis.Block.Root}}); !errors.Is(err, store.ErrCheckpointRegression) {
		t.Fatalf("finality regression: %v, want ErrCheckpointRegression", err)
	}
	if _, err := db.Commit(&store.Batch{Justified: &store.Checkpoint{Epoch: 0, Root: genesis.Block.Root}}); err != nil {
		t.Fatalf("same justified epoch: %v", err)
	}
}
