package forkchoice

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

const deadline = 10 * time.Second

// memoryChain is a ChainSource over the blocks a test has "persisted": it stands in for the store, which keeps
// every block before fork choice sees it.
type memoryChain struct {
	mu    sync.Mutex
	chain Chain
}

func (m *memoryChain) LoadChain(context.Context) (*Chain, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.chain
	c.Blocks = slices.Clone(c.Blocks)
	return &c, nil
}

func (m *memoryChain) persist(b *OnBlock) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.chain.Blocks = append(m.chain.Blocks, b)
}

// testChain is a synthetic chain for the actor: an anchor and blocks with the post-state summaries and balances a
// transition would send, and attestations in the blocks.
type testChain struct {
	genesis  uint64
	anchor   *Anchor
	balances *Balances
	blocks   map[primitives.Root]*OnBlock
	slots    map[primitives.Root]primitives.Slot
}

func newTestChain(validators int) *testChain {
	anchor := &Anchor{Root: primitives.Root{0xaa}, GenesisTime: 1_600_000_000}
	b := &Balances{Checkpoint: anchor.Checkpoint(), Effective: make([]primitives.Gwei, validators)}
	for i := range b.Effective {
		b.Effective[i] = 32_000_000_000
		b.TotalActive += b.Effective[i]
	}
	return &testChain{genesis: anchor.GenesisTime, anchor: anchor, balances: b,
		blocks: map[primitives.Root]*OnBlock{}, slots: map[primitives.Root]primitives.Slot{anchor.Root: 0}}
}

// block makes the OnBlock of a block at slot on parent whose body carries votes of voters for voteFor.
func (c *testChain) block(t testing.TB, parent primitives.Root, slot primitives.Slot, salt uint64, voteFor primitives.Root, voters []primitives.ValidatorIndex) *OnBlock {
	t.Helper()
	blk := testBlock(slot, parent, salt)
	raw, err := types.Marshal(&types.SignedBeaconBlock{Message: blk})
	if err != nil {
		t.Fatal(err)
	}
	root := types.HashTreeRoot(blk)
	anchorCP := c.anchor.Checkpoint()
	msg := &OnBlock{Block: raw, Root: root, Execution: ExecutionValid, Balances: []*Balances{c.balances},
		PostState: PostState{Justified: anchorCP, Finalized: anchorCP, UnrealizedJustified: anchorCP, UnrealizedFinalized: anchorCP}}
	if len(voters) > 0 {
		voteSlot := c.slots[voteFor]
		msg.Attestations = []*types.IndexedAttestation{{AttestingIndices: voters, Data: &types.AttestationData{
			Slot: voteSlot, BeaconBlockRoot: voteFor, Source: &anchorCP, Target: &types.Checkpoint{Root: c.anchor.Root}}}}
	}
	c.blocks[root] = msg
	c.slots[root] = slot
	return msg
}

// forkingStream is a chain that grows on branch A, then sees branch B (forked off A's second block) win with more
// votes: a reorg of depth 3. It returns the messages and the head they lead to.
func forkingStream(t testing.TB, c *testChain) ([]any, primitives.Root) {
	voters := func(from, to int) (v []primitives.ValidatorIndex) {
		for i := from; i < to; i++ {
			v = append(v, primitives.ValidatorIndex(i))
		}
		return v
	}
	var msgs []any
	tick := func(slot primitives.Slot) { msgs = append(msgs, &Tick{Time: c.genesis + 12*uint64(slot)}) }
	a1 := c.block(t, c.anchor.Root, 1, 1, primitives.Root{}, nil)
	a2 := c.block(t, a1.Root, 2, 2, a1.Root, voters(0, 10))
	a3 := c.block(t, a2.Root, 3, 3, a2.Root, voters(10, 20))
	a4 := c.block(t, a3.Root, 4, 4, a3.Root, voters(20, 30))
	a5 := c.block(t, a4.Root, 5, 5, a4.Root, voters(30, 35))
	b3 := c.block(t, a2.Root, 3, 103, a2.Root, voters(35, 40))
	b4 := c.block(t, b3.Root, 4, 104, b3.Root, voters(40, 60))
	b5 := c.block(t, b4.Root, 5, 105, b4.Root, voters(60, 64))
	b6 := c.block(t, b5.Root, 6, 106, b5.Root, voters(10, 30)) // A's voters move to B
	for _, b := range []*OnBlock{a1, a2, a3, a4, a5, b3, b4, b5, b6} {
		tick(c.slots[b.Root] + 1)
		msgs = append(msgs, b)
	}
	return msgs, b6.Root
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestSystem(t *testing.T) *actor.ActorSystem {
	t.Helper()
	quiet := quietLogger()
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return quiet }))
	t.Cleanup(system.Shutdown)
	return system
}

func requestHead(t *testing.T, system *actor.ActorSystem, pid *actor.PID) *HeadResponse {
	t.Helper()
	res, err := system.Root.RequestFuture(pid, &HeadRequest{}, deadline).Result()
	if err != nil {
		t.Fatalf("head request: %v", err)
	}
	head, ok := res.(*HeadResponse)
	if !ok {
		t.Fatalf("head request answered %T", res)
	}
	return head
}

