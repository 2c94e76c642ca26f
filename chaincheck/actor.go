package chaincheck

import (
	"context"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/blocksync"
	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// MaxInFlight bounds the checks running at once. Past it a request is ignored at once: on a saturated CPU more
// goroutines would only make every check miss gossip's ChainDeadline.
const MaxInFlight = 128

// Signatures of checked messages are verified in batches of gossip.BatchSize sets, or gossip.BatchDelay after the
// first, as the gossip actor does: a batch of 64 costs less than half of 64 single verifications, and a few
// milliseconds are nothing against gossip's ChainDeadline.

// Config configures the chain checker.
type Config struct {
	Spec   *params.Spec
	Reader *store.Reader // the store's reader, for blocks, checkpoints and states
	// BlockSync receives accepted blocks and attestations; nil: BlockSyncPath names it.
	BlockSync *actor.PID
	// BlockSyncPath is the blocksync actor's path in the actor system (e.g. node/blocksync), for a tree whose
	// PIDs are not known when it is configured; empty with BlockSync nil: nothing is delivered.
	BlockSyncPath string
}

// Actor is the chain checker: it answers gossip.ChainValidate. Build its props with actors.NewProps.
type Actor struct {
	cfg       Config
	chain     *StoreChain
	checker   *Checker
	env       *helpers.Env
	blockSync *actor.PID
	inFlight  int
	status    Status

	batch actors.Batch[*checked]

	imports   *actors.Events
	warmEpoch primitives.Epoch // the last epoch whose state was warmed
}

// New returns the chain checker's producer for cfg; every incarnation rebuilds its caches from the store.
func New(cfg Config) actor.Producer { return func() actor.Actor { return &Actor{cfg: cfg} } }

func (a *Actor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.start(ctx)
	case *gossip.ChainValidate:
		a.validate(ctx, msg)
	case *checked:
		a.inFlight--
		a.verify(ctx, msg)
	case *actors.BatchDue:
		a.verifyBatch(ctx, a.batch.Due(msg))
	case *batchVerified:
		for i, c := range msg.items {
			c.out = c.out.Settle(!msg.invalid[i])
			a.finish(ctx, c)
		}
	case *StatusRequest:
		s := a.status
		s.Verdicts = make(map[gossip.Kind][3]uint64, len(a.status.Verdicts))
		for k, v := range a.status.Verdicts {
			s.Verdicts[k] = v
		}
		ctx.Respond(&StatusResponse{Status: s})
	case *blocksync.BlockImported:
		// The first block of an epoch: load its checkpoint state and shuffling before the epoch's attestations ask.
		if e := helpers.ComputeEpochAtSlot(msg.Slot); e > a.warmEpoch {
			a.warm(ctx)
		}
	case *actor.Stopping, *actor.Restarting:
		a.batch.Stop()
		a.imports.Stop()
	case *actor.Stopped:
		ctx.Logger().Info("Stopped")
	}
}

func (a *Actor) start(ctx actor.Context) {
	a.status = Status{Verdicts: map[gossip.Kind][3]uint64{}}
	a.batch = actors.Batch[*checked]{Size: gossip.BatchSize, Delay: gossip.BatchDelay}
	a.blockSync = a.cfg.BlockSync
	if a.blockSync == nil && a.cfg.BlockSyncPath != "" {
		a.blockSync = actor.NewPID(ctx.Self().Address, a.cfg.BlockSyncPath)
	}
	a.env = helpers.NewEnv(a.cfg.Spec, helpers.NewCaches())
	a.chain = NewStoreChain(a.env, a.cfg.Reader, 0)
	a.checker = NewChecker(a.env, a.chain, kzgVerifier)
	ctx.Logger().Info("Started")
	a.imports = actors.ForwardEvents[*blocksync.BlockImported](ctx)
	a.warm(ctx)
	logger := ctx.Logger()
	actors.Go(ctx, "load KZG trusted setup", func(context.Context) {
		if _, err := kzgVerifier(); err != nil {
			logger.Warn("Cannot load the KZG trusted setup: data column sidecars will be ignored", "err", err)
		}
	})
}

