package blocksync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/clock"
	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/types"
)

// Defaults of Config.
const (
	DefaultMaxPending = 64
	// DefaultTransitionTimeout bounds one state transition request: the first after a start may replay an epoch of
	// blocks to rebuild its parent's state.
	DefaultTransitionTimeout = time.Minute
	// DefaultRequestTimeout bounds a request to the store or fork choice.
	DefaultRequestTimeout = 30 * time.Second
)

// Retries of a block whose import met a transient failure (a sibling restarting, a full queue): the first after
// retryBackoff, each later one twice as late up to maxRetryBackoff, at most maxAttempts in all.
const (
	retryBackoff    = 100 * time.Millisecond
	maxRetryBackoff = 2 * time.Second
	maxAttempts     = 40
)

// ErrStopped means the blocksync actor restarted or stopped before it imported the block: send it again.
var ErrStopped = errors.New("blocksync stopped")

// errRetry marks a failure worth another attempt.
var errRetry = errors.New("transient failure")

// Config configures the blocksync actor. The zero Config has no chain: the actor answers StatusRequest and
// refuses every block.
type Config struct {
	// Reader reads the store: which blocks it holds, its head and checkpoints.
	Reader *store.Reader
	// Inbox, when set, is drained into the actor: blocks and attestations from outside the actor system.
	Inbox *Inbox
	// MaxPending bounds the blocks waiting for their parent; 0 is DefaultMaxPending.
	MaxPending int
	// TransitionTimeout and RequestTimeout bound the requests to the siblings; 0 takes the defaults.
	TransitionTimeout, RequestTimeout time.Duration

	// Optimistic imports every block as NOT_VALIDATED (forkchoice.ExecutionOptimistic), per the optimistic sync
	// spec: the node has no execution client, so its engine judged no payload (block.NotValidatedEngine).
	Optimistic bool
	// RangeSync has the actor fetch blocks from the peers actor: by range from the store's head up to the
	// wall-clock slot, and by root for the unknown parents of pending blocks.
	RangeSync bool
	// Peers is the peers actor; nil is "network/peers" beside the blocksync actor in the supervision tree.
	Peers *actor.PID
	// BatchSlots is how many slots a range request covers; 0 is DefaultBatchSlots.
	BatchSlots uint64
	// PeersTimeout bounds a blocks request to the peers actor; BatchTimeout the import of a batch; FollowDelay is
	// how long after a slot starts a caught-up node asks for its block. 0 takes the defaults.
	PeersTimeout, BatchTimeout, FollowDelay time.Duration
}

