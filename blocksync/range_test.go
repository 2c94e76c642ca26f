package blocksync_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/blocksync"
	"github.com/salamander-client/salamander/clock"
	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/peers"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/reqresp"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

// fakePeers stands for the peers actor: one peer that holds a chain of synthetic blocks, answers status, range and
// root requests from it, and misbehaves on demand.
type fakePeers struct {
	mu     sync.Mutex
	blocks []reqresp.Block // in slot order
	// garbage: how many range requests are answered with garbage first.
	garbage int
	// ranges and roots record the requests.
	ranges []peers.BlocksByRangeRequest
	roots  []primitives.Root
	// reports counts the ReportPeer messages about the fake peer.
	reports int
}

// extend adds blocks at the given slots, each the child of the one before (the first of parent).
func (f *fakePeers) extend(t *testing.T, parent primitives.Root, slots ...primitives.Slot) []primitives.Root {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var roots []primitives.Root
	for _, s := range slots {
		encoded, root := block(t, s, parent)
		f.blocks = append(f.blocks, reqresp.Block{Slot: s, Root: root, SSZ: encoded})
		roots = append(roots, root)
		parent = root
	}
	return roots
}

func (f *fakePeers) head() primitives.Slot {
	if len(f.blocks) == 0 {
		return 0
	}
	return f.blocks[len(f.blocks)-1].Slot
}

func (f *fakePeers) Receive(ctx actor.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch msg := ctx.Message().(type) {
	case *peers.StatusRequest:
		ctx.Respond(&peers.StatusResponse{Status: peers.Status{Peers: []peers.PeerInfo{
			{ID: "fake", Handshaked: true, Status: types.Status{HeadSlot: f.head()}}}}})
	case *peers.BlocksByRangeRequest:
		f.ranges = append(f.ranges, *msg)
		var out []reqresp.Block
		end := msg.Start + primitives.Slot(msg.Count)
		for _, b := range f.blocks {
			if b.Slot >= msg.Start && b.Slot < end {
				out = append(out, b)
			}
		}
		if f.garbage > 0 {
			f.garbage--
			if f.garbage%2 == 0 {
				out = []reqresp.Block{{Slot: msg.Start, SSZ: []byte{1, 2, 3}}} // undecodable
			} else if len(out) > 1 {
				out[0], out[1] = out[1], out[0] // out of order
			} else {
				out = append(out, f.blocks[len(f.blocks)-1], f.blocks[0]) // outside the range
			}
		}
		ctx.Respond(&peers.BlocksResponse{Blocks: out, Peer: "fake"})
	case *peers.ReportPeer:
		if msg.Peer == "fake" && msg.Reason != nil {
			f.reports++
		}
	case *peers.BlocksByRootRequest:
		f.roots = append(f.roots, msg.Roots...)
		var out []reqresp.Block
		for _, b := range f.blocks {
			for _, r := range msg.Roots {
				if b.Root == r {
					out = append(out, b)
				}
			}
		}
		ctx.Respond(&peers.BlocksResponse{Blocks: out, Peer: "fake"})
	}
}

// withPeers spawns f where the blocksync actor looks for the peers actor.
func (p *pipeline) withPeers(f *fakePeers) {
	p.t.Helper()
	pid, err := p.system.Root.SpawnNamed(actors.NewProps("peers", func() actor.Actor { return f }), "node/network/peers")
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { _ = p.system.Root.StopFuture(pid).Wait() })
}

// slot announces a slot as the clock would, once the blocksync actor has started (and subscribed).
func (p *pipeline) slot(s primitives.Slot) {
	p.t.Helper()
	if _, err := p.system.Root.RequestFuture(p.sync, &blocksync.StatusRequest{}, 5*time.Second).Result(); err != nil {
		p.t.Fatal(err)
	}
	p.system.EventStream.Publish(&clock.SlotStarted{Slot: s})
}

