package validator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/clock"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
)

// Config is the validator actor's configuration.
type Config struct {
	Spec        *params.Spec
	GenesisTime time.Time
	// NewClient builds the incarnation's Client. It is called at every start, so that a restarted actor asks the
	// node for its duties again and keeps nothing of the incarnation that failed; what makes that safe is the
	// slashing protection database the clients share.
	NewClient func() (*Client, error)
	// SlotDuration overrides the chain's SLOT_DURATION_MS for the duty schedule; zero takes the spec's. Tests
	// use it to run slots faster than whole seconds.
	SlotDuration time.Duration
}

// slotDuration is the duty schedule's slot length.
func (c Config) slotDuration() time.Duration {
	if c.SlotDuration > 0 {
		return c.SlotDuration
	}
	return c.Spec.SlotDuration
}

// ErrNoClient means the validator actor could not build its client (keys, slashing protection database): a
// restart cannot cure it, so the actor fails with actors.Fatal.
var ErrNoClient = errors.New("validator client unavailable")

// slotQueue bounds the slots waiting for the duty worker: a worker more than this behind skips to the newest.
const slotQueue = 2

// Actor is the validator actor: the thin shell around a Client. Its Receive only forwards each *clock.SlotStarted
// to a duty worker goroutine, which owns the Client and runs a slot's steps at their due times (the proposal at
// the slot's start, attestations at ATTESTATION_DUE_BPS, aggregation at AGGREGATE_DUE_BPS), since each step waits
// on the beacon node and signs for every validator; the worker reports each step back as a message, which the
// actor logs, counts and publishes as *DutiesPerformed. An incarnation that starts mid-slot also does the steps of
// the slot under way that are still timely; slashing protection keeps a step its predecessor did from signing
// anything conflicting.
type Actor struct {
	cfg        Config
	status     Status
	slots      chan slotDuties
	slotEvents *actors.Events
}

// NewActor returns a validator actor; its client is built when it starts.
func NewActor(cfg Config) actor.Actor { return &Actor{cfg: cfg} }

// Receive implements actor.Actor.
func (a *Actor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.start(ctx)
	case *clock.SlotStarted:
		a.enqueue(ctx, slotDuties{slot: msg.Slot})
	case *stepDone:
		a.record(ctx, msg)
	case *slotSkipped:
		a.status.Skipped++
		ctx.Logger().Warn("Skipped the duties of a slot: the validator fell behind", "slot", msg.slot)
	case *StatusRequest:
		ctx.Respond(&StatusResponse{Status: a.status})
	case *actor.Stopping, *actor.Restarting:
		a.slotEvents.Stop()
	case *actor.Stopped:
		ctx.Logger().Info("Stopped")
	}
}

func (a *Actor) start(ctx actor.Context) {
	client, err := a.cfg.NewClient()
	if err != nil {
		panic(actors.Fatal(fmt.Errorf("%w: %w", ErrNoClient, err)))
	}
	a.status = Status{StartedAt: time.Now(), Validators: len(client.signer.Pubkeys())}
	a.slots = make(chan slotDuties, slotQueue)
	slots, system, self := a.slots, ctx.ActorSystem(), ctx.Self()
	w := &worker{client: client, genesis: a.cfg.GenesisTime, slotDuration: a.cfg.slotDuration(), spec: a.cfg.Spec,
		report: func(msg any) { system.Root.Send(self, msg) }}
	actors.Go(ctx, "duties", func(done context.Context) { w.run(done, slots) })
	a.slotEvents = actors.ForwardEvents[*clock.SlotStarted](ctx)
	// The clock announces a slot only when it begins: an incarnation that starts mid-slot (a restart, a node
	// started late) does what is still timely of the slot under way rather than idle until the next.
	if elapsed := time.Since(a.cfg.GenesisTime); elapsed >= 0 {
		a.enqueue(ctx, slotDuties{slot: primitives.Slot(elapsed / w.slotDuration), joined: true})
	}
	ctx.Logger().Info("Started", "validators", a.status.Validators)
}

// slotDuties is a slot handed to the duty worker.
type slotDuties struct {
	slot primitives.Slot
	// joined: the actor started during the slot, so some of its steps may be past their window.
	joined bool
}

// enqueue hands d to the worker without blocking; when the worker is behind, the oldest waiting slot gives way.
func (a *Actor) enqueue(ctx actor.Context, d slotDuties) {
	for {
		select {
		case a.slots <- d:
			return
		default:
		}
		select {
		case old := <-a.slots:
			a.status.Skipped++
			ctx.Logger().Warn("Skipped the duties of a slot: the validator fell behind", "slot", old.slot)
		default:
		}
	}
}

