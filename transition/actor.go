package transition

import (
	"context"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/primitives"
)

// Actor is the transition actor. It owns the node's recent post-states (by block root, bounded; loaded from a
// StateSource when missing) and applies the blocks it is sent to them.
//
// A state transition takes from tens of milliseconds to seconds of CPU, so it never runs in Receive: the actor
// lends its core, with the states, to one goroutine (actors.Go) per block and takes it back when the goroutine
// reports. One transition runs at a time and the others wait in a bounded FIFO queue. That is deliberate: blocks
// mostly build on each other, so the next one needs the post-state of the one running, and the transition
// already uses every core where it pays (signature batches, hashing); parallel transitions of siblings would
// mostly compete for the same cores and memory. Meanwhile Receive keeps answering, queueing and rejecting.
//
// A restart drops the states: the new incarnation loads what it needs from the StateSource, and the requests that
// were waiting are answered with ErrActorStopped. A panic inside a transition does not restart the actor: the
// block is rejected with ErrTransitionPanicked, and the held states, which transitions never modify, are kept.
// Build its props with actors.NewProps, which gives it its logger.
type Actor struct {
	cfg Config
	// core is lent to the goroutine of the running job, if any: Receive does not touch it until the job is done.
	core   *core
	jobs   jobQueue[*job]
	status Status // States is refreshed whenever the core is back
}

// job is one ApplyBlock request.
type job struct {
	replyTo *actor.PID // nil when sent without a request: the result is only logged
	ssz     []byte
}

// jobDone is the report of the goroutine that ran a job, and gives the core back.
type jobDone struct {
	job    *job
	result ApplyBlockResult
}

// New returns the producer of transition actors configured by cfg: each incarnation starts with no state held.
func New(cfg Config) actor.Producer {
	cfg = cfg.withDefaults()
	return func() actor.Actor { return &Actor{cfg: cfg} }
}

// NewActor returns a transition actor with the zero Config: no chain to follow, so it rejects every block with
// ErrUnknownParentState. The supervision tree runs it until the store can serve states.
func NewActor() actor.Actor { return New(Config{})() }

// HandlesGoroutinePanics makes the actor receive the panic of a transition's goroutine as a message rather than
// fail: one bad block must not restart it.
func (a *Actor) HandlesGoroutinePanics() {}

func (a *Actor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.core = newCore(a.cfg)
		a.status = Status{StartedAt: time.Now()}
		ctx.Logger().Info("Started", "max_states", a.cfg.MaxStates, "tree_hash_cache", !a.cfg.NoTreeHashCache)
	case *ApplyBlock:
		a.enqueue(ctx, &job{replyTo: ctx.Sender(), ssz: msg.SSZ})
	case *jobDone:
		a.finish(ctx, msg)
	case *actors.GoroutinePanicked:
		a.recoverTransition(ctx, msg)
	case *StatusRequest:
		ctx.Respond(&StatusResponse{Status: a.currentStatus()})
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

// startNext lends the core to a goroutine that runs the next queued job, unless one runs already.
func (a *Actor) startNext(ctx actor.Context) {
	j, ok := a.jobs.take()
	if !ok {
		return
	}
	c, system, self := a.core, ctx.ActorSystem(), ctx.Self()
	actors.Go(ctx, "apply block", func(gctx context.Context) {
		result := c.applyBlock(gctx, j.ssz)
		system.Root.Send(self, &jobDone{job: j, result: result})
	})
}

func (a *Actor) finish(ctx actor.Context, done *jobDone) {
	if !a.jobs.finish(done.job) {
		return // from an earlier incarnation, whose requests were answered when it ended
	}
	a.status.States = a.core.states.len()
	a.reply(ctx, done.job, done.result)
	a.startNext(ctx)
}

// recoverTransition rejects the running job after its goroutine panicked, and takes the core back: a transition
// works on copies of the held states, so they are as they were.
func (a *Actor) recoverTransition(ctx actor.Context, p *actors.GoroutinePanicked) {
	j := a.jobs.running
	if !a.jobs.finish(j) {
		return
	}
	ctx.Logger().Error("State transition panicked", "reason", fmt.Sprint(p.Value), "stack", string(p.Stack))
	a.status.States = a.core.states.len()
	a.reply(ctx, j, &BlockRejected{Err: fmt.Errorf("apply block: %w: %v", ErrTransitionPanicked, p.Value)})
	a.startNext(ctx)
}

// abandon answers every request the ending incarnation will not serve.
func (a *Actor) abandon(ctx actor.Context, why string) {
	for _, j := range a.jobs.drain() {
		a.reply(ctx, j, &BlockRejected{Err: fmt.Errorf("apply block: %w: %s", ErrActorStopped, why)})
	}
}

// reply answers j's requester and counts and logs the result.
func (a *Actor) reply(ctx actor.Context, j *job, result ApplyBlockResult) {
	switch r := result.(type) {
	case *BlockApplied:
		a.status.Applied++
		a.status.LastRoot, a.status.LastSlot = r.BlockRoot, r.Slot
		ctx.Logger().Info("Block applied", "slot", r.Slot, "root", hexRoot(r.BlockRoot), "state_root", hexRoot(r.PostStateRoot),
			"attestations", r.Summary.Attestations, "took", r.Took)
	case *BlockRejected:
		a.status.Rejected++
		ctx.Logger().Warn("Block rejected", "slot", r.Slot, "root", hexRoot(r.BlockRoot), "err", r.Err)
	}
	if j.replyTo != nil {
		ctx.Send(j.replyTo, result)
	}
}

func hexRoot(root primitives.Root) string { return fmt.Sprintf("%#x", root) }

func (a *Actor) currentStatus() Status {
	s := a.status
	s.Busy, s.Queued = a.jobs.busy(), len(a.jobs.waiting)
	return s
}
