package actors_test

import (
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
)

// batcher adds every int it receives to a Batch and reports each batch it takes.
type batcher struct {
	batch   actors.Batch[int]
	batches chan []int
}

func (b *batcher) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case int:
		if full := b.batch.Add(ctx, msg, msg); full != nil {
			b.batches <- full
		}
	case *actors.BatchDue:
		if due := b.batch.Due(msg); due != nil {
			b.batches <- due
		}
	case *actor.Stopping:
		b.batch.Stop()
	}
}

func TestBatchFullOrDue(t *testing.T) {
	system := actor.NewActorSystem()
	defer system.Shutdown()
	b := &batcher{batch: actors.Batch[int]{Size: 10, Delay: 30 * time.Millisecond}, batches: make(chan []int, 4)}
	pid := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return b }))
	next := func() []int {
		select {
		case got := <-b.batches:
			return got
		case <-time.After(time.Second):
			t.Fatal("no batch")
			return nil
		}
	}

	// Full by weight, before the delay: the timer of that batch must not take the next one early.
	for _, n := range []int{3, 4, 5} {
		system.Root.Send(pid, n)
	}
	if got := next(); !slices.Equal(got, []int{3, 4, 5}) {
		t.Fatalf("full batch %v, want [3 4 5]", got)
	}
	system.Root.Send(pid, 1)
	begun := time.Now()
	if got := next(); !slices.Equal(got, []int{1}) || time.Since(begun) < 25*time.Millisecond {
		t.Fatalf("due batch %v after %s, want [1] after the delay", got, time.Since(begun))
	}
	select {
	case got := <-b.batches:
		t.Fatalf("a stale timer took %v", got)
	case <-time.After(60 * time.Millisecond):
	}
}