// runStream spawns a forkchoice actor over a fresh chain source, sends it msgs (persisting each block first, as
// the store does), with faults set before message faultAt, and returns its final head and the events it
// published.
func runStream(t *testing.T, c *testChain, msgs []any, faultAt int, fault actors.Fault) (*HeadResponse, []any) {
	t.Helper()
	system := newTestSystem(t)
	var mu sync.Mutex
	var events []any
	system.EventStream.Subscribe(func(evt any) {
		switch evt.(type) {
		case *HeadChanged, *Reorg, *Justified, *Finalized, *actor.SupervisorEvent:
			mu.Lock()
			events = append(events, evt)
			mu.Unlock()
		}
	})
	source := &memoryChain{chain: Chain{Anchor: c.anchor, AnchorBalances: c.balances}}
	cfg := Config{Spec: testSpec(t), Chain: source, Availability: alwaysAvailable{},
		Now: func() time.Time { return time.Unix(int64(c.genesis+12*20), 0) }}
	faults := actors.NewSeededFaultInjector(1)
	props := actors.NewProps("forkchoice", func() actor.Actor { return New(cfg) }, actors.WithFaults(faults),
		actors.WithLogger(quietLogger()))
	pid := system.Root.Spawn(props)
	if head := requestHead(t, system, pid); head.Err != nil || head.Root != c.anchor.Root {
		t.Fatalf("first head %#x (%v), want the anchor", head.Root, head.Err)
	}
	for i, m := range msgs {
		if i == faultAt {
			if err := faults.Set("forkchoice", fault); err != nil {
				t.Fatal(err)
			}
		}
		if b, ok := m.(*OnBlock); ok {
			source.persist(b)
		}
		system.Root.Send(pid, m)
	}
	head := requestHead(t, system, pid)
	mu.Lock()
	defer mu.Unlock()
	return head, slices.Clone(events)
}

func TestActorFollowsTheHeavierBranchAndReportsTheReorg(t *testing.T) {
	c := newTestChain(64)
	msgs, want := forkingStream(t, c)
	head, events := runStream(t, c, msgs, -1, actors.Fault{})
	if head.Err != nil || head.Root != want || head.Slot != 6 {
		t.Fatalf("head %#x at slot %d (%v), want %#x at slot 6", head.Root, head.Slot, head.Err, want)
	}
	var reorgs []*Reorg
	for _, e := range events {
		if r, ok := e.(*Reorg); ok {
			reorgs = append(reorgs, r)
		}
	}
	if len(reorgs) == 0 {
		t.Fatal("no Reorg event")
	}
	last := reorgs[len(reorgs)-1]
	if last.OldSlot != 5 || last.NewSlot != 4 || last.Depth != 3 || c.slots[last.CommonAncestor] != 2 {
		t.Errorf("reorg %+v, want from slot 5 to slot 4, depth 3 from the fork's parent at slot 2", last)
	}
}

// A forkchoice actor that panics on two messages in the middle of a stream restarts, rebuilds its store from the
// chain source and ends at the same head as an uninterrupted one.
func TestActorRestartsMidStreamAndReachesTheSameHead(t *testing.T) {
	c := newTestChain(64)
	msgs, want := forkingStream(t, c)
	clean, _ := runStream(t, c, msgs, -1, actors.Fault{})
	if clean.Err != nil || clean.Root != want {
		t.Fatalf("uninterrupted run: head %#x (%v), want %#x", clean.Root, clean.Err, want)
	}
	for _, at := range []int{3, len(msgs) / 2, len(msgs) - 2} {
		faulted, events := runStream(t, c, msgs, at, actors.Fault{PanicNext: 2})
		if faulted.Err != nil || faulted.Root != clean.Root || faulted.Slot != clean.Slot {
			t.Errorf("fault at message %d: head %#x (%v), want %#x", at, faulted.Root, faulted.Err, clean.Root)
		}
		failures := 0
		for _, e := range events {
			if se, ok := e.(*actor.SupervisorEvent); ok {
				var injected *actors.InjectedPanic
				if !errors.As(se.Reason.(error), &injected) {
					t.Errorf("fault at message %d: failed for %v", at, se.Reason)
				}
				failures++
			}
		}
		if failures != 2 {
			t.Errorf("fault at message %d: %d failures, want 2", at, failures)
		}
	}
}

func TestActorWithoutChainAnswersNoChain(t *testing.T) {
	system := newTestSystem(t)
	pid := system.Root.Spawn(actors.NewProps("forkchoice", NewActor, actors.WithLogger(quietLogger())))
	if head := requestHead(t, system, pid); !errors.Is(head.Err, ErrNoChain) {
		t.Fatalf("head without chain: %+v", head)
	}
	res, err := system.Root.RequestFuture(pid, &StatusRequest{}, deadline).Result()
	if err != nil || res.(*StatusResponse).Status.Ready {
		t.Fatalf("status: %v %v", res, err)
	}
}
