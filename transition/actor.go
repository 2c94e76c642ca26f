package transition

import (
	"context"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// ChainConfig configures the chain transition actor: the transition actor's Config, and where its fork-choice half
// starts from.
type ChainConfig struct {
	Config
	// Anchor gives the store's anchor, from which the ChainFeed starts; nil: ImportBlock is refused with
	// ErrUnknownParentState.
	Anchor AnchorSource
}

// Actor is the transition actor. It owns the node's recent post-states (by block root, bounded; loaded from a
// StateSource when missing) and applies the blocks it is sent to them (ApplyBlock); for ImportBlock it also
// prepares the block's import into fork choice and the store with a ChainFeed, in the same job, while the
// post-state is at hand. Build its props with actors.NewProps, which gives it its logger.
//
// A state transition takes from tens of milliseconds to seconds of CPU, so it never runs in Receive: the actor
// lends its core and feed to one goroutine (actors.Go) per block and takes them back when the goroutine reports.
// One transition runs at a time and the others wait in a bounded FIFO queue. That is deliberate: blocks mostly
// build on each other, so the next one needs the post-state of the one running, and the transition already uses
// every core where it pays (signature batches, hashing); parallel transitions of siblings would mostly compete for
// the same cores and memory. Meanwhile Receive keeps answering, queueing and rejecting.
//
// A restart drops the held states and the feed: the new incarnation loads what it needs from its StateSource and
// AnchorSource, that is from the store, and the requests that were waiting are answered with ErrActorStopped. A
// panic inside a job rejects the block with ErrTransitionPanicked without restarting the actor: the held states,
// which transitions never modify, are kept; the feed is rebuilt, since the job may have left it half updated.
type Actor struct {
	cfg    ChainConfig
	core   *core      // lent to the running job's goroutine
	feed   *ChainFeed // lent with core; nil until the first import builds it
	jobs   jobQueue
	status Status
}

// job is one ApplyBlock or ImportBlock request.
type job struct {
	replyTo *actor.PID
	ssz     []byte
	prepare bool // ImportBlock
}

// jobDone is the report of the goroutine that ran a job; it gives the core and feed back.
type jobDone struct {
	job    *job
	feed   *ChainFeed
	result any // ApplyBlockResult, or ImportBlockResult for a prepare job
}

// NewChain returns the producer of transition actors configured by cfg: each incarnation starts with no state held.
func NewChain(cfg ChainConfig) actor.Producer {
	cfg.Config = cfg.withDefaults()
	return func() actor.Actor { return &Actor{cfg: cfg} }
}

// New returns the producer of transition actors that apply blocks from cfg's StateSource and follow no chain:
// ImportBlock is refused.
func New(cfg Config) actor.Producer { return NewChain(ChainConfig{Config: cfg}) }

// NewActor returns a transition actor with the zero Config: no chain to follow, so it rejects every block with
// ErrUnknownParentState. The supervision tree runs it until the store can serve states.
func NewActor() actor.Actor { return New(Config{})() }

// HandlesGoroutinePanics makes the actor receive a job's panic as a message rather than fail: one bad block must not
// restart it.
func (a *Actor) HandlesGoroutinePanics() {}

func (a *Actor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.core = newCore(a.cfg.Config)
		a.status = Status{StartedAt: time.Now()}
		ctx.Logger().Info("Started", "max_states", a.cfg.MaxStates, "tree_hash_cache", !a.cfg.NoTreeHashCache)
	case *ImportBlock:
		a.enqueue(ctx, &job{replyTo: ctx.Sender(), ssz: msg.SSZ, prepare: true})
	case *ApplyBlock:
		a.enqueue(ctx, &job{replyTo: ctx.Sender(), ssz: msg.SSZ})
	case *jobDone:
		if !a.jobs.finish(msg.job) {
			return // from an earlier incarnation, whose requests were answered when it ended
		}
		a.feed = msg.feed
		a.finish(ctx, msg.job, msg.result)
	case *actors.GoroutinePanicked:
		if j := a.jobs.running; a.jobs.finish(j) {
			ctx.Logger().Error("State transition panicked", "reason", fmt.Sprint(msg.Value), "stack", string(msg.Stack))
			a.feed = nil
			a.finish(ctx, j, &BlockRejected{Err: fmt.Errorf("apply block: %w: %v", ErrTransitionPanicked, msg.Value)})
		}
	case *StatusRequest:
		s := a.status
		s.Busy, s.Queued = a.jobs.busy(), len(a.jobs.waiting)
		ctx.Respond(&StatusResponse{Status: s})
	case *actor.Restarting:
		a.abandon(ctx, "restarting")
	case *actor.Stopping:
		a.abandon(ctx, "stopping")
	case *actor.Stopped:
		ctx.Logger().Info("Stopped")
	}
}

