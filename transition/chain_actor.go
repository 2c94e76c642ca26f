package transition

import (
	"context"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/types"
)

// ChainConfig configures the chain transition actor: the transition actor's Config, and where its fork-choice half
// starts from.
type ChainConfig struct {
	Config
	// Anchor gives the store's anchor, from which the ChainFeed starts; required.
	Anchor AnchorSource
}

// ChainActor is the transition actor of a node that follows a chain: it applies blocks as the transition actor does
// (the same core, the same held states, one transition at a time off its mailbox's goroutine) and, for ImportBlock,
// also prepares the block's import with a ChainFeed in the same job, while the post-state is at hand. It answers
// ApplyBlock too. Build its props with actors.NewProps.
//
// A restart drops the held states and the feed: the new incarnation loads what it needs from its StateSource and
// AnchorSource, that is from the store. A panic inside a job rejects the block with ErrTransitionPanicked; the feed
// is then rebuilt, since the job may have left it half updated.
type ChainActor struct {
	cfg    ChainConfig
	core   *core      // lent to the running job's goroutine
	feed   *ChainFeed // lent with core; nil until the first import builds it
	jobs   jobQueue[*chainJob]
	status Status
}

// chainJob is one ApplyBlock or ImportBlock request.
type chainJob struct {
	replyTo *actor.PID
	ssz     []byte
	prepare bool // ImportBlock
}

// chainJobDone is the report of the goroutine that ran a job; it gives the core and feed back.
type chainJobDone struct {
	job    *chainJob
	feed   *ChainFeed
	result any // ApplyBlockResult, or ImportBlockResult for a prepare job
}

// NewChain returns the producer of chain transition actors configured by cfg.
func NewChain(cfg ChainConfig) actor.Producer {
	cfg.Config = cfg.withDefaults()
	return func() actor.Actor { return &ChainActor{cfg: cfg} }
}

// HandlesGoroutinePanics makes the actor receive a job's panic as a message rather than fail: one bad block must not
// restart it.
func (a *ChainActor) HandlesGoroutinePanics() {}

func (a *ChainActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.core = newCore(a.cfg.Config)
		a.status = Status{StartedAt: time.Now()}
		ctx.Logger().Info("Started", "max_states", a.cfg.MaxStates, "tree_hash_cache", !a.cfg.NoTreeHashCache)
	case *ImportBlock:
		a.enqueue(ctx, &chainJob{replyTo: ctx.Sender(), ssz: msg.SSZ, prepare: true})
	case *ApplyBlock:
		a.enqueue(ctx, &chainJob{replyTo: ctx.Sender(), ssz: msg.SSZ})
	case *chainJobDone:
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

func (a *ChainActor) enqueue(ctx actor.Context, j *chainJob) {
	if len(a.jobs.waiting) >= a.cfg.MaxQueue {
		a.reply(ctx, j, &BlockRejected{Err: fmt.Errorf("apply block: %w: %d blocks wait", ErrQueueFull, len(a.jobs.waiting))})
		return
	}
	a.jobs.waiting = append(a.jobs.waiting, j)
	a.startNext(ctx)
}

// startNext lends the core and the feed to a goroutine that runs the next queued job, unless one runs already.
func (a *ChainActor) startNext(ctx actor.Context) {
	j, ok := a.jobs.take()
	if !ok {
		return
	}
	c, feed, anchor, system, self := a.core, a.feed, a.cfg.Anchor, ctx.ActorSystem(), ctx.Self()
	actors.Go(ctx, "import block", func(gctx context.Context) {
		applied := c.applyBlock(gctx, j.ssz)
		if !j.prepare {
			system.Root.Send(self, &chainJobDone{job: j, feed: feed, result: applied})
			return
		}
		feed, result := c.prepareImport(gctx, feed, anchor, j.ssz, applied)
		system.Root.Send(self, &chainJobDone{job: j, feed: feed, result: result})
	})
}

// finish answers a job and starts the next.
func (a *ChainActor) finish(ctx actor.Context, j *chainJob, result any) {
	a.status.States = a.core.states.len()
	a.reply(ctx, j, result)
	a.startNext(ctx)
}

// abandon answers every request the ending incarnation will not serve.
func (a *ChainActor) abandon(ctx actor.Context, why string) {
	for _, j := range a.jobs.drain() {
		a.reply(ctx, j, &BlockRejected{Err: fmt.Errorf("apply block: %w: %s", ErrActorStopped, why)})
	}
}

func (a *ChainActor) reply(ctx actor.Context, j *chainJob, result any) {
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

func (a *ChainActor) applied(ctx actor.Context, r *BlockApplied) {
	a.status.Applied++
	a.status.LastRoot, a.status.LastSlot = r.BlockRoot, r.Slot
	ctx.Logger().Debug("Block applied", "slot", r.Slot, "root", hexRoot(r.BlockRoot), "attestations", r.Summary.Attestations,
		"took", r.Took)
}

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
