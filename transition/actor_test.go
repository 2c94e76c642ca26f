package transition

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/transition/block"
)

const deadline = 20 * time.Second

type actorHarness struct {
	t      *testing.T
	system *actor.ActorSystem
	pid    *actor.PID
	faults *actors.FaultInjector
}

// startActor spawns a transition actor from the root context, whose default supervision restarts it when it fails.
func startActor(t *testing.T, cfg Config) *actorHarness {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return quiet }))
	t.Cleanup(system.Shutdown)
	faults := actors.NewSeededFaultInjector(1)
	props := actors.NewProps("transition", New(cfg), actors.WithLogger(quiet), actors.WithFaults(faults))
	pid, err := system.Root.SpawnNamed(props, "transition")
	if err != nil {
		t.Fatal(err)
	}
	return &actorHarness{t: t, system: system, pid: pid, faults: faults}
}

// apply sends an ApplyBlock request and returns its future.
func (h *actorHarness) apply(raw []byte) *actor.Future {
	return h.system.Root.RequestFuture(h.pid, &ApplyBlock{SSZ: raw}, deadline)
}

// result waits for the reply of an ApplyBlock request.
func (h *actorHarness) result(f *actor.Future) (*BlockApplied, error) {
	h.t.Helper()
	res, err := f.Result()
	if err != nil {
		h.t.Fatalf("ApplyBlock: %v", err)
	}
	r, ok := res.(ApplyBlockResult)
	if !ok {
		h.t.Fatalf("ApplyBlock answered %T", res)
	}
	return r.Result()
}

func (h *actorHarness) status() Status {
	h.t.Helper()
	res, err := h.system.Root.RequestFuture(h.pid, &StatusRequest{}, deadline).Result()
	if err != nil {
		h.t.Fatalf("StatusRequest: %v", err)
	}
	return res.(*StatusResponse).Status
}

// gateEngine holds every payload until released, so that a test can act while a transition runs.
type gateEngine struct {
	entered chan struct{}
	release chan struct{}
}

func newGateEngine() *gateEngine {
	return &gateEngine{entered: make(chan struct{}, 16), release: make(chan struct{})}
}

func (g *gateEngine) VerifyAndNotifyNewPayload(ctx context.Context, _ *block.NewPayloadRequest) (bool, error) {
	g.entered <- struct{}{}
	select {
	case <-g.release:
		return true, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

func (g *gateEngine) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-g.entered:
	case <-time.After(deadline):
		t.Fatal("no transition reached the execution engine")
	}
}

// panicOnceEngine panics at its first payload and accepts the others.
type panicOnceEngine struct{ calls atomic.Int32 }

func (e *panicOnceEngine) VerifyAndNotifyNewPayload(context.Context, *block.NewPayloadRequest) (bool, error) {
	if e.calls.Add(1) == 1 {
		panic("engine bug")
	}
	return true, nil
}

func TestActorAppliesQueuedBlocksInOrder(t *testing.T) {
	c := newTestChain(t)
	h := startActor(t, Config{Spec: c.spec, Engine: block.AcceptAllEngine{}, States: newMemorySource(c.anchorRoot, c.anchor)})
	// Sent back to back: b2 waits for b1, whose post-state it needs.
	first, second := h.apply(encode(t, c.b1)), h.apply(encode(t, c.b2))
	for _, want := range []struct {
		f    *actor.Future
		slot uint64
	}{{first, uint64(c.b1.Message.Slot)}, {second, uint64(c.b2.Message.Slot)}} {
		applied, err := h.result(want.f)
		if err != nil {
			t.Fatal(err)
		}
		if uint64(applied.Slot) != want.slot {
			t.Errorf("applied slot %d, want %d", applied.Slot, want.slot)
		}
	}
	s := h.status()
	if s.Applied != 2 || s.Rejected != 0 || s.States != 3 || s.Busy || s.Queued != 0 || s.LastSlot != c.b2.Message.Slot {
		t.Errorf("status %+v", s)
	}
}

func TestActorAnswersWhileATransitionRuns(t *testing.T) {
	c := newTestChain(t)
	engine := newGateEngine()
	h := startActor(t, Config{Spec: c.spec, Engine: engine, States: newMemorySource(c.anchorRoot, c.anchor), MaxQueue: 1})
	running := h.apply(encode(t, c.b1))
	engine.waitEntered(t)
	queued := h.apply(encode(t, c.b2))

	// Receive is free: it answers the status, and rejects what overflows the queue at once.
	if _, err := h.result(h.apply(encode(t, c.sibling))); !errors.Is(err, ErrQueueFull) {
		t.Errorf("third block: have %v, want %v", err, ErrQueueFull)
	}
	if s := h.status(); !s.Busy || s.Queued != 1 || s.Rejected != 1 {
		t.Errorf("status while busy: %+v", s)
	}
	close(engine.release)
	for _, f := range []*actor.Future{running, queued} {
		if _, err := h.result(f); err != nil {
			t.Fatal(err)
		}
	}
}

