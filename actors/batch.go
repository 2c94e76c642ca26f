package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Batch gathers items an actor handles together, such as signatures verified in one multi-pairing: it is full at
// Size weight, or due Delay after its first item, whichever comes first. The actor calls it from Receive only.
type Batch[T any] struct {
	Size  int
	Delay time.Duration

	items  []T
	weight int
	gen    uint64 // bumped at every take, so that the timer of a batch taken already is recognized
	timer  *time.Timer
}

// BatchDue is what a Batch sends its actor once its delay has passed; hand it to Batch.Due.
type BatchDue struct {
	batch any
	gen   uint64
}

// Add adds item, of weight w. It returns the batch's items when item filled it (the batch is then empty again),
// and nil otherwise; the first item of a batch arms its timer.
func (b *Batch[T]) Add(ctx actor.Context, item T, w int) []T {
	b.items = append(b.items, item)
	b.weight += w
	if b.weight >= b.Size {
		return b.Take()
	}
	if len(b.items) == 1 {
		due, self, system := &BatchDue{batch: b, gen: b.gen}, ctx.Self(), ctx.ActorSystem()
		b.timer = time.AfterFunc(b.Delay, func() { system.Root.Send(self, due) })
	}
	return nil
}

// Due returns the batch's items, and empties it, when msg is the timer of the batch waiting now; nil for another
// batch's, or one taken already.
func (b *Batch[T]) Due(msg *BatchDue) []T {
	if msg.batch != b || msg.gen != b.gen {
		return nil
	}
	return b.Take()
}

// Take empties the batch and returns its items.
func (b *Batch[T]) Take() []T {
	items := b.items
	b.items, b.weight = nil, 0
	b.gen++
	b.Stop()
	return items
}

// Stop disarms the timer: call it when the actor stops or restarts.
func (b *Batch[T]) Stop() {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
}
