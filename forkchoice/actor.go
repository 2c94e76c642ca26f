package forkchoice

import (
	"context"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/primitives"
)

// MaxStashedMessages bounds the messages the actor keeps while its store is being built; past it the oldest are
// dropped (requests among them are answered with ErrNoChain).
const MaxStashedMessages = 4096

// Actor is the forkchoice actor: the one owner of the fork-choice store. Build its props with actors.NewProps.
//
// At every start it rebuilds the store from Config.Chain on a goroutine of its own — the anchor, then every block
// since — and keeps the messages that arrive meanwhile, to handle them once the store is built. A restart after a
// crash therefore comes back with every block the chain source holds; what it loses is the attestations from the
// wire that were waiting in its queue or in flight.
type Actor struct {
	cfg     Config
	core    *core
	loading bool
	stashed []*stashedRequest
}

// NewActor returns a forkchoice actor without a chain source: it starts, answers StatusRequest, and answers
// every other request with ErrNoChain. The node uses it until the store serves the chain.
func NewActor() actor.Actor { return &Actor{} }

// New returns a forkchoice actor that builds its store from cfg.Chain whenever it starts.
func New(cfg Config) actor.Actor { return &Actor{cfg: cfg} }

// chainBuilt brings the store built on the loading goroutine to the actor incarnation that started it.
type chainBuilt struct {
	owner *Actor
	core  *core
	err   error
}

// stashedRequest is a message kept while the store was built, with whom to answer.
type stashedRequest struct {
	msg    any
	sender *actor.PID
}

func (a *Actor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.start(ctx)
	case *chainBuilt:
		a.built(ctx, msg)
	case *StatusRequest:
		status := Status{}
		if a.core != nil {
			status = a.core.status()
		}
		ctx.Respond(&StatusResponse{Status: status})
	case *stashedRequest:
		a.handle(ctx, msg.msg, msg.sender)
	case *actor.Stopped:
		ctx.Logger().Info("Stopped")
	default:
		a.handle(ctx, msg, ctx.Sender())
	}
}

func (a *Actor) start(ctx actor.Context) {
	if a.cfg.Chain == nil {
		ctx.Logger().Info("Started", "chain", "none")
		return
	}
	a.loading = true
	cfg, system, self := a.cfg, ctx.ActorSystem(), ctx.Self()
	actors.Go(ctx, "build store", func(done context.Context) {
		chain, err := cfg.Chain.LoadChain(done)
		if err != nil {
			system.Root.Send(self, &chainBuilt{owner: a, err: fmt.Errorf("load chain: %w", err)})
			return
		}
		c, err := newCore(cfg, chain)
		system.Root.Send(self, &chainBuilt{owner: a, core: c, err: err})
	})
	ctx.Logger().Info("Started", "chain", "building the store")
}

// built takes the store the loading goroutine built, then handles the messages kept meanwhile. A chain that
// cannot be loaded or replayed fails the actor, so that its supervisor retries and, if it keeps failing, stops
// the node.
func (a *Actor) built(ctx actor.Context, msg *chainBuilt) {
	if msg.owner != a || !a.loading {
		return // built for an incarnation that has since crashed: this one builds its own
	}
	if msg.err != nil {
		panic(fmt.Errorf("forkchoice: %w", msg.err))
	}
	a.core, a.loading = msg.core, false
	h := a.core.head
	ctx.Logger().Info("Built the store", "blocks", a.core.store.BlockCount(), "head", hexRoot(h.Root),
		"slot", h.Slot, "justified", a.core.justified.Epoch, "finalized", a.core.finalized.Epoch)
	a.publish(ctx, &HeadChanged{Root: h.Root, Slot: h.Slot, StateRoot: h.StateRoot,
		ExecutionBlockHash: h.ExecutionBlockHash, Optimistic: h.Execution != ExecutionValid})
	// The kept messages go back through the mailbox, in arrival order and with their senders.
	for _, m := range a.stashed {
		ctx.Send(ctx.Self(), m)
	}
	a.stashed = nil
}