// warm loads the state of the head's epoch and its shuffling on a goroutine, so that the attestations and other
// messages of a new epoch (and the first after a start) answer within gossip's deadline instead of waiting for a
// state decode.
func (a *Actor) warm(ctx actor.Context) {
	checker, env, logger := a.checker, a.env, ctx.Logger()
	if head, slot, err := a.chain.Head(); err == nil {
		a.warmEpoch = helpers.ComputeEpochAtSlot(slot)
		logger.Debug("Warming the head's epoch state", "epoch", a.warmEpoch, "head", fmt.Sprintf("%#x", head[:4]))
	}
	actors.Go(ctx, "warm the head's epoch state", func(gctx context.Context) {
		state, _, out := checker.headEpochState(gctx)
		if out != nil {
			logger.Warn("Cannot build the head's epoch state", "err", out.Err)
			return
		}
		helpers.PrepareCommittees(env, state, helpers.GetCurrentEpoch(state))
	})
}

// kzgVerifier loads the trusted setup once per process (forkchoice.NewKZGVerifier shares it).
func kzgVerifier() (forkchoice.CellProofVerifier, error) { return forkchoice.NewKZGVerifier() }

// validate runs the check on a goroutine: state replays and pairings take milliseconds the mailbox must not
// wait for. The goroutine reports back with a *checked.
func (a *Actor) validate(ctx actor.Context, msg *gossip.ChainValidate) {
	if a.inFlight >= MaxInFlight {
		a.status.Busy++
		a.count(msg.Kind, gossip.Ignore)
		ctx.Respond(&gossip.ChainVerdict{Result: gossip.Ignore, Err: fmt.Errorf("%w: %d checks running", ErrBusy, a.inFlight)})
		return
	}
	a.inFlight++
	checker, self, system, replyTo := a.checker, ctx.Self(), ctx.ActorSystem(), ctx.Sender()
	actors.Go(ctx, "chain check", func(gctx context.Context) {
		res := &checked{kind: msg.Kind, replyTo: replyTo, ssz: msg.SSZ}
		defer func() {
			if gctx.Err() == nil { // else the incarnation that counts it in flight is gone
				system.Root.Send(self, res)
			}
		}()
		// A panic in a check is a bug of ours, not the message's fault: it is ignored, and the actor logs it.
		defer func() {
			if r := recover(); r != nil {
				res.out = Outcome{Result: gossip.Ignore, Err: fmt.Errorf("check of %s panicked: %v", msg.Kind, r)}
			}
		}()
		res.out = checker.Validate(gctx, msg.Kind, msg.Subnet, msg.SSZ)
		if res.out.Result == gossip.Accept && res.out.Indexed != nil {
			encoded, err := types.Marshal(res.out.Indexed)
			if err != nil {
				res.out = Outcome{Result: gossip.Ignore, Err: fmt.Errorf("encode indexed attestation: %w", err)}
				return
			}
			res.indexed = encoded
		}
	})
}

// verify queues a checked message's signatures for the next batch; one without any is settled now.
func (a *Actor) verify(ctx actor.Context, c *checked) {
	if len(c.out.Sets) == 0 {
		a.finish(ctx, c)
		return
	}
	a.verifyBatch(ctx, a.batch.Add(ctx, c, len(c.out.Sets)))
}

// verifyBatch verifies a batch's signatures on a goroutine and finds the messages at fault when it fails.
func (a *Actor) verifyBatch(ctx actor.Context, items []*checked) {
	if len(items) == 0 {
		return
	}
	groups := make([][]bls.SignatureSet, len(items))
	for i, c := range items {
		groups[i] = c.out.Sets
	}
	system, self := ctx.ActorSystem(), ctx.Self()
	actors.Go(ctx, "verify signature batch", func(gctx context.Context) {
		invalid := bls.FindInvalidGroups(groups)
		if gctx.Err() == nil {
			system.Root.Send(self, &batchVerified{items: items, invalid: invalid})
		}
	})
}

// finish answers a settled check and delivers what it accepted.
func (a *Actor) finish(ctx actor.Context, msg *checked) {
	out := msg.out
	a.count(msg.kind, out.Result)
	if msg.replyTo != nil {
		ctx.Send(msg.replyTo, &gossip.ChainVerdict{Result: out.Result, Err: out.Err})
	}
	if out.Result == gossip.Reject {
		ctx.Logger().Debug("Gossip message rejected", "kind", msg.kind, "err", out.Err)
	}
	if a.blockSync == nil {
		return
	}
	switch {
	case out.Import:
		a.status.Delivered++
		ctx.Send(a.blockSync, &blocksync.ImportBlock{SSZ: msg.ssz})
	case out.Result == gossip.Accept && msg.indexed != nil:
		a.status.Delivered++
		ctx.Send(a.blockSync, &blocksync.OnAttestation{IndexedAttestation: msg.indexed})
	}
}

func (a *Actor) count(k gossip.Kind, r gossip.Result) {
	v := a.status.Verdicts[k]
	v[r]++
	a.status.Verdicts[k] = v
}
