package actors

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

func TestLoggerCarriesTheActorName(t *testing.T) {
	system := newSystem(t)
	var buf bytes.Buffer
	logged := make(chan struct{})
	props := NewProps("store", producer(func(ctx actor.Context) {
		if _, ok := ctx.Message().(*actor.Started); ok {
			ctx.Logger().Info("Started", "slot", 7)
			close(logged)
		}
	}), WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	system.Root.Spawn(props)
	receive(t, logged, "log line")
	if line := buf.String(); !strings.Contains(line, "msg=Started actor=store slot=7") {
		t.Errorf("log line %q lacks the actor attribute", line)
	}
}

type sentinelError struct{}

func (sentinelError) Error() string { return "sentinel" }

func TestPanicFailsTheActorWithACrashThatHasTheStack(t *testing.T) {
	system := newSystem(t)
	reasons := failures(system)
	started := make(chan struct{}, 10)
	pid := system.Root.Spawn(NewProps("doomed", producer(func(ctx actor.Context) {
		switch ctx.Message().(type) {
		case *actor.Started:
			started <- struct{}{}
		case string:
			panic(sentinelError{})
		}
	}), WithLogger(discard())))
	receive(t, started, "start")
	system.Root.Send(pid, "boom")

	crash, ok := receive(t, reasons, "failure").(*Crash)
	if !ok {
		t.Fatal("the failure reason is not a *Crash")
	}
	if crash.Actor != "doomed" || crash.Goroutine != "" || crash.Error() != "doomed panicked: sentinel" {
		t.Errorf("crash %+v: %v", crash, crash)
	}
	if !errors.Is(crash, sentinelError{}) {
		t.Error("errors.Is does not see the panic value through the crash")
	}
	if !bytes.Contains(crash.Stack, []byte("TestPanicFailsTheActorWithACrashThatHasTheStack")) {
		t.Errorf("the stack does not show where the panic happened:\n%s", crash.Stack)
	}
	receive(t, started, "restart")
}

func TestActorsWithoutTheKitStillWork(t *testing.T) {
	// Request and Go accept any actor.Context; without the kit they only lose incarnation tracking.
	system := newSystem(t)
	answered := make(chan error, 1)
	target := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if _, ok := ctx.Message().(string); ok {
			ctx.Respond(42)
		}
	}))
	system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if _, ok := ctx.Message().(*actor.Started); ok {
			Request(ctx, target, "question", deadline, func(answer int, err error) {
				if err == nil && answer != 42 {
					err = errors.New("wrong answer")
				}
				answered <- err
			})
		}
	}))
	if err := receive(t, answered, "answer"); err != nil {
		t.Fatal(err)
	}
}