// waitHead waits until the store's head is root.
func (p *pipeline) waitHead(root primitives.Root, within time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for {
		head, err := p.reader.Head()
		if err == nil && head.Root == root {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("store head %+v (%v), want %#x", head, err, root)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// gappySlots are the slots 1..n but every seventh, which has no block.
func gappySlots(n primitives.Slot) []primitives.Slot {
	var slots []primitives.Slot
	for s := primitives.Slot(1); s <= n; s++ {
		if s%7 != 3 {
			slots = append(slots, s)
		}
	}
	return slots
}

func TestRangeSyncCatchesUpInBatches(t *testing.T) {
	p := newPipelineWith(t, blocksync.Config{RangeSync: true, Optimistic: true, BatchSlots: 16})
	f := &fakePeers{}
	p.withPeers(f)
	roots := f.extend(t, p.genesis, gappySlots(150)...)
	// A run of empty slots longer than a batch, then more blocks.
	roots = append(roots, f.extend(t, roots[len(roots)-1], 190, 191)...)

	start := time.Now()
	p.slot(200)
	p.waitHead(roots[len(roots)-1], 30*time.Second)
	t.Logf("Synced %d blocks in %s", len(roots), time.Since(start).Round(time.Millisecond))

	got := p.inForkChoice()[1:]
	if len(got) != len(roots) {
		t.Fatalf("fork choice has %d blocks, want %d", len(got), len(roots))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, r := range roots {
		if got[i] != r {
			t.Fatalf("fork choice block %d is %#x, want %#x: not imported in order", i, got[i], r)
		}
		if e := p.execution[r]; e != forkchoice.ExecutionOptimistic {
			t.Fatalf("block %d imported as %v, want optimistic", i, e)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.ranges); n < 12 {
		t.Errorf("%d range requests for 191 slots in batches of 16, want at least 12", n)
	}
	for _, r := range f.ranges {
		if r.Count == 0 || r.Count > 16 {
			t.Errorf("range request %+v, want 1 to 16 slots", r)
		}
	}
}

func TestRangeSyncRetriesAfterGarbage(t *testing.T) {
	p := newPipelineWith(t, blocksync.Config{RangeSync: true, BatchSlots: 32})
	f := &fakePeers{garbage: 3}
	p.withPeers(f)
	roots := f.extend(t, p.genesis, gappySlots(60)...)
	p.slot(64)
	p.waitHead(roots[len(roots)-1], 30*time.Second)

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.garbage != 0 {
		t.Errorf("%d garbage responses left unserved", f.garbage)
	}
	if f.reports != 3 {
		t.Errorf("the peer was reported %d times, want once for each of its 3 garbage responses", f.reports)
	}
	// The garbage was refused as a batch: the three first requests were for the same range.
	if len(f.ranges) < 4 || f.ranges[0] != f.ranges[1] || f.ranges[1] != f.ranges[2] {
		t.Errorf("range requests %+v, want the first range asked three times", f.ranges)
	}
	if got := p.inForkChoice(); len(got) != len(roots)+1 {
		t.Errorf("fork choice has %d blocks, want %d: garbage got in", len(got), len(roots)+1)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := p.execution[roots[0]]; e != forkchoice.ExecutionValid {
		t.Errorf("block imported as %v without Optimistic, want the transition's valid", e)
	}
}

func TestRangeSyncResumesFromTheStoreHeadAfterARestart(t *testing.T) {
	p := newPipelineWith(t, blocksync.Config{RangeSync: true, BatchSlots: 8})
	f := &fakePeers{}
	p.withPeers(f)
	// The peers have the chain up to slot 20 when blocksync restarts mid-sync, the rest after.
	slots := gappySlots(40)
	roots := f.extend(t, p.genesis, slots[:17]...)
	p.slot(41)
	p.waitHead(roots[len(roots)-1], 30*time.Second)
	p.restartSync()
	head, err := p.reader.Head()
	if err != nil {
		t.Fatal(err)
	}
	roots = append(roots, f.extend(t, roots[len(roots)-1], slots[17:]...)...)
	f.mu.Lock()
	asked := len(f.ranges)
	f.mu.Unlock()

	p.slot(42)
	p.waitHead(roots[len(roots)-1], 30*time.Second)
	f.mu.Lock()
	defer f.mu.Unlock()
	if first := f.ranges[asked]; first.Start != head.Slot+1 {
		t.Errorf("first request after the restart starts at %d, want the store head's next slot %d", first.Start, head.Slot+1)
	}
	if got := p.inForkChoice(); len(got) != len(roots)+1 {
		t.Errorf("fork choice has %d blocks, want %d", len(got), len(roots)+1)
	}
}

func TestRangeSyncFollowsTheHeadEverySlot(t *testing.T) {
	p := newPipelineWith(t, blocksync.Config{RangeSync: true, FollowDelay: 100 * time.Millisecond})
	f := &fakePeers{}
	p.withPeers(f)
	roots := f.extend(t, p.genesis, 1, 2, 3)
	p.slot(3)
	p.waitHead(roots[2], 10*time.Second)

	// Slot 4 starts before its block is published; the ask FollowDelay later finds it.
	p.slot(4)
	time.Sleep(20 * time.Millisecond)
	next := f.extend(t, roots[2], 4)
	p.waitHead(next[0], 10*time.Second)
	// Slot 5 is empty and slot 6's block comes on time.
	p.slot(5)
	six := f.extend(t, next[0], 6)
	p.slot(6)
	p.waitHead(six[0], 10*time.Second)
}

func TestPendingBlockFetchesItsParentsByRoot(t *testing.T) {
	p := newPipelineWith(t, blocksync.Config{RangeSync: true})
	f := &fakePeers{}
	p.withPeers(f)
	roots := f.extend(t, p.genesis, 1, 2, 3)
	// No slot announced: range sync does not run; block 4 comes alone, its ancestors are fetched by root.
	four, root4 := block(t, 4, roots[2])
	if res := p.result(p.importAsync(four)); res.Err != nil || res.Root != root4 {
		t.Fatalf("block 4: %+v", res)
	}
	if got := p.inForkChoice(); len(got) != 5 || got[1] != roots[0] || got[4] != root4 {
		t.Fatalf("fork choice has %x, want genesis, 1, 2, 3, 4", got)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.roots) != 3 || len(f.ranges) != 0 {
		t.Errorf("asked for roots %x and ranges %+v, want the three ancestors by root", f.roots, f.ranges)
	}
}

func TestPendingBlockWithAnUnknownAncestryIsNotFetchedForever(t *testing.T) {
	p := newPipelineWith(t, blocksync.Config{RangeSync: true, MaxPending: 4})
	f := &fakePeers{}
	p.withPeers(f)
	orphan, _ := block(t, 5, primitives.Root{9})
	fut := p.importAsync(orphan)
	time.Sleep(200 * time.Millisecond)
	f.mu.Lock()
	asked := len(f.roots)
	f.mu.Unlock()
	if asked != 1 {
		t.Errorf("asked for %d roots, want the parent once", asked)
	}
	// The orphan waits; a block of lower slots pushes it out when the queue is full.
	for i := range 4 {
		b, _ := block(t, primitives.Slot(1+i), primitives.Root{byte(10 + i)})
		p.importAsync(b)
	}
	if res := p.result(fut); res.Err == nil {
		t.Fatal("orphan imported")
	} else if !errors.Is(res.Err, store.ErrUnknownParent) {
		t.Errorf("orphan: %v, want unknown parent", res.Err)
	}
}
