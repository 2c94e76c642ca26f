package validator_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/clock"
	"github.com/salamander-client/salamander/genesis"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/validator"
)

func quietSystem(t *testing.T) (*actor.ActorSystem, *slog.Logger) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return quiet }))
	t.Cleanup(system.Shutdown)
	return system, quiet
}

func status(t *testing.T, system *actor.ActorSystem, pid *actor.PID) validator.Status {
	t.Helper()
	res, err := system.Root.RequestFuture(pid, &validator.StatusRequest{}, 5*time.Second).Result()
	if err != nil {
		t.Fatal(err)
	}
	return res.(*validator.StatusResponse).Status
}

// TestActorPerformsDutiesOnClockSlots drives the validator actor with the clock's events, on fast slots, and
// checks that it runs every step of every slot on the devnet.
func TestActorPerformsDutiesOnClockSlots(t *testing.T) {
	d := newDevnet(t, genesis.DefaultValidatorCount)
	system, quiet := quietSystem(t)
	performed := make(chan *validator.DutiesPerformed, 64)
	system.EventStream.Subscribe(func(evt any) {
		if p, ok := evt.(*validator.DutiesPerformed); ok {
			performed <- p
		}
	})

	slotDuration := 900 * time.Millisecond
	genesisTime := time.Now().Add(100 * time.Millisecond)
	cfg := validator.Config{Spec: d.env.Spec, GenesisTime: genesisTime, SlotDuration: slotDuration,
		NewClient: func() (*validator.Client, error) { return d.client, nil }}
	pid := system.Root.Spawn(actors.NewProps("validator", func() actor.Actor { return validator.NewActor(cfg) }, actors.WithLogger(quiet)))
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })

	status(t, system, pid) // answered after Started: the actor listens to the clock now
	const slots = 3
	for slot := range primitives.Slot(slots) {
		time.Sleep(time.Until(genesisTime.Add(time.Duration(slot) * slotDuration)))
		system.EventStream.Publish(&clock.SlotStarted{Slot: slot, Epoch: primitives.Epoch(uint64(slot) / params.SlotsPerEpoch)})
	}
	// Slot 0 has two steps (nobody proposes the genesis block), the others three.
	want := 3*slots - 1
	deadline := time.After(10 * time.Second)
	for got := 0; got < want; got++ {
		select {
		case p := <-performed:
			if err := p.Report.Err(); err != nil {
				t.Fatalf("slot %d %s: %v", p.Report.Slot, p.Step, err)
			}
		case <-deadline:
			t.Fatalf("%d of %d duty steps performed", got, want)
		}
	}
	s := status(t, system, pid)
	if s.LastSlot != slots-1 || s.Totals.Proposed != slots-1 || s.Totals.Attested == 0 || s.Failures != 0 || s.Validators != genesis.DefaultValidatorCount {
		t.Fatalf("status %+v", s)
	}
	if _, head, _ := d.chain.Head(context.Background()); head.Slot != slots-1 {
		t.Fatalf("head at slot %d", head.Slot)
	}
}

// TestActorSkipsSlotsItIsTooLateFor gives the actor a slot that ended long ago.
func TestActorSkipsSlotsItIsTooLateFor(t *testing.T) {
	d := newDevnet(t, 8)
	system, quiet := quietSystem(t)
	// Hour-long slots, late in slot 10 (only its aggregation is still timely): slot 5 ended hours ago.
	cfg := validator.Config{Spec: d.env.Spec, GenesisTime: time.Now().Add(-10*time.Hour - 50*time.Minute), SlotDuration: time.Hour,
		NewClient: func() (*validator.Client, error) { return d.client, nil }}
	pid := system.Root.Spawn(actors.NewProps("validator", func() actor.Actor { return validator.NewActor(cfg) }, actors.WithLogger(quiet)))
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
	status(t, system, pid) // answered after Started: the actor listens to the clock now
	system.EventStream.Publish(&clock.SlotStarted{Slot: 5})
	deadline := time.Now().Add(5 * time.Second)
	for status(t, system, pid).Skipped == 0 {
		if time.Now().After(deadline) {
			t.Fatal("a slot of an hour ago was not skipped")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestActorStartedMidSlotDoesItsDuties: an actor that starts during a slot (a restart) proposes, attests and
// aggregates in it without waiting for the clock's next announcement.
func TestActorStartedMidSlotDoesItsDuties(t *testing.T) {
	d := newDevnet(t, genesis.DefaultValidatorCount)
	system, quiet := quietSystem(t)
	performed := make(chan *validator.DutiesPerformed, 16)
	system.EventStream.Subscribe(func(evt any) {
		if p, ok := evt.(*validator.DutiesPerformed); ok {
			performed <- p
		}
	})
	slotDuration := 900 * time.Millisecond
	cfg := validator.Config{Spec: d.env.Spec, GenesisTime: time.Now().Add(-slotDuration - 30*time.Millisecond),
		SlotDuration: slotDuration, NewClient: func() (*validator.Client, error) { return d.client, nil }}
	pid := system.Root.Spawn(actors.NewProps("validator", func() actor.Actor { return validator.NewActor(cfg) }, actors.WithLogger(quiet)))
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })

	steps := map[validator.Step]bool{}
	deadline := time.After(5 * time.Second)
	for len(steps) < 3 {
		select {
		case p := <-performed:
			if p.Report.Slot != 1 {
				t.Fatalf("%s duties of slot %d, want slot 1", p.Step, p.Report.Slot)
			}
			if err := p.Report.Err(); err != nil {
				t.Fatalf("slot 1 %s: %v", p.Step, err)
			}
			steps[p.Step] = true
		case <-deadline:
			t.Fatalf("steps of slot 1 performed without a clock announcement: %v, want propose, attest and aggregate", steps)
		}
	}
	if s := status(t, system, pid); s.Totals.Proposed != 1 || s.Totals.Attested == 0 {
		t.Fatalf("status %+v", s)
	}
}

// TestActorWithoutClientFailsFatally: no keys or no slashing protection cannot be cured by a restart.
func TestActorWithoutClientFailsFatally(t *testing.T) {
	system, quiet := quietSystem(t)
	reasons := make(chan any, 1)
	strategy := actor.NewOneForOneStrategy(1, time.Second, func(reason any) actor.Directive {
		reasons <- reason
		return actor.StopDirective
	})
	broken := errors.New("no keystores")
	cfg := validator.Config{NewClient: func() (*validator.Client, error) { return nil, broken }}
	parent := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if _, ok := ctx.Message().(*actor.Started); ok {
			ctx.Spawn(actors.NewProps("validator", func() actor.Actor { return validator.NewActor(cfg) }, actors.WithLogger(quiet)))
		}
	}, actor.WithSupervisor(strategy)))
	t.Cleanup(func() { _ = system.Root.StopFuture(parent).Wait() })
	select {
	case reason := <-reasons:
		err, ok := reason.(error)
		if !ok || !actors.IsFatal(reason) || !errors.Is(err, validator.ErrNoClient) || !errors.Is(err, broken) {
			t.Fatalf("failure %v, want a fatal ErrNoClient", reason)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the actor did not fail")
	}
}