func (c Config) withDefaults() Config {
	if c.MaxPending <= 0 {
		c.MaxPending = DefaultMaxPending
	}
	if c.TransitionTimeout <= 0 {
		c.TransitionTimeout = DefaultTransitionTimeout
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.BatchSlots == 0 {
		c.BatchSlots = DefaultBatchSlots
	}
	if c.PeersTimeout <= 0 {
		c.PeersTimeout = DefaultPeersTimeout
	}
	if c.BatchTimeout <= 0 {
		c.BatchTimeout = DefaultBatchTimeout
	}
	if c.FollowDelay <= 0 {
		c.FollowDelay = DefaultFollowDelay
	}
	return c
}

// Actor is the blocksync actor: it imports blocks one at a time through its siblings, each step a request that
// leaves its mailbox free (actors.Request): the state transition (transition.ImportBlock, which also prepares the
// fork-choice input and the states to keep), the store (store.PutBlock: the block is on disk before fork choice
// sees it, so fork choice never holds a block a restart would lose), fork choice (forkchoice.OnBlock), then fork
// choice's head and checkpoints into the store. At every slot it ticks fork choice and brings the store's head up
// to date. It logs one line per imported block, per missed slot and per finished epoch, and publishes them as
// BlockImported, SlotMissed and EpochEnded. Build its props with actors.NewProps.
//
// With RangeSync it also fetches blocks (rangesync.go): at every slot, and again FollowDelay into it, it asks the
// peers actor for the blocks after the ones it has, a batch at a time, each imported before the next is asked for,
// until it reaches the wall-clock slot; a failed batch is asked again after a growing back-off. A block whose parent
// is unknown has its parent fetched by root, up to MaxParentDepth ancestors deep.
//
// A restart loses the queue and the pending blocks (their requesters are answered with ErrStopped); everything
// imported is in the store, which the new incarnation starts from.
type Actor struct {
	cfg  Config
	core *core

	transitionPID, storePID, forkchoicePID *actor.PID
	slotEvents                             *actors.Events

	busy    *item // the block being imported, nil when idle
	syncing bool  // a head update runs
	waiting bool  // a retry's back-off runs
	headDue bool  // a head update is wanted

	// What the store holds, as last written or read.
	head                 primitives.Root
	justified, finalized store.Checkpoint

	// For the per-slot lines: the slots this incarnation imported a block for, and the last slot it reported on,
	// once it saw a slot start (it reports nothing from before).
	imported      map[primitives.Slot]bool
	reportedUntil primitives.Slot
	sawSlot       bool

	// Range sync, with RangeSync.
	peersPID *actor.PID
	rs       *rangeSync      // from the first slot on; nil until then
	wall     primitives.Slot // the last slot the clock announced
	rangeOn  bool            // a range request or its batch's import runs
	rangeOff bool            // a failed request's back-off runs
	batch    *batch          // the batch being imported
	batches  uint64          // batches asked for, for their ids
	behind   bool            // range sync was more than a batch behind and has not caught up since
	fetching map[primitives.Root]bool
}

// batch is a range response on its way through the import pipeline.
type batch struct {
	id             uint64
	start          primitives.Slot
	count          uint64
	peerHead, wall primitives.Slot
	last           primitives.Slot // the slot of its last block
	blocks         int
	pending        int   // blocks not answered yet
	err            error // the first refusal
	began          time.Time
	peer           string
}

// NewActor returns a blocksync actor without a chain.
func NewActor() actor.Actor { return New(Config{})() }

// New returns the producer of blocksync actors configured by cfg.
func New(cfg Config) actor.Producer {
	cfg = cfg.withDefaults()
	return func() actor.Actor { return &Actor{cfg: cfg} }
}

// retryDue ends a retry's back-off.
type retryDue struct{ owner *Actor }

// rangeDue says to ask the peers again: a failed request's back-off ended (backoff), or FollowDelay passed in a
// slot.
type rangeDue struct {
	owner   *Actor
	backoff bool
}

// batchExpired ends the wait for a batch whose blocks did not all get answered within BatchTimeout.
type batchExpired struct {
	owner *Actor
	id    uint64
}

// fromInbox carries an Inbox request into the mailbox.
type fromInbox struct{ req *inboxRequest }

func (a *Actor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.start(ctx)
	case *StatusRequest:
		status := a.core.answerStatus()
		if a.rs != nil {
			status.SyncSlot = a.rs.cursor
		}
		ctx.Respond(&StatusResponse{Status: status})
	case *ImportBlock:
		sender := ctx.Sender()
		a.submit(ctx, msg.SSZ, func(res *ImportResult) {
			if sender != nil {
				ctx.Send(sender, res)
			}
		})
	case *OnAttestation:
		a.onAttestation(ctx, msg.IndexedAttestation)
	case *fromInbox:
		a.fromInbox(ctx, msg.req)
	case *clock.SlotStarted:
		a.onSlot(ctx, msg.Slot)
	case *retryDue:
		if msg.owner == a {
			a.waiting = false
			a.advance(ctx)
		}
	case *rangeDue:
		if msg.owner == a {
			if msg.backoff {
				a.rangeOff = false
			}
			a.syncRange(ctx)
		}
	case *batchExpired:
		if msg.owner == a && a.batch != nil && a.batch.id == msg.id {
			b := a.batch
			a.batch = nil
			a.rangeFailed(ctx, fmt.Errorf("batch of slots [%d, %d): %d blocks not imported within %s", b.start,
				b.start+primitives.Slot(b.count), b.pending, a.cfg.BatchTimeout))
		}
	case *actor.Restarting:
		a.stop(ctx, "restarting")
	case *actor.Stopping:
		a.stop(ctx, "stopping")
	case *actor.Stopped:
		ctx.Logger().Info("Stopped")
	}
}

