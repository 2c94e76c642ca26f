package clock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/primitives"
)

// Config is what the clock needs to know about the chain.
type Config struct {
	Genesis        time.Time
	SecondsPerSlot uint64
	SlotsPerEpoch  uint64
	// SlotLogLevel is the level of the line logged at every slot: Info (the zero value) by default, Debug when
	// another actor reports each slot with more to say (the import of its block).
	SlotLogLevel slog.Level
}

// Validate reports a config the clock cannot run with.
func (c Config) Validate() error {
	switch {
	case c.Genesis.IsZero():
		return errors.New("clock: genesis time not set")
	case c.SecondsPerSlot == 0 || c.SecondsPerSlot > maxSeconds/IntervalsPerSlot:
		return fmt.Errorf("clock: seconds per slot: have %d, want 1..%d", c.SecondsPerSlot, maxSeconds/IntervalsPerSlot)
	case c.SlotsPerEpoch == 0:
		return errors.New("clock: slots per epoch: have 0, want > 0")
	}
	return nil
}

// Actor is the clock actor. At every slot boundary it logs the slot and publishes *SlotStarted on the actor
// system's EventStream; it answers *CurrentSlotRequest. It announces only slots that start while it runs: after a
// (re)start it waits for the next boundary.
type Actor struct {
	cfg       Config
	last      primitives.Slot // the last slot announced, or running when this incarnation started
	announced bool            // last is set
}

// NewActor returns a clock actor; cfg must be valid.
func NewActor(cfg Config) actor.Actor { return &Actor{cfg: cfg} }

func (a *Actor) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		if slot, ok := SlotAt(a.cfg.Genesis, a.cfg.SecondsPerSlot, time.Now()); ok {
			a.last, a.announced = slot, true
			ctx.Logger().Info("Started", "slot", slot, "epoch", EpochAt(slot, a.cfg.SlotsPerEpoch))
		} else {
			ctx.Logger().Info("Started; waiting for genesis", "genesis", a.cfg.Genesis,
				"in", time.Until(a.cfg.Genesis).Round(time.Second))
		}
		a.startTicker(ctx)
	case *tick:
		a.onTick(ctx)
	case *CurrentSlotRequest:
		slot, ok := SlotAt(a.cfg.Genesis, a.cfg.SecondsPerSlot, time.Now())
		ctx.Respond(&CurrentSlotResponse{Slot: slot, Epoch: EpochAt(slot, a.cfg.SlotsPerEpoch), BeforeGenesis: !ok})
	case *actor.Stopped:
		ctx.Logger().Info("Stopped")
	}
}

// startTicker sends the actor a tick at every slot boundary, from a timer goroutine that lives as long as this
// incarnation. The goroutine keeps its own schedule, so a tick that is lost (a full or faulted mailbox) costs one
// announcement, not the clock.
func (a *Actor) startTicker(ctx actor.Context) {
	system, self, cfg := ctx.ActorSystem(), ctx.Self(), a.cfg
	actors.Go(ctx, "slot ticker", func(done context.Context) {
		for {
			timer := time.NewTimer(time.Until(nextSlotStart(cfg, time.Now())))
			select {
			case <-done.Done():
				timer.Stop()
				return
			case <-timer.C:
				system.Root.Send(self, &tick{})
			}
		}
	})
}

// onTick announces the slot running now if it was not announced yet. The time is read again here rather than
// trusted from the tick: a tick can arrive late or twice.
func (a *Actor) onTick(ctx actor.Context) {
	slot, ok := SlotAt(a.cfg.Genesis, a.cfg.SecondsPerSlot, time.Now())
	if !ok || (a.announced && slot <= a.last) {
		return
	}
	if a.announced && slot > a.last+1 {
		ctx.Logger().Warn("Skipped slots", "from", a.last+1, "to", slot-1)
	}
	a.last, a.announced = slot, true
	epoch := EpochAt(slot, a.cfg.SlotsPerEpoch)
	ctx.Logger().Log(context.Background(), a.cfg.SlotLogLevel, "Slot", "slot", slot, "epoch", epoch)
	ctx.ActorSystem().EventStream.Publish(&SlotStarted{Slot: slot, Epoch: epoch})
}

// nextSlotStart is when the next slot after now begins: genesis itself before genesis.
func nextSlotStart(cfg Config, now time.Time) time.Time {
	slot, ok := SlotAt(cfg.Genesis, cfg.SecondsPerSlot, now)
	if !ok {
		return cfg.Genesis
	}
	return SlotStart(cfg.Genesis, cfg.SecondsPerSlot, slot+1)
}
