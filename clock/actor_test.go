package clock

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
)

func startClock(t *testing.T, cfg Config) (*actor.ActorSystem, *actor.PID, <-chan SlotStarted) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return quiet }))
	slots := make(chan SlotStarted, 16)
	system.EventStream.Subscribe(func(evt any) {
		if s, ok := evt.(*SlotStarted); ok {
			slots <- *s
		}
	})
	pid := system.Root.Spawn(actors.NewProps("clock", func() actor.Actor { return NewActor(cfg) },
		actors.WithLogger(quiet)))
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
	return system, pid, slots
}

func nextSlot(t *testing.T, slots <-chan SlotStarted) SlotStarted {
	t.Helper()
	select {
	case s := <-slots:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no SlotStarted")
		panic("unreachable")
	}
}

func TestClockAnnouncesEachSlotAsItStarts(t *testing.T) {
	cfg := Config{Genesis: time.Now().Add(-900 * time.Millisecond), SecondsPerSlot: 1, SlotsPerEpoch: 2}
	system, pid, slots := startClock(t, cfg)

	first := nextSlot(t, slots)
	if now := time.Now(); now.Before(SlotStart(cfg.Genesis, 1, first.Slot)) {
		t.Errorf("slot %d announced before it started", first.Slot)
	}
	second := nextSlot(t, slots)
	if first.Slot < 1 || second.Slot != first.Slot+1 {
		t.Errorf("announced slots %d then %d", first.Slot, second.Slot)
	}
	for _, s := range []SlotStarted{first, second} {
		if s.Epoch != EpochAt(s.Slot, 2) {
			t.Errorf("slot %d announced with epoch %d", s.Slot, s.Epoch)
		}
	}
	res, err := system.Root.RequestFuture(pid, &CurrentSlotRequest{}, 5*time.Second).Result()
	if err != nil {
		t.Fatal(err)
	}
	if r := res.(*CurrentSlotResponse); r.BeforeGenesis || r.Slot < second.Slot || r.Epoch != EpochAt(r.Slot, 2) {
		t.Errorf("current slot %+v after slot %d was announced", r, second.Slot)
	}
}

func TestClockWaitsForGenesis(t *testing.T) {
	cfg := Config{Genesis: time.Now().Add(time.Second), SecondsPerSlot: 1, SlotsPerEpoch: 32}
	system, pid, slots := startClock(t, cfg)
	res, err := system.Root.RequestFuture(pid, &CurrentSlotRequest{}, 5*time.Second).Result()
	if err != nil {
		t.Fatal(err)
	}
	if r := res.(*CurrentSlotResponse); !r.BeforeGenesis {
		t.Fatalf("a second before genesis: %+v", r)
	}
	if s := nextSlot(t, slots); s != (SlotStarted{}) {
		t.Errorf("first announcement %+v, want slot 0", s)
	}
	if time.Now().Before(cfg.Genesis) {
		t.Error("slot 0 announced before genesis")
	}
}
