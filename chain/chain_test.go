package chain_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/blocksync"
	"github.com/salamander-client/salamander/chain"
	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// chainSlots is how far the tests' chain runs: past finality on the minimal preset; on mainnet, whose slots cost
// hundreds of signatures with 64 validators, just past the first epoch boundary.
func chainSlots(t *testing.T) primitives.Slot {
	if testing.Short() {
		t.Skip("runs a devnet for epochs")
	}
	if params.PresetName == "minimal" {
		return 6*params.SlotsPerEpoch + 1
	}
	return params.SlotsPerEpoch + 2
}

// TestChain runs one devnet and checks what this package rebuilds from its store against what the import made.
func TestChain(t *testing.T) {
	f := newFixture(t, 64)
	f.run(chainSlots(t))
	ctx := context.Background()

	t.Run("feed", func(t *testing.T) {
		var stored, participations int
		for _, root := range f.roots {
			p := f.prepared[root]
			stored += len(p.States)
			if part := p.Participation; part != nil {
				participations++
				if got := part.TargetPercent(); got < 99 {
					t.Errorf("epoch %d: target participation %.1f%%, want every validator", part.Epoch, got)
				}
			}
		}
		epochs := int(f.head.Slot / params.SlotsPerEpoch)
		if stored != epochs || participations != epochs {
			t.Errorf("%d states stored and %d epochs summarized, want one per epoch boundary crossed: %d", stored, participations, epochs)
		}
		if params.PresetName == "minimal" && f.head.FinalizedCheckpoint.Epoch < 3 {
			t.Errorf("finalized epoch %d at slot %d, want 3", f.head.FinalizedCheckpoint.Epoch, f.head.Slot)
		}
	})

	t.Run("states", func(t *testing.T) {
		states := chain.NewStates(helpers.NewEnv(f.env.Spec, helpers.NewCaches()), f.db.Reader, 2)
		for _, root := range f.roots {
			state, found, err := states.StateByBlockRoot(ctx, root)
			if err != nil || !found {
				t.Fatalf("state of block %#x: found %v, %v", root, found, err)
			}
			if got, want := state.HashTreeRoot(), f.posts[root].HashTreeRoot(); got != want {
				t.Fatalf("state of block %#x at slot %d: root %#x, want %#x", root, state.Slot, got, want)
			}
		}
		if _, found, err := states.StateByBlockRoot(ctx, primitives.Root{0xff}); found || err != nil {
			t.Errorf("state of an unknown block: found %v, %v; want not found", found, err)
		}
		anchor, err := f.db.Anchor()
		if err != nil {
			t.Fatal(err)
		}
		root, state, err := states.Anchor(ctx)
		if err != nil || root != anchor.BlockRoot || state.HashTreeRoot() != anchor.StateRoot {
			t.Errorf("anchor: %#x (%v), want block %#x with state %#x", root, err, anchor.BlockRoot, anchor.StateRoot)
		}
	})

	t.Run("local chain", func(t *testing.T) {
		local := chain.NewLocal(f.db.Reader, chain.NewStates(helpers.NewEnv(f.env.Spec, helpers.NewCaches()), f.db.Reader, 0), blocksync.NewInbox(0))
		root, state, err := local.Head(ctx)
		if err != nil || root != f.headRoot || state.HashTreeRoot() != f.head.HashTreeRoot() {
			t.Fatalf("head %#x (%v), want %#x and its post-state", root, err, f.headRoot)
		}
		safe, finalized, err := local.SafeAndFinalizedExecutionHashes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		payloadHash := func(get func() (store.Checkpoint, error)) primitives.Hash32 {
			cp, err := get()
			if err != nil {
				t.Fatal(err)
			}
			if post, ok := f.posts[cp.Root]; ok {
				return post.LatestExecutionPayloadHeader.BlockHash
			}
			return primitives.Hash32{} // the genesis block has no payload
		}
		if want := payloadHash(f.db.Justified); safe != want {
			t.Errorf("safe block hash %#x, want the justified block's payload %#x", safe, want)
		}
		if want := payloadHash(f.db.Finalized); finalized != want {
			t.Errorf("finalized block hash %#x, want the finalized block's payload %#x", finalized, want)
		}
	})

	t.Run("fork choice source", func(t *testing.T) {
		env := helpers.NewEnv(f.env.Spec, helpers.NewCaches())
		src := chain.NewForkChoiceSource(env, f.db.Reader, chain.NewStates(env, f.db.Reader, 0))
		loaded, err := src.LoadChain(ctx)
		if err != nil {
			t.Fatal(err)
		}
		anchor, err := f.db.Anchor()
		if err != nil {
			t.Fatal(err)
		}
		if loaded.Anchor.Root != anchor.BlockRoot {
			t.Fatalf("anchor %#x, want the store's %#x", loaded.Anchor.Root, anchor.BlockRoot)
		}
		var want []primitives.Root
		for _, root := range f.roots {
			if f.posts[root].Slot > anchor.BlockSlot {
				want = append(want, root)
			}
		}
		if len(loaded.Blocks) != len(want) {
			t.Fatalf("%d blocks after the anchor, want %d", len(loaded.Blocks), len(want))
		}
		for i, b := range loaded.Blocks {
			// The store's checkpoints start at its anchor's: it takes nothing of earlier ones.
			if got, wantInput := forkChoiceInput(b), forkChoiceInput(since(f.prepared[want[i]].OnBlock, loaded.Anchor.Checkpoint().Epoch)); got != wantInput {
				t.Errorf("block %d: replayed %s\nimported %s", i, got, wantInput)
			}
		}
	})

	t.Run("fork choice rebuilt from the store", func(t *testing.T) {
		env := helpers.NewEnv(f.env.Spec, helpers.NewCaches())
		now := time.Unix(fixtureGenesisTime+int64(uint64(f.head.Slot+1)*f.env.Spec.SecondsPerSlot), 0)
		cfg := forkchoice.Config{Spec: f.env.Spec, Chain: chain.NewForkChoiceSource(env, f.db.Reader, chain.NewStates(env, f.db.Reader, 0)),
			Availability: availableData{}, Now: func() time.Time { return now }}
		system := actor.NewActorSystem()
		pid := system.Root.Spawn(actors.NewProps("forkchoice", func() actor.Actor { return forkchoice.New(cfg) }))
		defer system.Root.Stop(pid)
		res, err := system.Root.RequestFuture(pid, &forkchoice.HeadRequest{}, time.Minute).Result()
		if err != nil {
			t.Fatal(err)
		}
		head := res.(*forkchoice.HeadResponse)
		if head.Err != nil || head.Root != f.headRoot {
			t.Fatalf("head %#x (%v), want %#x", head.Root, head.Err, f.headRoot)
		}
		// Before the first finalization the state's checkpoint names no block; fork choice's is its anchor.
		if want := *f.head.FinalizedCheckpoint; head.Finalized.Epoch != want.Epoch || (want.Epoch > 0 && head.Finalized != want) {
			t.Errorf("finalized %+v, want the head state's %+v", head.Finalized, *f.head.FinalizedCheckpoint)
		}
	})
}

