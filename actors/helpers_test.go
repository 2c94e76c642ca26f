package actors

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// deadline bounds every wait in these tests; reaching it is a failure.
const deadline = 10 * time.Second

func newSystem(t *testing.T) *actor.ActorSystem {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return quiet }))
	t.Cleanup(system.Shutdown)
	return system
}

// failures subscribes to the reasons protoactor's default supervision (that of actors spawned from the root
// context) restarts actors for.
func failures(system *actor.ActorSystem) <-chan any {
	reasons := make(chan any, 100)
	system.EventStream.Subscribe(func(evt any) {
		if e, ok := evt.(*actor.SupervisorEvent); ok {
			reasons <- e.Reason
		}
	})
	return reasons
}

// receive waits for a value from ch.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(deadline):
		t.Fatalf("no %s within %s", what, deadline)
		panic("unreachable")
	}
}

// request asks pid from outside any actor and waits for the answer.
func request(t *testing.T, system *actor.ActorSystem, pid *actor.PID, msg any) any {
	t.Helper()
	res, err := system.Root.RequestFuture(pid, msg, deadline).Result()
	if err != nil {
		t.Fatalf("request %T: %v", msg, err)
	}
	return res
}

// funcActor adapts a function to actor.Actor for tests.
type funcActor func(ctx actor.Context)

func (f funcActor) Receive(ctx actor.Context) { f(ctx) }

func producer(f func(ctx actor.Context)) actor.Producer {
	return func() actor.Actor { return funcActor(f) }
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
