package blocksync

import (
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/peers"
	"github.com/salamander-client/salamander/primitives"
)

// syncRange asks the peers for the next batch when range sync is on, idle and behind the wall-clock slot. It first
// asks the peers actor for its peers' head slots (rangeSync.request uses the best one).
func (a *Actor) syncRange(ctx actor.Context) {
	if a.peersPID == nil || a.rangeOn || a.rangeOff || a.wall == 0 {
		return
	}
	if a.rs == nil {
		// Range sync starts from what the store holds, read once it serves its head.
		head, err := a.cfg.Reader.Head()
		if err != nil {
			ctx.Logger().Debug("Range sync waits for the store's head", "err", err)
			return
		}
		a.rs = newRangeSync(a.cfg.BatchSlots, head.Slot)
	}
	if a.rs.cursor > a.wall {
		return // caught up: nothing to ask for until the next slot
	}
	a.rangeOn = true
	actors.Request(ctx, a.peersPID, &peers.StatusRequest{}, a.cfg.RequestTimeout, func(res *peers.StatusResponse, err error) {
		var peerHead primitives.Slot
		if err == nil {
			for _, p := range res.Status.Peers {
				if p.Handshaked {
					peerHead = max(peerHead, p.Status.HeadSlot)
				}
			}
		}
		a.requestRange(ctx, peerHead)
	})
}

// requestRange asks the peers actor for the blocks of the next range and sends them through the pipeline.
func (a *Actor) requestRange(ctx actor.Context, peerHead primitives.Slot) {
	wall := a.wall
	start, count, ok := a.rs.request(wall, peerHead)
	if !ok {
		a.rangeOn = false
		return
	}
	if !a.behind && uint64(wall-a.rs.cursor) > a.cfg.BatchSlots {
		a.behind = true
		ctx.Logger().Info("Syncing from peers", "from_slot", a.rs.cursor, "wall_slot", wall, "peer_head_slot", peerHead)
	}
	req := &peers.BlocksByRangeRequest{Start: start, Count: count}
	began := time.Now()
	actors.Request(ctx, a.peersPID, req, a.cfg.PeersTimeout, func(res *peers.BlocksResponse, err error) {
		if err == nil {
			err = res.Err
		}
		if err != nil {
			a.rangeFailed(ctx, fmt.Errorf("blocks by range [%d, %d): %w", start, start+primitives.Slot(count), err))
			return
		}
		items, err := checkRange(start, count, res.Blocks)
		if err != nil {
			ctx.Logger().Warn("Peer sent a bad range of blocks", "peer", res.Peer, "start", start, "count", count, "err", err)
			a.reportPeer(ctx, res.Peer, err)
			a.rangeFailed(ctx, fmt.Errorf("blocks by range [%d, %d) from %s: %w", start, start+primitives.Slot(count), res.Peer, err))
			return
		}
		a.core.status.Fetched += uint64(len(items))
		a.batches++
		b := &batch{id: a.batches, start: start, count: count, peerHead: peerHead, wall: wall, blocks: len(items),
			began: began, peer: res.Peer}
		var todo []*item
		for _, it := range items {
			b.last = it.slot
			if known, err := a.cfg.Reader.HasBlock(it.root); err == nil && known {
				continue // the range starts at a peer's stale head, or the block came by gossip
			}
			todo = append(todo, it)
		}
		if len(todo) == 0 {
			a.batchDone(ctx, b)
			return
		}
		a.batch = b
		b.pending = len(todo)
		for _, it := range todo {
			it.reply = func(res *ImportResult) { a.batchItemDone(ctx, b, res) }
		}
		a.core.queue = append(a.core.queue, todo...)
		system, self, owner, id := ctx.ActorSystem(), ctx.Self(), a, b.id
		time.AfterFunc(a.cfg.BatchTimeout, func() { system.Root.Send(self, &batchExpired{owner: owner, id: id}) })
		a.advance(ctx)
	})
}