func (a *Actor) start(ctx actor.Context) {
	a.core = newCore(time.Now(), a.cfg.MaxPending)
	a.imported = make(map[primitives.Slot]bool)
	if a.cfg.Reader == nil {
		ctx.Logger().Info("Started", "chain", "none")
		return
	}
	a.transitionPID, a.storePID, a.forkchoicePID = sibling(ctx, "transition"), sibling(ctx, "store"), sibling(ctx, "forkchoice")
	a.readStore()
	if a.cfg.RangeSync {
		a.peersPID = a.cfg.Peers
		if a.peersPID == nil {
			a.peersPID = sibling(ctx, "network/peers")
		}
		a.fetching = make(map[primitives.Root]bool)
	}
	system, self := ctx.ActorSystem(), ctx.Self()
	a.slotEvents = actors.ForwardEvents[*clock.SlotStarted](ctx)
	if in := a.cfg.Inbox; in != nil {
		actors.Go(ctx, "inbox", func(done context.Context) {
			for {
				select {
				case <-done.Done():
					return
				case req := <-in.requests:
					system.Root.Send(self, &fromInbox{req: req})
				}
			}
		})
	}
	ctx.Logger().Info("Started", "head", shortRoot(a.head), "justified", a.justified.Epoch, "finalized", a.finalized.Epoch)
	// An incarnation that failed in the middle of an import may have left a block in the store that fork choice
	// never got, or a store head behind fork choice's, which the validators read: import the stored blocks above
	// the head again (it costs nothing for those fork choice has) and catch up with fork choice's head now rather
	// than at the next slot.
	a.requeueStored(ctx)
	a.headDue = true
	a.advance(ctx)
}

// maxRequeued bounds the stored blocks above the head a new incarnation imports again.
const maxRequeued = 4 * params.SlotsPerEpoch

// requeueStored queues the stored blocks above the store's head, in slot order.
func (a *Actor) requeueStored(ctx actor.Context) {
	r := a.cfg.Reader
	head, err := r.Head()
	if err != nil {
		return
	}
	summaries, err := r.BlockSummaries(head.Slot+1, head.Slot+maxRequeued)
	if err != nil {
		ctx.Logger().Warn("Cannot read the stored blocks above the head", "err", err)
		return
	}
	for _, b := range summaries {
		ssz, err := r.Block(b.Root)
		if err != nil {
			ctx.Logger().Warn("Cannot read a stored block above the head", "root", shortRoot(b.Root), "err", err)
			return
		}
		a.core.queue = append(a.core.queue, &item{ssz: ssz, slot: b.Slot, parentRoot: b.ParentRoot})
	}
	if len(summaries) > 0 {
		ctx.Logger().Info("Importing again the stored blocks above the head", "blocks", len(summaries), "head_slot", head.Slot)
	}
}

// readStore takes the head and checkpoints the store holds as the ones last written.
func (a *Actor) readStore() {
	r := a.cfg.Reader
	if h, err := r.Head(); err == nil {
		a.head = h.Root
	}
	if j, err := r.Justified(); err == nil {
		a.justified = j
	}
	if f, err := r.Finalized(); err == nil {
		a.finalized = f
	}
}

func (a *Actor) stop(ctx actor.Context, why string) {
	a.slotEvents.Stop()
	if a.core == nil {
		return
	}
	a.stopRange()
	err := fmt.Errorf("import block: %w: %s", ErrStopped, why)
	items := append(a.core.queue, a.core.pending.drain()...)
	if a.busy != nil {
		items = append(items, a.busy)
	}
	for _, it := range items {
		it.answer(&ImportResult{Slot: it.slot, Err: err})
	}
	a.core.queue, a.busy = nil, nil
}

// stopRange forgets range sync's batch, before the blocks of the batch are answered by stop.
func (a *Actor) stopRange() { a.batch = nil }

func (a *Actor) fromInbox(ctx actor.Context, req *inboxRequest) {
	if req.attestation != nil {
		a.onAttestation(ctx, req.attestation)
		return
	}
	a.submit(ctx, req.block, func(res *ImportResult) { req.done <- res })
}

func (a *Actor) onAttestation(ctx actor.Context, indexed []byte) {
	if a.forkchoicePID == nil {
		return
	}
	ctx.Send(a.forkchoicePID, &forkchoice.OnAttestation{IndexedAttestation: indexed})
}

// submit queues a block for import.
func (a *Actor) submit(ctx actor.Context, ssz []byte, reply func(*ImportResult)) {
	if a.cfg.Reader == nil {
		reply(&ImportResult{Err: fmt.Errorf("import block: %w", forkchoice.ErrNoChain)})
		return
	}
	fields, err := store.ParseBlockFields(ssz)
	if err != nil {
		a.core.status.Refused++
		reply(&ImportResult{Err: fmt.Errorf("import block: %w: %w", transition.ErrMalformedBlock, err)})
		return
	}
	a.core.queue = append(a.core.queue, &item{ssz: ssz, slot: fields.Slot, parentRoot: fields.ParentRoot, reply: reply})
	a.advance(ctx)
}

