package actors

import (
	"context"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

func TestGoroutinePanicFailsItsActor(t *testing.T) {
	system := newSystem(t)
	reasons := failures(system)
	started := make(chan int, 10)
	incarnations := 0
	system.Root.Spawn(NewProps("worker", func() actor.Actor {
		incarnations++
		incarnation := incarnations
		return funcActor(func(ctx actor.Context) {
			if _, ok := ctx.Message().(*actor.Started); ok {
				started <- incarnation
				if incarnation == 1 {
					Go(ctx, "fetcher", func(context.Context) { panic("connection lost") })
				}
			}
		})
	}, WithLogger(discard())))

	receive(t, started, "start")
	crash, ok := receive(t, reasons, "failure").(*Crash)
	if !ok || crash.Actor != "worker" || crash.Goroutine != "fetcher" || crash.Value != "connection lost" {
		t.Fatalf("failure reason %#v", crash)
	}
	if crash.Error() != "goroutine fetcher of worker panicked: connection lost" || len(crash.Stack) == 0 {
		t.Errorf("crash %q with %d bytes of stack", crash.Error(), len(crash.Stack))
	}
	if got := receive(t, started, "restart"); got != 2 {
		t.Errorf("started incarnation %d, want 2", got)
	}
}

func TestGoroutineContextEndsWithItsIncarnation(t *testing.T) {
	system := newSystem(t)
	done := make(chan string, 10)
	started := make(chan struct{}, 10)
	pid := system.Root.Spawn(NewProps("worker", producer(func(ctx actor.Context) {
		switch ctx.Message().(type) {
		case *actor.Started:
			Go(ctx, "waiter", func(gctx context.Context) {
				<-gctx.Done()
				done <- "cancelled"
			})
			started <- struct{}{}
		case string:
			panic("restart me")
		}
	}), WithLogger(discard())))

	receive(t, started, "start")
	system.Root.Send(pid, "fail")
	if got := receive(t, done, "cancellation on restart"); got != "cancelled" {
		t.Fatal(got)
	}
	receive(t, started, "restart")
	if err := system.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}
	receive(t, done, "cancellation on stop")
}

// tolerant handles the panics of its goroutines itself.
type tolerant struct{ reports chan<- *GoroutinePanicked }

func (tolerant) HandlesGoroutinePanics() {}

func (a tolerant) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		Go(ctx, "flaky", func(context.Context) { panic("flaked") })
	case *GoroutinePanicked:
		a.reports <- msg
	}
}

func TestGoroutinePanicHandlerKeepsItsActorRunning(t *testing.T) {
	system := newSystem(t)
	reasons := failures(system)
	reports := make(chan *GoroutinePanicked, 1)
	system.Root.Spawn(NewProps("tolerant", func() actor.Actor { return tolerant{reports} }, WithLogger(discard())))
	if p := receive(t, reports, "report"); p.Name != "flaky" || p.Value != "flaked" {
		t.Errorf("report %+v", p)
	}
	select {
	case r := <-reasons:
		t.Errorf("the actor failed: %v", r)
	default:
	}
}