// handle maps a user message to the core.
func (a *Actor) handle(ctx actor.Context, msg any, sender *actor.PID) {
	respond := func(reply any) {
		if sender != nil {
			ctx.Send(sender, reply)
		}
	}
	if a.core == nil {
		if a.loading {
			a.keep(ctx, msg, sender)
		} else if reply := noChainReply(msg); reply != nil {
			respond(reply)
		}
		return
	}
	c := a.core
	switch msg := msg.(type) {
	case *OnBlock:
		events, err := c.importBlock(msg)
		a.publish(ctx, events...)
		if err != nil {
			ctx.Logger().Debug("Block not added", "root", hexRoot(msg.Root), "err", err)
		}
		respond(&BlockImported{Root: msg.Root, Head: c.head.Root, Err: err})
	case *OnAttestation:
		if err := c.onAttestation(msg); err != nil && !IsRetryable(err) {
			ctx.Logger().Debug("Attestation refused", "err", err)
		}
	case *OnAttesterSlashing:
		events, err := c.onAttesterSlashing(msg)
		a.publish(ctx, events...)
		respond(&Applied{Err: err})
	case *OnPayloadStatus:
		events, err := c.onPayloadStatus(msg)
		a.publish(ctx, events...)
		if err != nil {
			ctx.Logger().Warn("Payload status not applied", "root", hexRoot(msg.Root), "valid", msg.Valid, "err", err)
		}
		respond(&Applied{Err: err})
	case *Tick:
		c.tick(msg.Time)
		events, err := c.updateHead()
		a.publish(ctx, events...)
		if err != nil {
			ctx.Logger().Warn("Head not updated", "err", err)
		}
	case *HeadRequest:
		c.tickToNow()
		events, err := c.updateHead()
		a.publish(ctx, events...)
		resp := c.headResponse()
		resp.Err = err
		respond(resp)
	case *ProposerHeadRequest:
		c.tickToNow()
		_, err := c.updateHead()
		var root primitives.Root
		if err == nil {
			root, err = c.store.GetProposerHead(c.head.Root, msg.Slot)
		}
		respond(&ProposerHeadResponse{Root: root, Err: err})
	}
}

// keep stashes a message that came while the store is being built.
func (a *Actor) keep(ctx actor.Context, msg any, sender *actor.PID) {
	if len(a.stashed) >= MaxStashedMessages {
		dropped := a.stashed[0]
		a.stashed = a.stashed[1:]
		if reply := noChainReply(dropped.msg); reply != nil && dropped.sender != nil {
			ctx.Send(dropped.sender, reply)
		}
	}
	a.stashed = append(a.stashed, &stashedRequest{msg: msg, sender: sender})
}

// noChainReply is the ErrNoChain answer to a request, nil for a message that has none.
func noChainReply(msg any) any {
	switch msg.(type) {
	case *HeadRequest:
		return &HeadResponse{Err: ErrNoChain}
	case *ProposerHeadRequest:
		return &ProposerHeadResponse{Err: ErrNoChain}
	case *OnBlock:
		return &BlockImported{Err: ErrNoChain}
	case *OnAttesterSlashing, *OnPayloadStatus:
		return &Applied{Err: ErrNoChain}
	}
	return nil
}

func (a *Actor) publish(ctx actor.Context, events ...any) {
	for _, e := range events {
		ctx.ActorSystem().EventStream.Publish(e)
		switch e := e.(type) {
		case *Reorg:
			ctx.Logger().Info("Reorg", "old", hexRoot(e.OldHead), "new", hexRoot(e.NewHead), "depth", e.Depth)
		case *Finalized:
			ctx.Logger().Info("Finalized", "epoch", e.Checkpoint.Epoch, "root", hexRoot(e.Checkpoint.Root))
		}
	}
}

// hexRoot renders a root for the logs.
func hexRoot(root primitives.Root) string { return fmt.Sprintf("%#x", root) }