// onSlot ticks fork choice, reports the slots that ended without a block, and asks for a head update.
func (a *Actor) onSlot(ctx actor.Context, slot primitives.Slot) {
	ctx.Send(a.forkchoicePID, &forkchoice.Tick{Time: uint64(time.Now().Unix())})
	if slot > 0 {
		if !a.sawSlot {
			a.reportedUntil, a.sawSlot = slot-1, true
		}
		for s := a.reportedUntil + 1; s < slot; s++ {
			if !a.imported[s] {
				ctx.Logger().Warn("Slot missed", "slot", s)
				ctx.ActorSystem().EventStream.Publish(&SlotMissed{Slot: s})
			}
		}
		a.reportedUntil = max(a.reportedUntil, slot-1)
	}
	for s := range a.imported {
		if s+64 < slot {
			delete(a.imported, s)
		}
	}
	a.headDue = true
	a.advance(ctx)
	if a.peersPID != nil {
		a.wall = max(a.wall, slot)
		a.syncRange(ctx)
		// The slot's block is published in its first seconds: ask for it again then, so that the node follows
		// without gossip.
		system, self, owner := ctx.ActorSystem(), ctx.Self(), a
		time.AfterFunc(a.cfg.FollowDelay, func() { system.Root.Send(self, &rangeDue{owner: owner}) })
	}
}

// advance starts the next block's import, or a head update when one is due and no block waits.
func (a *Actor) advance(ctx actor.Context) {
	if a.busy != nil || a.syncing || a.waiting {
		return
	}
	if len(a.core.queue) > 0 {
		it := a.core.queue[0]
		a.core.queue = a.core.queue[1:]
		a.busy = it
		a.importBlock(ctx, it)
		return
	}
	if a.headDue {
		a.headDue = false
		a.syncing = true
		a.updateHead(ctx, nil, func(error) {
			a.syncing = false
			a.advance(ctx)
		})
	}
}

// importBlock runs the pipeline for it: parent check, transition, store, fork choice, head.
func (a *Actor) importBlock(ctx actor.Context, it *item) {
	known, err := a.cfg.Reader.HasBlock(it.parentRoot)
	if err != nil {
		a.failed(ctx, it, fmt.Errorf("%w: parent: %w", errRetry, err))
		return
	}
	if !known {
		a.park(ctx, it)
		return
	}
	actors.Request(ctx, a.transitionPID, &transition.ImportBlock{SSZ: it.ssz}, a.cfg.TransitionTimeout,
		func(res transition.ImportBlockResult, err error) {
			if err != nil {
				a.failed(ctx, it, fmt.Errorf("%w: %w", errRetry, err))
				return
			}
			prepared, err := res.Prepared()
			if err != nil {
				if transientTransitionError(err) {
					err = fmt.Errorf("%w: %w", errRetry, err)
				}
				a.failed(ctx, it, err)
				return
			}
			a.store(ctx, it, prepared)
		})
}

func transientTransitionError(err error) bool {
	return errors.Is(err, transition.ErrActorStopped) || errors.Is(err, transition.ErrQueueFull) ||
		errors.Is(err, transition.ErrUnknownParentState) || errors.Is(err, block.ErrExecutionEngineUnavailable) ||
		errors.Is(err, store.ErrUnavailable)
}

// store writes the block and its states, before fork choice sees it.
func (a *Actor) store(ctx actor.Context, it *item, p *transition.BlockPrepared) {
	applied := p.Applied
	put := &store.PutBlock{Root: applied.BlockRoot, Slot: applied.Slot, ParentRoot: applied.ParentRoot, SSZ: it.ssz, States: p.States}
	actors.Request(ctx, a.storePID, put, a.cfg.RequestTimeout, func(res *store.BlockPut, err error) {
		switch {
		case err != nil:
			a.failed(ctx, it, fmt.Errorf("%w: %w", errRetry, err))
		case errors.Is(res.Err, store.ErrUnknownParent):
			a.park(ctx, it)
		case errors.Is(res.Err, store.ErrUnavailable):
			a.failed(ctx, it, fmt.Errorf("%w: %w", errRetry, res.Err))
		case res.Err != nil:
			a.failed(ctx, it, res.Err)
		default:
			a.forkChoice(ctx, it, p)
		}
	})
}

