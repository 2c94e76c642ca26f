package actors

import (
	"sync"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/eventstream"
)

// Events is a subscription that forwards the actor system's events of one type to an actor as messages.
type Events struct {
	system *actor.ActorSystem
	sub    *eventstream.Subscription
	once   sync.Once
}

// ForwardEvents sends the actor of ctx every event of type E published on the actor system's EventStream, as a
// message, until Stop. Handlers of the EventStream run on the publisher's goroutine: forwarding keeps the actor's
// state on its own. Subscribe in Started and Stop in Stopping and Restarting, or a restarted actor gets every
// event twice.
func ForwardEvents[E any](ctx actor.Context) *Events {
	system, self := ctx.ActorSystem(), ctx.Self()
	sub := system.EventStream.Subscribe(func(evt any) {
		if e, ok := evt.(E); ok {
			system.Root.Send(self, e)
		}
	})
	return &Events{system: system, sub: sub}
}

// Stop ends the forwarding; it may be called more than once, and on nil.
func (e *Events) Stop() {
	if e == nil {
		return
	}
	e.once.Do(func() { e.system.EventStream.Unsubscribe(e.sub) })
}
