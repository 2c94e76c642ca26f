package gossip

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/clock"
	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
)

// Batching of signature checks: a batch is verified once it holds BatchSize signatures or BatchDelay
// after its first, whichever comes first. A few milliseconds cost nothing against a 6 s slot and let bursts of
// attestations share one multi-pairing.
const (
	BatchSize     = 64
	BatchDelay    = 5 * time.Millisecond
	ChainDeadline = 250 * time.Millisecond
)

// Config configures the gossip actor.
type Config struct {
	Spec    *params.Spec // nil: the network is off and every message is ignored
	Genesis time.Time
	// Pubkeys resolves signers for the signature checks; nil checks only signatures that carry their key.
	Pubkeys Pubkeys
	// ChainPID is the actor that does the stateful checks (ChainValidate); nil: ChainPath names it.
	ChainPID *actor.PID
	// ChainPath is that actor's path in the actor system (e.g. node/network/chaincheck), for a tree whose PIDs are
	// not known when it is configured. With neither, every message that passes the stateless checks is ignored.
	ChainPath string
	Now       func() time.Time // nil: time.Now
}

// Actor is the gossip actor. Build its props with actors.NewProps, which gives it its logger.
type Actor struct {
	cfg       Config
	core      *core
	validator *Validator
	gvr       primitives.Root
	chainPID  *actor.PID

	batch      actors.Batch[*pending]
	slotEvents *actors.Events // the clock's slot announcements: verdicts are summarized every epoch
}

type pending struct {
	checked Checked
	replyTo *actor.PID
}

// NewActor returns a gossip actor for cfg; its state is made when it starts.
func NewActor(cfg Config) actor.Actor { return &Actor{cfg: cfg} }

type batchVerified struct {
	items   []*pending
	invalid map[int]bool // indices of items with an invalid signature
}

func (a *Actor) now() time.Time {
	if a.cfg.Now != nil {
		return a.cfg.Now()
	}
	return time.Now()
}

func (a *Actor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.core = newCore(time.Now())
		a.batch = actors.Batch[*pending]{Size: BatchSize, Delay: BatchDelay}
		a.slotEvents = actors.ForwardEvents[*clock.SlotStarted](ctx)
		a.chainPID = a.cfg.ChainPID
		if a.chainPID == nil && a.cfg.ChainPath != "" {
			a.chainPID = actor.NewPID(ctx.Self().Address, a.cfg.ChainPath)
		}
		ctx.Logger().Info("Started")
	case *StatusRequest:
		ctx.Respond(&StatusResponse{Status: a.core.answerStatus()})
	case *Validate:
		a.validate(ctx, msg)
	case *actors.BatchDue:
		a.verify(ctx, a.batch.Due(msg))
	case *batchVerified:
		a.core.status.Batches++
		for i, p := range msg.items {
			a.core.status.BatchedSignatures += uint64(len(p.checked.Sets))
			result, err := a.validator.Finish(&p.checked, !msg.invalid[i], a.now())
			a.conclude(ctx, p, result, err)
		}
	case *clock.SlotStarted:
		if msg.Slot > 0 && uint64(msg.Slot)%params.SlotsPerEpoch == 0 {
			if attrs := a.core.summarize(); len(attrs) > 0 {
				// accepted/ignored/rejected per topic kind: what the node forwarded, what it let pass, and
				// what cost its senders score, the first sign of a peer or a check going wrong.
				ctx.Logger().Info("Gossip verdicts", append([]any{"epoch", msg.Epoch - 1}, attrs...)...)
			}
		}
	case *actor.Stopping, *actor.Restarting:
		a.batch.Stop()
		a.slotEvents.Stop()
	case *actor.Stopped:
		ctx.Logger().Info("Stopped")
	}
}

func (a *Actor) validate(ctx actor.Context, msg *Validate) {
	if a.cfg.Spec == nil {
		ctx.Respond(&Verdict{Result: Ignore, Err: errors.New("network is not configured")})
		return
	}
	if a.validator == nil || a.gvr != msg.GVR {
		a.validator = NewValidator(a.cfg.Spec, msg.GVR, a.cfg.Genesis, a.cfg.Pubkeys)
		a.gvr = msg.GVR
	}
	checked := a.validator.Check(msg.Topic, msg.Data, msg.Digest, a.now())
	p := &pending{checked: checked, replyTo: ctx.Sender()}
	if checked.Decided || len(checked.Sets) == 0 {
		result, err := a.validator.Finish(&p.checked, true, a.now())
		a.conclude(ctx, p, result, err)
		return
	}
	a.verify(ctx, a.batch.Add(ctx, p, len(checked.Sets)))
}

// verify checks a batch's signatures on a goroutine: the pairings take milliseconds the mailbox should not wait
// for.
func (a *Actor) verify(ctx actor.Context, items []*pending) {
	if len(items) == 0 {
		return
	}
	groups := make([][]bls.SignatureSet, len(items))
	for i, p := range items {
		groups[i] = p.checked.Sets
	}
	system, self := ctx.ActorSystem(), ctx.Self()
	actors.Go(ctx, "verify signature batch", func(context.Context) {
		system.Root.Send(self, &batchVerified{items: items, invalid: bls.FindInvalidGroups(groups)})
	})
}

// conclude settles a message: a stateless Reject or Ignore is final; a pass goes to the chain actors, whose
// silence means Ignore.
func (a *Actor) conclude(ctx actor.Context, p *pending, result Result, err error) {
	kind := p.checked.Topic.Kind
	if result != Accept {
		a.reply(ctx, p.replyTo, kind, result, err)
		return
	}
	if a.chainPID == nil {
		a.reply(ctx, p.replyTo, kind, Ignore, ErrNeedsChain)
		return
	}
	req := &ChainValidate{Kind: kind, Topic: p.checked.Topic.String(), Subnet: p.checked.Topic.Subnet, SSZ: p.checked.SSZ}
	validator := a.validator
	actors.Request(ctx, a.chainPID, req, ChainDeadline, func(v *ChainVerdict, err error) {
		if err != nil {
			v = &ChainVerdict{Result: Ignore, Err: fmt.Errorf("%w: %w", ErrNeedsChain, err)}
		}
		if v.Result == Accept {
			validator.Accepted(&p.checked)
		} else {
			// The message was counted as seen before the chain checked it (and its signature, when the key
			// was unknown here): a forged or premature copy must not shut out the valid one.
			validator.Forget(&p.checked)
		}
		a.reply(ctx, p.replyTo, kind, v.Result, v.Err)
	})
}

func (a *Actor) reply(ctx actor.Context, to *actor.PID, kind Kind, result Result, err error) {
	a.core.count(kind, result)
	if to != nil {
		ctx.Send(to, &Verdict{Result: result, Err: err})
	}
}