// forkChoice adds the block to fork choice. A parent fork choice does not know (it was stored by an incarnation
// that failed before fork choice saw it) is imported again first: it is in the store.
func (a *Actor) forkChoice(ctx actor.Context, it *item, p *transition.BlockPrepared) {
	onBlock := p.OnBlock
	if a.cfg.Optimistic {
		// A copy: the transition actor's reply is not ours to change.
		optimistic := *onBlock
		optimistic.Execution = forkchoice.ExecutionOptimistic
		onBlock = &optimistic
	}
	actors.Request(ctx, a.forkchoicePID, onBlock, a.cfg.RequestTimeout, func(res *forkchoice.BlockImported, err error) {
		switch {
		case err != nil:
			a.failed(ctx, it, fmt.Errorf("%w: %w", errRetry, err))
		case errors.Is(res.Err, forkchoice.ErrNoChain):
			a.failed(ctx, it, fmt.Errorf("%w: %w", errRetry, res.Err))
		case errors.Is(res.Err, forkchoice.ErrUnknownBlock) && it.attempts < maxAttempts:
			if err := a.reimportParent(it); err != nil {
				a.failed(ctx, it, err)
				return
			}
			a.busy = nil
			a.advance(ctx)
		case res.Err != nil:
			a.failed(ctx, it, res.Err)
		default:
			a.imported[p.Applied.Slot] = true
			a.updateHead(ctx, p, func(err error) {
				if err != nil {
					// The block is in the store and in fork choice: the next head update catches up.
					ctx.Logger().Warn("Head not recorded", "err", err)
					a.headDue = true
				}
				a.done(ctx, it, p)
			})
		}
	})
}

// reimportParent puts it's parent, read from the store, before it in the queue.
func (a *Actor) reimportParent(it *item) error {
	ssz, err := a.cfg.Reader.Block(it.parentRoot)
	if err != nil {
		return fmt.Errorf("%w: parent %#x: %w", errRetry, it.parentRoot, err)
	}
	fields, err := store.ParseBlockFields(ssz)
	if err != nil {
		return fmt.Errorf("parent %#x: %w", it.parentRoot, err)
	}
	it.attempts++
	parent := &item{ssz: ssz, slot: fields.Slot, parentRoot: fields.ParentRoot, attempts: it.attempts}
	a.core.queue = append([]*item{parent, it}, a.core.queue...)
	return nil
}

// updateHead asks fork choice for its head and checkpoints and records them in the store when they moved. For an
// imported block it also logs the block's line (and the epoch's, for the first block of an epoch).
func (a *Actor) updateHead(ctx actor.Context, p *transition.BlockPrepared, then func(error)) {
	actors.Request(ctx, a.forkchoicePID, &forkchoice.HeadRequest{}, a.cfg.RequestTimeout, func(res *forkchoice.HeadResponse, err error) {
		if err == nil {
			err = res.Err
		}
		if err != nil {
			then(fmt.Errorf("head: %w", err))
			return
		}
		if p != nil {
			a.report(ctx, p, res)
		}
		update := &store.UpdateForkChoice{}
		changed := false
		if res.Root != a.head {
			root := res.Root
			update.Head, changed = &root, true
		}
		if j := checkpoint(res.Justified); j.Epoch > a.justified.Epoch {
			update.Justified, changed = &j, true
		}
		if f := checkpoint(res.Finalized); f.Epoch > a.finalized.Epoch {
			update.Finalized, changed = &f, true
		}
		if !changed {
			then(nil)
			return
		}
		actors.Request(ctx, a.storePID, update, a.cfg.RequestTimeout, func(res *store.ForkChoiceUpdated, err error) {
			if err == nil {
				err = res.Err
			}
			if err != nil {
				then(fmt.Errorf("record head: %w", err))
				return
			}
			if update.Head != nil {
				a.head = *update.Head
			}
			if update.Justified != nil {
				a.justified = *update.Justified
			}
			if update.Finalized != nil {
				a.finalized = *update.Finalized
				a.pruneFinalized(ctx)
			}
			then(nil)
		})
	})
}

// pruneFinalized refuses the pending blocks finality made useless.
func (a *Actor) pruneFinalized(ctx actor.Context) {
	slot := primitives.Slot(uint64(a.finalized.Epoch) * params.SlotsPerEpoch)
	for _, it := range a.core.pending.prune(slot) {
		ctx.Logger().Debug("Dropped a pending block finality made useless", "slot", it.slot)
		it.answer(&ImportResult{Slot: it.slot, Err: fmt.Errorf("import block: %w", store.ErrConflictsWithFinality)})
	}
}