func TestActorSurvivesAPanickingTransition(t *testing.T) {
	c := newTestChain(t)
	h := startActor(t, Config{Spec: c.spec, Engine: &panicOnceEngine{}, States: newMemorySource(c.anchorRoot, c.anchor)})
	started := h.status().StartedAt
	if _, err := h.result(h.apply(encode(t, c.b1))); !errors.Is(err, ErrTransitionPanicked) {
		t.Fatalf("have %v, want %v", err, ErrTransitionPanicked)
	}
	// Same incarnation, same states: the anchor loaded for the failed block serves the next one.
	for _, signed := range [][]byte{encode(t, c.b1), encode(t, c.b2)} {
		if _, err := h.result(h.apply(signed)); err != nil {
			t.Fatal(err)
		}
	}
	if s := h.status(); !s.StartedAt.Equal(started) || s.Applied != 2 || s.Rejected != 1 {
		t.Errorf("status %+v, want the incarnation started at %v with 2 applied and 1 rejected", s, started)
	}
}

func TestActorRestartsAfterAPanicAndAppliesLaterBlocks(t *testing.T) {
	c := newTestChain(t)
	source := newMemorySource(c.anchorRoot, c.anchor)
	h := startActor(t, Config{Spec: c.spec, Engine: block.AcceptAllEngine{}, States: source})
	if _, err := h.result(h.apply(encode(t, c.b1))); err != nil {
		t.Fatal(err)
	}
	started := h.status().StartedAt

	// The next message crashes the actor: its supervisor restarts it, with no state held.
	if err := h.faults.Set("transition", actors.Fault{PanicNext: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.system.Root.RequestFuture(h.pid, &ApplyBlock{SSZ: encode(t, c.b2)}, time.Second).Result(); err == nil {
		t.Fatal("the crashing message was answered")
	}
	s := h.status()
	if !s.StartedAt.After(started) || s.States != 0 || s.Applied != 0 {
		t.Fatalf("status after the panic %+v: want a new incarnation holding nothing", s)
	}

	// Later blocks apply: b2's parent state was lost with the incarnation, b1 brings it back from the anchor.
	if _, err := h.result(h.apply(encode(t, c.b2))); !errors.Is(err, ErrUnknownParentState) {
		t.Fatalf("b2 after the restart: have %v, want %v", err, ErrUnknownParentState)
	}
	for _, signed := range [][]byte{encode(t, c.b1), encode(t, c.b2)} {
		if _, err := h.result(h.apply(signed)); err != nil {
			t.Fatal(err)
		}
	}
	if n := source.loads.Load(); n != 2 {
		t.Errorf("the anchor was loaded %d times, want once per incarnation", n)
	}
}

func TestActorAnswersWaitingRequestsWhenItRestarts(t *testing.T) {
	c := newTestChain(t)
	engine := newGateEngine()
	h := startActor(t, Config{Spec: c.spec, Engine: engine, States: newMemorySource(c.anchorRoot, c.anchor)})
	running := h.apply(encode(t, c.b1))
	engine.waitEntered(t)
	queued := h.apply(encode(t, c.b2))
	if s := h.status(); s.Queued != 1 { // b2 is in the queue, not in the mailbox, where the fault would hit it
		t.Fatalf("status %+v, want b2 queued", s)
	}
	if err := h.faults.Set("transition", actors.Fault{PanicNext: 1}); err != nil {
		t.Fatal(err)
	}
	h.system.Root.Send(h.pid, &StatusRequest{}) // crashes the actor

	for _, f := range []*actor.Future{running, queued} {
		if _, err := h.result(f); !errors.Is(err, ErrActorStopped) {
			t.Errorf("have %v, want %v", err, ErrActorStopped)
		}
	}
	// The abandoned transition's late report does not disturb the new incarnation, which serves blocks.
	close(engine.release)
	for _, signed := range [][]byte{encode(t, c.b1), encode(t, c.b2)} {
		if _, err := h.result(h.apply(signed)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNewActorHasNoChain(t *testing.T) {
	c := newTestChain(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return quiet }))
	t.Cleanup(system.Shutdown)
	pid := system.Root.Spawn(actors.NewProps("transition", NewActor, actors.WithLogger(quiet)))
	res, err := system.Root.RequestFuture(pid, &ApplyBlock{SSZ: encode(t, c.b1)}, deadline).Result()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := res.(ApplyBlockResult).Result(); !errors.Is(err, ErrUnknownParentState) {
		t.Fatalf("have %v, want %v", err, ErrUnknownParentState)
	}
}
