package chain_test

import (
	"context"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/chain"
	"github.com/salamander-client/salamander/checkpointsync"
	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// TestChainFromAdvancedAnchor starts the node's chain machinery from what checkpoint sync usually anchors on: the
// state at an epoch's first slot, advanced through empty slots past its latest block. It imports the original
// chain's later blocks on top, through the transition actor and the forkchoice actor as the node does, restarts
// both from the store midway, and checks that the states, the head and the checkpoints are the original chain's.
func TestChainFromAdvancedAnchor(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet for epochs")
	}
	// On the minimal preset the chain finalizes past the anchor; on mainnet (slots cost more) it justifies past it.
	anchorEpoch, last := primitives.Epoch(2), 6*params.SlotsPerEpoch+1
	if params.PresetName != "minimal" {
		anchorEpoch, last = 1, 3*params.SlotsPerEpoch+2
	}
	boundary := helpers.ComputeStartSlotAtEpoch(anchorEpoch)
	f := newFixture(t, 64)
	f.empty = map[primitives.Slot]bool{boundary - 2: true, boundary - 1: true, boundary: true}
	f.run(primitives.Slot(last))
	ctx := context.Background()

	// The checkpoint: the last block before the boundary and its post-state advanced to the boundary.
	var anchorRoot primitives.Root
	var after []primitives.Root
	for _, root := range f.roots {
		if f.posts[root].Slot < boundary {
			anchorRoot = root
		} else {
			after = append(after, root)
		}
	}
	anchorState := helpers.CopyState(f.posts[anchorRoot])
	if err := epoch.ProcessSlots(helpers.NewEnv(f.env.Spec, helpers.NewCaches()), anchorState, boundary); err != nil {
		t.Fatal(err)
	}
	stateSSZ, err := types.Marshal(anchorState)
	if err != nil {
		t.Fatal(err)
	}
	blockSSZ, err := f.db.Block(anchorRoot)
	if err != nil {
		t.Fatal(err)
	}
	checkpoint, err := checkpointsync.Verify(stateSSZ, blockSSZ, checkpointsync.Options{Spec: f.env.Spec})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(t.TempDir(), store.Options{Network: store.NetworkOf(f.env.Spec), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if err := db.SetAnchor(checkpoint.Input()); err != nil {
		t.Fatal(err)
	}
	if a, err := db.Anchor(); err != nil || a.StateSlot != boundary || a.BlockSlot >= boundary {
		t.Fatalf("anchor %+v (%v), want a state at slot %d past its block", a, err, boundary)
	}

	env := helpers.NewEnv(f.env.Spec, helpers.NewCaches())
	t.Run("states", func(t *testing.T) {
		root, state, err := chain.NewStates(env, db.Reader, 0).Anchor(ctx)
		if err != nil || root != anchorRoot || state.HashTreeRoot() != checkpoint.State.Root {
			t.Fatalf("anchor %#x (%v), want block %#x with the checkpoint state %#x", root, err, anchorRoot, checkpoint.State.Root)
		}
	})

	now := time.Unix(fixtureGenesisTime+int64(uint64(last+1)*f.env.Spec.SecondsPerSlot), 0)
	system := actor.NewActorSystem()
	var transitionPID, forkChoicePID *actor.PID
	// start spawns the transition and forkchoice actors from the store, as the node does at every start.
	start := func() {
		t.Helper()
		if transitionPID != nil {
			_ = system.Root.StopFuture(transitionPID).Wait()
			_ = system.Root.StopFuture(forkChoicePID).Wait()
		}
		states := chain.NewStates(env, db.Reader, 0)
		transitionPID = system.Root.Spawn(actors.NewProps("transition", transition.NewChain(transition.ChainConfig{
			Config: transition.Config{Spec: f.env.Spec, Engine: block.AcceptAllEngine{}, States: states}, Anchor: states})))
		cfg := forkchoice.Config{Spec: f.env.Spec, Chain: chain.NewForkChoiceSource(env, db.Reader, chain.NewStates(env, db.Reader, 0)),
			Availability: availableData{}, Now: func() time.Time { return now }}
		forkChoicePID = system.Root.Spawn(actors.NewProps("forkchoice", func() actor.Actor { return forkchoice.New(cfg) }))
	}
	request := func(pid *actor.PID, msg any) any {
		t.Helper()
		res, err := system.Root.RequestFuture(pid, msg, time.Minute).Result()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	head := func() *forkchoice.HeadResponse {
		t.Helper()
		h := request(forkChoicePID, &forkchoice.HeadRequest{}).(*forkchoice.HeadResponse)
		if h.Err != nil {
			t.Fatalf("head: %v", h.Err)
		}
		return h
	}
	start()
	defer func() {
		system.Root.Stop(transitionPID)
		system.Root.Stop(forkChoicePID)
	}()
	if h := head(); h.Root != anchorRoot || h.Justified != (types.Checkpoint{Epoch: anchorEpoch, Root: anchorRoot}) || h.Finalized != h.Justified {
		t.Fatalf("head %#x, justified %+v, finalized %+v; want the anchor block and its checkpoint at epoch %d",
			h.Root, h.Justified, h.Finalized, anchorEpoch)
	}

	restartAt := helpers.ComputeStartSlotAtEpoch(anchorEpoch + 1)
	restarted := false
	for i, root := range after {
		blk := f.posts[root]
		if !restarted && blk.Slot > restartAt {
			// Before finality moves the anchor: both actors rebuild from the advanced anchor and the blocks since.
			restarted = true
			start()
			if h := head(); h.Root != after[i-1] {
				t.Fatalf("after a restart: head %#x, want %#x", h.Root, after[i-1])
			}
		}
		encoded, err := f.db.Block(root)
		if err != nil {
			t.Fatal(err)
		}
		prepared, err := request(transitionPID, &transition.ImportBlock{SSZ: encoded}).(transition.ImportBlockResult).Prepared()
		if err != nil {
			t.Fatalf("block %#x at slot %d: %v", root, blk.Slot, err)
		}
		want := f.prepared[root]
		if got, wantInput := forkChoiceInput(prepared.OnBlock), forkChoiceInput(since(want.OnBlock, anchorEpoch)); got != wantInput {
			t.Errorf("block at slot %d: prepared %s\nimported %s", blk.Slot, got, wantInput)
		}
		if i > 0 && (len(prepared.States) != len(want.States) || (len(want.States) == 1 && prepared.States[0].Root != want.States[0].Root)) {
			t.Errorf("block at slot %d: %d states to store, want %d", blk.Slot, len(prepared.States), len(want.States))
		}
		imported := request(forkChoicePID, prepared.OnBlock).(*forkchoice.BlockImported)
		if imported.Err != nil {
			t.Fatalf("fork choice: block at slot %d: %v", blk.Slot, imported.Err)
		}
		h := head()
		batch := &store.Batch{Block: &store.BlockBlob{Root: root, Slot: blk.Slot, ParentRoot: prepared.Applied.ParentRoot, SSZ: encoded},
			States: prepared.States, Head: &h.Root}
		if have, err := db.Justified(); err == nil && h.Justified.Epoch > have.Epoch {
			batch.Justified = &store.Checkpoint{Epoch: h.Justified.Epoch, Root: h.Justified.Root}
		}
		if have, err := db.Finalized(); err == nil && h.Finalized.Epoch > have.Epoch {
			batch.Finalized = &store.Checkpoint{Epoch: h.Finalized.Epoch, Root: h.Finalized.Root}
		}
		res, err := db.Commit(batch)
		if err != nil {
			t.Fatalf("commit block at slot %d: %v", blk.Slot, err)
		}
		if res.FinalityAdvanced {
			if _, err := db.Prune(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !restarted {
		t.Fatal("the chain ends before the restart")
	}

	h := head()
	if h.Root != f.headRoot {
		t.Fatalf("head %#x, want the original chain's %#x", h.Root, f.headRoot)
	}
	if want := *f.head.CurrentJustifiedCheckpoint; h.Justified != want || want.Epoch <= anchorEpoch {
		t.Errorf("justified %+v, want the original head's %+v, past the anchor's epoch %d", h.Justified, want, anchorEpoch)
	}
	if want := *f.head.FinalizedCheckpoint; want.Epoch >= anchorEpoch && h.Finalized != want {
		t.Errorf("finalized %+v, want the original head's %+v", h.Finalized, want)
	}
	if params.PresetName == "minimal" && h.Finalized.Epoch <= anchorEpoch {
		t.Errorf("finalized epoch %d, want past the anchor's %d", h.Finalized.Epoch, anchorEpoch)
	}
	// A fresh States replays the head's state from what the store kept since the anchor.
	state, found, err := chain.NewStates(env, db.Reader, 0).StateByBlockRoot(ctx, f.headRoot)
	if err != nil || !found {
		t.Fatalf("state of the head: found %v, %v", found, err)
	}
	if got, want := state.HashTreeRoot(), f.head.HashTreeRoot(); got != want {
		t.Errorf("state of the head: root %#x, want the original chain's %#x", got, want)
	}
}

// since is what of b a store anchored at epoch anchorEpoch takes: the balances of the checkpoints and the
// attestations of the targets from that epoch on.
func since(b *forkchoice.OnBlock, anchorEpoch primitives.Epoch) *forkchoice.OnBlock {
	out := *b
	out.Balances, out.Attestations = nil, nil
	for _, x := range b.Balances {
		if x.Checkpoint.Epoch >= anchorEpoch {
			out.Balances = append(out.Balances, x)
		}
	}
	for _, a := range b.Attestations {
		if a.Data.Target.Epoch >= anchorEpoch {
			out.Attestations = append(out.Attestations, a)
		}
	}
	return &out
}
