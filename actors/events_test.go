package actors_test

import (
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
)

type tick struct{ n int }

type other struct{}

// eventCounter forwards *tick events to itself until told to stop, and reports each to got.
type eventCounter struct {
	events *actors.Events
	ready  chan struct{}
	got    chan int
}

type stopForwarding struct{}

func (c *eventCounter) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		c.events = actors.ForwardEvents[*tick](ctx)
		close(c.ready)
	case *stopForwarding:
		c.events.Stop()
		c.events.Stop() // twice is harmless
		ctx.Respond(true)
	case *tick:
		c.got <- msg.n
	case *other:
		c.got <- -1
	case *actor.Stopping:
		c.events.Stop()
	}
}

func TestForwardEventsOfOneType(t *testing.T) {
	system := actor.NewActorSystem()
	defer system.Shutdown()
	got, ready := make(chan int, 8), make(chan struct{})
	pid := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &eventCounter{ready: ready, got: got} }))
	<-ready
	system.EventStream.Publish(&other{})
	system.EventStream.Publish(&tick{n: 1})
	select {
	case n := <-got:
		if n != 1 {
			t.Fatalf("got %d, want the tick only", n)
		}
	case <-time.After(time.Second):
		t.Fatal("the tick was not forwarded")
	}
	if _, err := system.Root.RequestFuture(pid, &stopForwarding{}, time.Second).Result(); err != nil {
		t.Fatal(err)
	}
	system.EventStream.Publish(&tick{n: 2})
	select {
	case n := <-got:
		t.Fatalf("got %d after Stop", n)
	case <-time.After(50 * time.Millisecond):
	}
	var none *actors.Events
	none.Stop()
}
