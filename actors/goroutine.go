package actors

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/asynkron/protoactor-go/actor"
)

// GoroutinePanicked reports to an actor that a goroutine it started with Go panicked.
type GoroutinePanicked struct {
	Name  string // the name given to Go
	Value any    // the value passed to panic
	Stack []byte

	incarnation *incarnation // the actor incarnation that started the goroutine
}

// GoroutinePanicHandler is implemented by an actor that receives *GoroutinePanicked in its Receive and decides
// for itself, instead of failing.
type GoroutinePanicHandler interface {
	HandlesGoroutinePanics()
}

// Go runs fn on a new goroutine on behalf of the actor whose context is ctx; call it from Receive. name says what
// the goroutine does, for logs and failure reasons.
//
// fn's context is cancelled when the actor's incarnation ends (it restarts or stops) and fn must then return soon.
// fn must not touch ctx or the actor's fields: it talks to its actor with messages.
//
// A panic in fn is recovered and sent to the actor as a *GoroutinePanicked. By default the actor then fails with
// a *Crash, so its supervisor restarts it exactly as if Receive had panicked. We chose that because a goroutine is
// part of its actor: the actor started it to do part of its job, and after the goroutine died the actor's state
// (a connection it expects served, a result it waits for) is one nobody planned for; a fresh incarnation is the
// state we know how to build. An actor that can recover by itself implements GoroutinePanicHandler and handles
// the message in Receive. A panic reported after its incarnation ended is logged and otherwise ignored: the
// actor it belonged to is gone.
func Go(ctx actor.Context, name string, fn func(context.Context)) {
	system, self, logger := ctx.ActorSystem(), ctx.Self(), ctx.Logger()
	inc := currentIncarnation(ctx)
	gctx := context.Background()
	if inc != nil {
		gctx = inc.ctx
	}
	go func() {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			stack := debug.Stack()
			if gctx.Err() != nil {
				logger.Warn("Goroutine panicked after its actor incarnation ended", "goroutine", name,
					"reason", valueString(r), "stack", string(stack))
				return
			}
			system.Root.Send(self, &GoroutinePanicked{Name: name, Value: r, Stack: stack, incarnation: inc})
		}()
		fn(gctx)
	}()
}

// goroutinePanicMiddleware fails the actor on a *GoroutinePanicked from its current incarnation, unless the actor
// implements GoroutinePanicHandler.
func goroutinePanicMiddleware(name string) actor.ReceiverMiddleware {
	return func(next actor.ReceiverFunc) actor.ReceiverFunc {
		return func(ctx actor.ReceiverContext, env *actor.MessageEnvelope) {
			p, ok := env.Message.(*GoroutinePanicked)
			if !ok {
				next(ctx, env)
				return
			}
			if kc, ok := ctx.(*kitContext); ok && p.incarnation != kc.incarnation {
				kc.logger.Warn("Ignoring panic of a goroutine from an earlier incarnation", "goroutine", p.Name,
					"reason", valueString(p.Value))
				return
			}
			if _, handles := ctx.Actor().(GoroutinePanicHandler); handles {
				next(ctx, env)
				return
			}
			panic(&Crash{Actor: name, Goroutine: p.Name, Value: p.Value, Stack: p.Stack})
		}
	}
}

func valueString(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(v)
}