func (a *Actor) enqueue(ctx actor.Context, j *job) {
	if len(a.jobs.waiting) >= a.cfg.MaxQueue {
		a.reply(ctx, j, &BlockRejected{Err: fmt.Errorf("apply block: %w: %d blocks wait", ErrQueueFull, len(a.jobs.waiting))})
		return
	}
	a.jobs.waiting = append(a.jobs.waiting, j)
	a.startNext(ctx)
}

// startNext lends the core and the feed to a goroutine that runs the next queued job, unless one runs already.
func (a *Actor) startNext(ctx actor.Context) {
	j, ok := a.jobs.take()
	if !ok {
		return
	}
	c, feed, anchor, system, self := a.core, a.feed, a.cfg.Anchor, ctx.ActorSystem(), ctx.Self()
	actors.Go(ctx, "import block", func(gctx context.Context) {
		applied := c.applyBlock(gctx, j.ssz)
		if !j.prepare {
			system.Root.Send(self, &jobDone{job: j, feed: feed, result: applied})
			return
		}
		feed, result := c.prepareImport(gctx, feed, anchor, j.ssz, applied)
		system.Root.Send(self, &jobDone{job: j, feed: feed, result: result})
	})
}

// finish answers a job and starts the next.
func (a *Actor) finish(ctx actor.Context, j *job, result any) {
	a.status.States = a.core.states.len()
	a.reply(ctx, j, result)
	a.startNext(ctx)
}

// abandon answers every request the ending incarnation will not serve.
func (a *Actor) abandon(ctx actor.Context, why string) {
	for _, j := range a.jobs.drain() {
		a.reply(ctx, j, &BlockRejected{Err: fmt.Errorf("apply block: %w: %s", ErrActorStopped, why)})
	}
}

func (a *Actor) reply(ctx actor.Context, j *job, result any) {
	switch r := result.(type) {
	case *BlockApplied:
		a.applied(ctx, r)
	case *BlockPrepared:
		a.applied(ctx, r.Applied)
	case *BlockRejected:
		a.status.Rejected++
		ctx.Logger().Warn("Block rejected", "slot", r.Slot, "root", hexRoot(r.BlockRoot), "err", r.Err)
	}
	if j.replyTo != nil {
		ctx.Send(j.replyTo, result)
	}
}

func (a *Actor) applied(ctx actor.Context, r *BlockApplied) {
	a.status.Applied++
	a.status.LastRoot, a.status.LastSlot = r.BlockRoot, r.Slot
	ctx.Logger().Debug("Block applied", "slot", r.Slot, "root", hexRoot(r.BlockRoot), "attestations", r.Summary.Attestations,
		"took", r.Took)
}

func hexRoot(root primitives.Root) string { return fmt.Sprintf("%#x", root) }

// prepareImport runs the feed on an applied block: its post-state and its parent's are held by the core (the
// transition just used them). It builds the feed from the anchor when it has none.
func (c *core) prepareImport(ctx context.Context, feed *ChainFeed, anchor AnchorSource, encoded []byte,
	result ApplyBlockResult) (*ChainFeed, ImportBlockResult) {
	applied, err := result.Result()
	if err != nil {
		return feed, result.(*BlockRejected)
	}
	reject := func(err error) (*ChainFeed, ImportBlockResult) {
		return feed, &BlockRejected{BlockRoot: applied.BlockRoot, Slot: applied.Slot,
			Err: fmt.Errorf("prepare import of block %#x at slot %d: %w", applied.BlockRoot, applied.Slot, err)}
	}
	if feed == nil {
		if anchor == nil || c.env == nil {
			return reject(fmt.Errorf("%w: no anchor source", ErrUnknownParentState))
		}
		root, state, err := anchor.Anchor(ctx)
		if err != nil {
			return reject(fmt.Errorf("anchor: %w", err))
		}
		feed = NewChainFeed(c.env, c.source, root, state)
	}
	post, ok := c.states.get(applied.BlockRoot)
	if !ok {
		return reject(fmt.Errorf("%w: the post-state is not held", ErrUnknownParentState))
	}
	parent, err := c.parentState(ctx, applied.ParentRoot)
	if err != nil {
		return reject(err)
	}
	signed := new(types.SignedBeaconBlock)
	if err := types.Unmarshal(encoded, signed); err != nil {
		return reject(fmt.Errorf("%w: %w", ErrMalformedBlock, err))
	}
	prepared, err := feed.Prepare(ctx, signed, encoded, applied.BlockRoot, parent.state, post.state)
	if err != nil {
		// The feed may be half updated: the next import builds a new one.
		return nil, &BlockRejected{BlockRoot: applied.BlockRoot, Slot: applied.Slot,
			Err: fmt.Errorf("prepare import of block %#x at slot %d: %w", applied.BlockRoot, applied.Slot, err)}
	}
	return feed, &BlockPrepared{Applied: applied, OnBlock: prepared.OnBlock, States: prepared.States,
		Participation: prepared.Participation}
}