// report logs a block's line and, for the first block of an epoch, the epoch's, and publishes them.
func (a *Actor) report(ctx actor.Context, p *transition.BlockPrepared, head *forkchoice.HeadResponse) {
	b := p.Applied
	ctx.Logger().Info("Block", "slot", b.Slot, "root", shortRoot(b.BlockRoot), "proposer", b.ProposerIndex,
		"attestations", b.Summary.Attestations, "attesters", b.Summary.Attesters, "sync", b.Summary.SyncCommitteeBits,
		"head", shortRoot(head.Root), "head_slot", head.Slot, "took", b.Took.Round(time.Millisecond))
	ctx.ActorSystem().EventStream.Publish(&BlockImported{Root: b.BlockRoot, Slot: b.Slot, ProposerIndex: b.ProposerIndex,
		Attestations: b.Summary.Attestations, Attesters: b.Summary.Attesters, SyncCommitteeBits: b.Summary.SyncCommitteeBits,
		Head: head.Root, HeadSlot: head.Slot, Justified: head.Justified, Finalized: head.Finalized})
	if part := p.Participation; part != nil {
		ctx.Logger().Info("Epoch", "epoch", part.Epoch, "participation", fmt.Sprintf("%.1f%%", part.TargetPercent()),
			"justified", head.Justified.Epoch, "finalized", head.Finalized.Epoch,
			"justified_root", shortRoot(head.Justified.Root), "finalized_root", shortRoot(head.Finalized.Root))
		ctx.ActorSystem().EventStream.Publish(&EpochEnded{Epoch: part.Epoch, Participation: *part,
			Justified: head.Justified, Finalized: head.Finalized})
	}
}

// done finishes a block's import: it answers, releases the blocks that waited for it and moves on.
func (a *Actor) done(ctx actor.Context, it *item, p *transition.BlockPrepared) {
	a.core.status.Imported++
	a.core.status.LastSlot, a.core.status.LastRoot = p.Applied.Slot, p.Applied.BlockRoot
	it.answer(&ImportResult{Root: p.Applied.BlockRoot, Slot: p.Applied.Slot})
	a.core.queue = append(a.core.queue, a.core.pending.release(p.Applied.BlockRoot)...)
	a.busy = nil
	a.advance(ctx)
}

// park keeps a block whose parent is not stored until the parent is imported.
func (a *Actor) park(ctx actor.Context, it *item) {
	ctx.Logger().Debug("Block waits for its parent", "slot", it.slot, "parent", shortRoot(it.parentRoot))
	dropped := a.core.pending.add(it)
	if dropped != nil {
		dropped.answer(&ImportResult{Slot: dropped.slot, Err: fmt.Errorf("import block: %w: pending queue full", store.ErrUnknownParent)})
	}
	if dropped != it {
		a.fetchParent(ctx, it)
	}
	a.busy = nil
	a.advance(ctx)
}

// failed ends a block's attempt: a transient failure is retried after a back-off, anything else refuses the block.
func (a *Actor) failed(ctx actor.Context, it *item, err error) {
	a.busy = nil
	if errors.Is(err, errRetry) && it.attempts < maxAttempts {
		it.attempts++
		a.core.queue = append([]*item{it}, a.core.queue...)
		a.waiting = true
		delay := retryBackoff << min(it.attempts-1, 5)
		delay = min(delay, maxRetryBackoff)
		ctx.Logger().Debug("Import will be retried", "slot", it.slot, "attempt", it.attempts, "in", delay, "err", err)
		system, self, owner := ctx.ActorSystem(), ctx.Self(), a
		time.AfterFunc(delay, func() { system.Root.Send(self, &retryDue{owner: owner}) })
		return
	}
	a.core.status.Refused++
	ctx.Logger().Warn("Block refused", "slot", it.slot, "err", err)
	it.answer(&ImportResult{Slot: it.slot, Err: fmt.Errorf("import block at slot %d: %w", it.slot, err)})
	a.advance(ctx)
}

func checkpoint(c types.Checkpoint) store.Checkpoint {
	return store.Checkpoint{Epoch: c.Epoch, Root: c.Root}
}

// sibling is the PID of the actor name beside ctx's actor in the supervision tree.
func sibling(ctx actor.Context, name string) *actor.PID {
	self := ctx.Self()
	parent := self.Id[:strings.LastIndex(self.Id, "/")+1]
	return actor.NewPID(self.Address, parent+name)
}

// shortRoot renders a root as its first four bytes, as block explorers abbreviate it.
func shortRoot(root primitives.Root) string { return fmt.Sprintf("%#x", root[:4]) }
