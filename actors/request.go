package actors

import (
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

var (
	// ErrRequestTimeout is returned by Request when no reply came within the timeout.
	ErrRequestTimeout = errors.New("request timed out")
	// ErrNotRunning is returned by Request when the target actor does not exist (never started, or stopped).
	ErrNotRunning = errors.New("target actor is not running")
	// ErrWrongReply is returned by Request when the reply is not of the expected type.
	ErrWrongReply = errors.New("unexpected reply type")
)

// Request sends req to pid and calls onReply with the reply, or with an error wrapping ErrRequestTimeout,
// ErrNotRunning or ErrWrongReply. The target answers with ctx.Respond.
//
// Request returns at once: the mailbox keeps serving other messages, and onReply later runs on the actor's own
// goroutine (protoactor's ReenterAfter), between two messages, so it may use the actor's state like Receive does.
// If the actor restarted or stopped before the reply came, onReply is not called: the incarnation that asked is
// gone. A panic in onReply fails the actor like a panic in Receive. A negative timeout counts as zero.
func Request[Resp any](ctx actor.Context, pid *actor.PID, req any, timeout time.Duration, onReply func(Resp, error)) {
	timeout = max(timeout, 0)
	asker := currentIncarnation(ctx)
	name := ctx.Self().Id
	if kc, ok := ctx.(*kitContext); ok {
		name = kc.name
	}
	future := ctx.RequestFuture(pid, req, timeout)
	ctx.ReenterAfter(future, func(res any, err error) {
		if currentIncarnation(ctx) != asker {
			return
		}
		defer repanicAsCrash(name)
		onReply(reply[Resp](pid, req, timeout, res, err))
	})
}

func reply[Resp any](pid *actor.PID, req any, timeout time.Duration, res any, err error) (Resp, error) {
	var zero Resp
	switch {
	case errors.Is(err, actor.ErrTimeout):
		return zero, fmt.Errorf("request %T to %s: %w after %s", req, pid.Id, ErrRequestTimeout, timeout)
	case errors.Is(err, actor.ErrDeadLetter):
		return zero, fmt.Errorf("request %T to %s: %w", req, pid.Id, ErrNotRunning)
	case err != nil:
		return zero, fmt.Errorf("request %T to %s: %w", req, pid.Id, err)
	}
	resp, ok := res.(Resp)
	if !ok {
		return zero, fmt.Errorf("request %T to %s: %w: have %T, want %s", req, pid.Id, ErrWrongReply, res,
			reflect.TypeFor[Resp]())
	}
	return resp, nil
}
