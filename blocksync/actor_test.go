package blocksync_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/blocksync"
	"github.com/salamander-client/salamander/checkpointsync"
	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/genesis"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// pipeline is the blocksync actor between the real store actor and fakes of the transition and forkchoice actors,
// which record what they are sent and fail on demand.
type pipeline struct {
	t       *testing.T
	system  *actor.ActorSystem
	sync    *actor.PID
	genesis primitives.Root

	reader *store.Reader
	cfg    blocksync.Config

	mu sync.Mutex
	// transitionFailures: how many ImportBlock requests of a root are answered with ErrActorStopped first.
	transitionFailures map[primitives.Root]int
	// forkChoice holds the roots fork choice has, in order; unknownParent makes OnBlock of a root fail once with
	// ErrUnknownBlock unless its parent is in it.
	forkChoice []primitives.Root
	// execution is the Execution each OnBlock came with, by root.
	execution map[primitives.Root]forkchoice.ExecutionStatus
}

func newPipeline(t *testing.T) *pipeline { return newPipelineWith(t, blocksync.Config{}) }

// newPipelineWith runs the blocksync actor with cfg, its Reader and RequestTimeout set by the pipeline.
func newPipelineWith(t *testing.T, cfg blocksync.Config) *pipeline {
	t.Helper()
	spec, err := params.NewSpec(params.DevnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	env := helpers.NewEnv(spec, helpers.NewCaches())
	state, err := genesis.InteropState(env, genesis.Options{GenesisTime: 1_700_000_000, ValidatorCount: 4})
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := types.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	anchor, err := checkpointsync.Genesis(encoded, checkpointsync.Options{Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	opts := store.Options{Network: store.NetworkOf(spec), NoSync: true}
	db, err := store.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetAnchor(anchor.Input()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	p := &pipeline{t: t, system: actor.NewActorSystem(), genesis: anchor.Block.Root,
		transitionFailures: map[primitives.Root]int{}, forkChoice: []primitives.Root{anchor.Block.Root},
		execution: map[primitives.Root]forkchoice.ExecutionStatus{}}
	reader := store.NewReader()
	opts.Reader = reader
	spawn := func(name string, producer actor.Producer) *actor.PID {
		pid, err := p.system.Root.SpawnNamed(actors.NewProps(name, producer), "node/"+name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.system.Root.StopFuture(pid).Wait() })
		return pid
	}
	spawn("store", func() actor.Actor { return store.NewActor(store.Config{DataDir: dir, Options: opts}) })
	spawn("transition", func() actor.Actor { return &fakeTransition{p: p} })
	spawn("forkchoice", func() actor.Actor { return &fakeForkChoice{p: p} })
	p.reader = reader
	cfg.Reader, cfg.RequestTimeout = reader, 5*time.Second
	p.cfg = cfg
	p.sync = spawn("blocksync", blocksync.New(cfg))
	return p
}

// restartSync stops the blocksync actor and starts a new one, as its supervisor would.
func (p *pipeline) restartSync() {
	p.t.Helper()
	if err := p.system.Root.StopFuture(p.sync).Wait(); err != nil {
		p.t.Fatal(err)
	}
	pid, err := p.system.Root.SpawnNamed(actors.NewProps("blocksync", blocksync.New(p.cfg)), "node/blocksync")
	if err != nil {
		p.t.Fatal(err)
	}
	p.sync = pid
	p.t.Cleanup(func() { _ = p.system.Root.StopFuture(pid).Wait() })
}

// block is a synthetic block: the store checks slots and parents, the fakes nothing.
func block(t *testing.T, slot primitives.Slot, parent primitives.Root) ([]byte, primitives.Root) {
	t.Helper()
	b := &types.BeaconBlock{Slot: slot, ParentRoot: parent, Body: &types.BeaconBlockBody{}}
	encoded, err := types.Marshal(&types.SignedBeaconBlock{Message: b})
	if err != nil {
		t.Fatal(err)
	}
	return encoded, types.HashTreeRoot(b)
}

// importAsync sends a block and returns the future of its *ImportResult.
func (p *pipeline) importAsync(encoded []byte) *actor.Future {
	return p.system.Root.RequestFuture(p.sync, &blocksync.ImportBlock{SSZ: encoded}, 20*time.Second)
}

func (p *pipeline) result(f *actor.Future) *blocksync.ImportResult {
	p.t.Helper()
	res, err := f.Result()
	if err != nil {
		p.t.Fatal(err)
	}
	return res.(*blocksync.ImportResult)
}

func (p *pipeline) inForkChoice() []primitives.Root {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]primitives.Root(nil), p.forkChoice...)
}

type fakeTransition struct{ p *pipeline }

func (a *fakeTransition) Receive(ctx actor.Context) {
	msg, ok := ctx.Message().(*transition.ImportBlock)
	if !ok {
		return
	}
	signed := new(types.SignedBeaconBlock)
	if err := types.Unmarshal(msg.SSZ, signed); err != nil {
		ctx.Respond(&transition.BlockRejected{Err: err})
		return
	}
	b := signed.Message
	root := primitives.Root(types.HashTreeRoot(b))
	a.p.mu.Lock()
	fail := a.p.transitionFailures[root] > 0
	if fail {
		a.p.transitionFailures[root]--
	}
	a.p.mu.Unlock()
	if fail {
		ctx.Respond(&transition.BlockRejected{BlockRoot: root, Slot: b.Slot, Err: transition.ErrActorStopped})
		return
	}
	ctx.Respond(&transition.BlockPrepared{
		Applied: &transition.BlockApplied{BlockRoot: root, ParentRoot: b.ParentRoot, Slot: b.Slot},
		OnBlock: &forkchoice.OnBlock{Block: msg.SSZ, Root: root, Execution: forkchoice.ExecutionValid},
	})
}

type fakeForkChoice struct{ p *pipeline }

func (a *fakeForkChoice) Receive(ctx actor.Context) {
	p := a.p
	switch msg := ctx.Message().(type) {
	case *forkchoice.OnBlock:
		signed := new(types.SignedBeaconBlock)
		if err := types.Unmarshal(msg.Block, signed); err != nil {
			ctx.Respond(&forkchoice.BlockImported{Root: msg.Root, Err: err})
			return
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if !containsRoot(p.forkChoice, signed.Message.ParentRoot) {
			ctx.Respond(&forkchoice.BlockImported{Root: msg.Root, Err: forkchoice.ErrUnknownBlock})
			return
		}
		if !containsRoot(p.forkChoice, msg.Root) {
			p.forkChoice = append(p.forkChoice, msg.Root)
		}
		p.execution[msg.Root] = msg.Execution
		ctx.Respond(&forkchoice.BlockImported{Root: msg.Root, Head: msg.Root})
	case *forkchoice.HeadRequest:
		p.mu.Lock()
		head := p.forkChoice[len(p.forkChoice)-1]
		p.mu.Unlock()
		ctx.Respond(&forkchoice.HeadResponse{Root: head})
	}
}

func containsRoot(roots []primitives.Root, r primitives.Root) bool {
	for _, x := range roots {
		if x == r {
			return true
		}
	}
	return false
}

func TestImportWaitsForTheParentAndRetries(t *testing.T) {
	p := newPipeline(t)
	one, root1 := block(t, 1, p.genesis)
	two, root2 := block(t, 2, root1)
	p.transitionFailures[root1] = 2 // the transition actor "restarts" twice under block 1

	// The child first: it waits for its parent, then both are imported in order.
	child := p.importAsync(two)
	time.Sleep(100 * time.Millisecond)
	parent := p.importAsync(one)
	if res := p.result(parent); res.Err != nil || res.Root != root1 {
		t.Fatalf("block 1: %+v", res)
	}
	if res := p.result(child); res.Err != nil || res.Root != root2 {
		t.Fatalf("block 2: %+v", res)
	}
	if got := p.inForkChoice(); len(got) != 3 || got[1] != root1 || got[2] != root2 {
		t.Fatalf("fork choice got %x, want genesis, block 1, block 2", got)
	}
}

func TestImportRecoversABlockForkChoiceMissed(t *testing.T) {
	p := newPipeline(t)
	one, root1 := block(t, 1, p.genesis)
	two, root2 := block(t, 2, root1)
	// Block 1 reaches the store but not fork choice (a restart between the two): remove it from the fake after.
	if res := p.result(p.importAsync(one)); res.Err != nil {
		t.Fatal(res.Err)
	}
	p.mu.Lock()
	p.forkChoice = p.forkChoice[:1]
	p.mu.Unlock()

	if res := p.result(p.importAsync(two)); res.Err != nil || res.Root != root2 {
		t.Fatalf("block 2: %+v", res)
	}
	if got := p.inForkChoice(); len(got) != 3 || got[1] != root1 || got[2] != root2 {
		t.Fatalf("fork choice got %x, want block 1 imported again before block 2", got)
	}
}

func TestRestartImportsStoredBlocksForkChoiceMissed(t *testing.T) {
	p := newPipeline(t)
	one, root1 := block(t, 1, p.genesis)
	// Block 1 reached the store, without a head update, but not fork choice: the incarnation that imported it
	// failed in between.
	put := &store.PutBlock{Root: root1, Slot: 1, ParentRoot: p.genesis, SSZ: one}
	res, err := p.system.Root.RequestFuture(actor.NewPID(p.system.Address(), "node/store"), put, 5*time.Second).Result()
	if err != nil || res.(*store.BlockPut).Err != nil {
		t.Fatalf("put block 1: %v %+v", err, res)
	}
	p.restartSync()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got := p.inForkChoice(); len(got) == 2 && got[1] == root1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fork choice has %x, want block 1 imported again by the new incarnation", p.inForkChoice())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for time.Now().Before(deadline) {
		if head, err := p.reader.Head(); err == nil && head.Root == root1 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the store's head did not follow fork choice's to block 1")
}

func TestImportRefusesMalformedAndInvalidBlocks(t *testing.T) {
	p := newPipeline(t)
	if res := p.result(p.importAsync([]byte{1, 2, 3})); !errors.Is(res.Err, transition.ErrMalformedBlock) {
		t.Errorf("malformed block: %v, want ErrMalformedBlock", res.Err)
	}
	// A block at the genesis slot conflicts with finality: the store refuses it.
	zero, _ := block(t, 0, p.genesis)
	if res := p.result(p.importAsync(zero)); !errors.Is(res.Err, store.ErrConflictsWithFinality) {
		t.Errorf("block at slot 0: %v, want ErrConflictsWithFinality", res.Err)
	}
}

func TestInboxGivesUpWhenNobodyDrainsIt(t *testing.T) {
	in := blocksync.NewInbox(1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := in.ImportBlock(ctx, []byte{1}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("import with nobody draining the inbox: %v, want the context's deadline", err)
	}
	if err := in.OnAttestation([]byte{1}); !errors.Is(err, blocksync.ErrInboxFull) {
		t.Errorf("attestation into a full inbox: %v, want ErrInboxFull", err)
	}
}