// TestChainTransitionActor imports a stored chain again through the chain transition actor, as the blocksync
// actor does after a restart of everything: it loads the anchor and the parents' states from the store and must
// prepare what the first import prepared.
func TestChainTransitionActor(t *testing.T) {
	f := newFixture(t, 64)
	f.run(chainSlots(t))
	env := helpers.NewEnv(f.env.Spec, helpers.NewCaches())
	states := chain.NewStates(env, f.db.Reader, 0)
	cfg := transition.ChainConfig{Config: transition.Config{Spec: f.env.Spec, Engine: block.AcceptAllEngine{}, States: states}, Anchor: states}
	system := actor.NewActorSystem()
	pid := system.Root.Spawn(actors.NewProps("transition", transition.NewChain(cfg)))
	defer system.Root.Stop(pid)
	importBlock := func(encoded []byte) transition.ImportBlockResult {
		t.Helper()
		res, err := system.Root.RequestFuture(pid, &transition.ImportBlock{SSZ: encoded}, time.Minute).Result()
		if err != nil {
			t.Fatal(err)
		}
		return res.(transition.ImportBlockResult)
	}

	// From the finalized anchor on, as the blocksync actor of a node that restarted would.
	anchor, err := f.db.Anchor()
	if err != nil {
		t.Fatal(err)
	}
	anchorEpoch := helpers.ComputeEpochAtSlot(anchor.StateSlot)
	imported := 0
	for _, root := range f.roots {
		if f.posts[root].Slot <= anchor.BlockSlot {
			continue
		}
		encoded, err := f.db.Block(root)
		if err != nil {
			t.Fatal(err)
		}
		prepared, err := importBlock(encoded).Prepared()
		if err != nil {
			t.Fatalf("block %#x: %v", root, err)
		}
		want := f.prepared[root]
		if got, wantInput := forkChoiceInput(prepared.OnBlock), forkChoiceInput(since(want.OnBlock, anchorEpoch)); got != wantInput {
			t.Errorf("block %#x: prepared %s\nimported %s", root, got, wantInput)
		}
		if len(prepared.States) != len(want.States) || (len(want.States) == 1 && prepared.States[0].Root != want.States[0].Root) {
			t.Errorf("block %#x: %d states to store, want %d", root, len(prepared.States), len(want.States))
		}
		if (prepared.Participation == nil) != (want.Participation == nil) {
			t.Errorf("block %#x: participation %+v, want %+v", root, prepared.Participation, want.Participation)
		}
		imported++
	}
	if imported == 0 {
		t.Fatal("no block after the anchor")
	}

	if _, err := importBlock([]byte{1, 2, 3}).Prepared(); !errors.Is(err, transition.ErrMalformedBlock) {
		t.Errorf("malformed block: %v, want ErrMalformedBlock", err)
	}
	orphan := &types.SignedBeaconBlock{Message: &types.BeaconBlock{Slot: f.head.Slot + 1, ParentRoot: primitives.Root{0xab},
		Body: &types.BeaconBlockBody{}}}
	encoded, err := types.Marshal(orphan)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := importBlock(encoded).Prepared(); !errors.Is(err, transition.ErrUnknownParentState) {
		t.Errorf("block of an unknown parent: %v, want ErrUnknownParentState", err)
	}
}

// availableData is is_data_available for blocks without blobs.
type availableData struct{}

func (availableData) IsDataAvailable(primitives.Root, *types.BeaconBlock) error { return nil }