// batchItemDone counts a block of the batch b answered.
func (a *Actor) batchItemDone(ctx actor.Context, b *batch, res *ImportResult) {
	if a.batch != b {
		return // expired, or the actor is stopping
	}
	b.pending--
	if res.Err != nil && b.err == nil {
		b.err = res.Err
	}
	if b.pending > 0 {
		return
	}
	a.batch = nil
	if b.err != nil {
		// Sync goes on from what the node holds: the next request asks again for what follows the store's head.
		if h, err := a.cfg.Reader.Head(); err == nil {
			a.rs.restartFrom(h.Slot)
		}
		a.rangeFailed(ctx, fmt.Errorf("import of slots [%d, %d) from %s: %w", b.start, b.start+primitives.Slot(b.count), b.peer, b.err))
		return
	}
	a.batchDone(ctx, b)
}

// batchDone moves range sync on after a batch was imported, and asks for the next one at once when it made progress.
func (a *Actor) batchDone(ctx actor.Context, b *batch) {
	before := a.rs.cursor
	a.rs.imported(b.start, b.count, b.last, b.blocks > 0, b.wall, b.peerHead)
	a.rangeOn = false
	if b.blocks > 0 {
		took := time.Since(b.began)
		ctx.Logger().Debug("Range imported", "start", b.start, "count", b.count, "blocks", b.blocks, "peer", b.peer,
			"took", took.Round(time.Millisecond))
	}
	if a.behind && a.rs.cursor > a.wall {
		a.behind = false
		ctx.Logger().Info("Caught up with the chain", "head_slot", b.last, "wall_slot", a.wall)
	}
	if a.rs.cursor > before {
		a.syncRange(ctx)
	}
}

// rangeFailed backs off after a failed batch: a request that failed, a bad response, a refused block or a batch
// that took too long. Range sync never gives up: the next request comes after the back-off.
func (a *Actor) rangeFailed(ctx actor.Context, err error) {
	a.rangeOn = false
	delay := a.rs.failed()
	log := ctx.Logger().Debug
	if a.rs.failures%5 == 0 || (!errors.Is(err, peers.ErrNoPeers) && a.rs.failures > 1) {
		log = ctx.Logger().Warn
	}
	log("Range sync will retry", "failures", a.rs.failures, "in", delay, "err", err)
	a.rangeOff = true
	system, self, owner := ctx.ActorSystem(), ctx.Self(), a
	time.AfterFunc(delay, func() { system.Root.Send(self, &rangeDue{owner: owner, backoff: true}) })
}

// fetchParent asks the peers for the parent of a pending block, unless it is already asked for or the chain of
// fetched ancestors is MaxParentDepth long.
func (a *Actor) fetchParent(ctx actor.Context, it *item) {
	root := it.parentRoot
	if a.peersPID == nil || it.depth >= MaxParentDepth || a.fetching[root] {
		return
	}
	a.fetching[root] = true
	depth := it.depth + 1
	req := &peers.BlocksByRootRequest{Roots: []primitives.Root{root}}
	actors.Request(ctx, a.peersPID, req, a.cfg.PeersTimeout, func(res *peers.BlocksResponse, err error) {
		delete(a.fetching, root)
		if err == nil {
			err = res.Err
		}
		var items []*item
		if err == nil {
			items, err = checkRoots(req.Roots, res.Blocks)
		}
		if err == nil && len(items) == 0 {
			err = errors.New("no peer has it")
		}
		if err != nil {
			ctx.Logger().Debug("Cannot fetch a pending block's parent", "root", shortRoot(root), "err", err)
			if errors.Is(err, ErrBadBatch) {
				a.reportPeer(ctx, res.Peer, err)
			}
			return
		}
		a.core.status.Fetched += uint64(len(items))
		for _, p := range items {
			p.depth = depth
			if known, err := a.cfg.Reader.HasBlock(p.root); err == nil && known {
				continue
			}
			a.core.queue = append(a.core.queue, p)
		}
		a.advance(ctx)
	})
}

// reportPeer tells the peers actor that peer answered with blocks that cannot be what was asked for, so that its
// score drops and the request manager asks others.
func (a *Actor) reportPeer(ctx actor.Context, peer string, err error) {
	if peer != "" {
		ctx.Send(a.peersPID, &peers.ReportPeer{Peer: peer, Reason: err})
	}
}