func (a *Actor) record(ctx actor.Context, done *stepDone) {
	r := done.report
	a.status.LastSlot = r.Slot
	t := &a.status.Totals
	t.Proposed += r.Proposed
	t.Attested += r.Attested
	t.Aggregated += r.Aggregated
	t.SyncMessages += r.SyncMessages
	t.Contributions += r.Contributions
	t.Refused += r.Refused
	a.status.Failures += len(r.Errors)
	for _, err := range r.Errors {
		ctx.Logger().Error("Duty failed", "slot", r.Slot, "step", done.step, "err", err)
	}
	if r.Proposed > 0 {
		ctx.Logger().Info("Proposed a block", "slot", r.Slot)
	}
	if n := r.Attested + r.Aggregated + r.SyncMessages + r.Contributions; n > 0 {
		ctx.Logger().Debug("Performed duties", "slot", r.Slot, "step", done.step, "attestations", r.Attested,
			"aggregates", r.Aggregated, "sync_messages", r.SyncMessages, "contributions", r.Contributions)
	}
	ctx.ActorSystem().EventStream.Publish(&DutiesPerformed{Step: done.step, Report: r})
}

// worker runs the duties of each slot it is given, at their due times. It owns the client.
type worker struct {
	client       *Client
	spec         *params.Spec
	genesis      time.Time
	slotDuration time.Duration
	report       func(msg any)
	ran          bool            // a slot was run: last is set
	last         primitives.Slot // the last slot run
}

func (w *worker) run(done context.Context, slots <-chan slotDuties) {
	for {
		select {
		case <-done.Done():
			return
		case d := <-slots:
			// A slot joined at start can be announced by the clock too, when the actor started on its boundary.
			if w.ran && d.slot == w.last {
				continue
			}
			w.ran, w.last = true, d.slot
			w.slot(done, d)
		}
	}
}

// due is when step of slot is due.
func (w *worker) due(slot primitives.Slot, step Step) time.Time {
	start := w.genesis.Add(time.Duration(slot) * w.slotDuration)
	switch step {
	case StepAttest:
		return start.Add(w.slotDuration * time.Duration(w.spec.AttestationDueBPS) / params.BasisPoints)
	case StepAggregate:
		return start.Add(w.slotDuration * time.Duration(w.spec.AggregateDueBPS) / params.BasisPoints)
	}
	return start
}

// closes is when a step joined late is no longer worth doing: a block proposed after the attestation deadline
// gathers no votes in its slot, and votes made after the aggregation deadline miss the slot's aggregates.
func (w *worker) closes(slot primitives.Slot, step Step) time.Time {
	switch step {
	case StepPropose:
		return w.due(slot, StepAttest)
	case StepAttest:
		return w.due(slot, StepAggregate)
	}
	return w.due(slot+1, StepPropose)
}

func (w *worker) slot(done context.Context, d slotDuties) {
	slot := d.slot
	// A slot that ended before the worker reached it is past helping: its block and votes would be late.
	if time.Now().After(w.due(slot+1, StepPropose)) {
		w.report(&slotSkipped{slot: slot})
		return
	}
	steps := []struct {
		step Step
		run  func(context.Context, primitives.Slot) Report
	}{{StepPropose, w.client.ProposeBlock}, {StepAttest, w.client.Attest}, {StepAggregate, w.client.Aggregate}}
	for _, s := range steps {
		if slot == 0 && s.step == StepPropose {
			continue // the genesis block is the chain's start, nobody proposes it
		}
		if d.joined && time.Now().After(w.closes(slot, s.step)) {
			continue
		}
		if !sleepUntil(done, w.due(slot, s.step)) {
			return
		}
		// A step may take no longer than its slot: a node that hangs must not hold the next slot's duties.
		stepCtx, cancel := context.WithDeadline(done, w.due(slot+1, StepPropose))
		report := s.run(stepCtx, slot)
		cancel()
		w.report(&stepDone{step: s.step, report: report})
	}
}

// sleepUntil waits until t, or returns false when done is cancelled first.
func sleepUntil(done context.Context, t time.Time) bool {
	wait := time.Until(t)
	if wait <= 0 {
		return done.Err() == nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-done.Done():
		return false
	case <-timer.C:
		return true
	}
}
