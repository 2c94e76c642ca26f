package actors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

// alwaysFatal is a type whose every value is fatal, as the store's disk failures are.
type alwaysFatal struct{}

func (alwaysFatal) Error() string        { return "disk on fire" }
func (alwaysFatal) Is(target error) bool { return target == ErrFatal }

func TestFatalMarksAnErrorAndKeepsItsChain(t *testing.T) {
	cause := fmt.Errorf("write beacon.db: %w", fs.ErrPermission)
	err := Fatal(cause)
	if !errors.Is(err, ErrFatal) || !errors.Is(err, fs.ErrPermission) || err.Error() != cause.Error() {
		t.Fatalf("Fatal(%v) = %v: want it to match ErrFatal and the cause, with the cause's message", cause, err)
	}
	if Fatal(nil) != nil {
		t.Error("Fatal(nil) is not nil")
	}
	for _, c := range []struct {
		reason any
		want   bool
	}{
		{err, true},
		{fmt.Errorf("store: %w", err), true},
		{alwaysFatal{}, true},
		{&Crash{Actor: "store", Value: err}, true}, // a panic with a fatal error
		{&Crash{Actor: "store", Goroutine: "writer", Value: err}, true}, // in a goroutine started with Go
		{&Crash{Actor: "store", Value: "index out of range"}, false},    // a bug: restart
		{&Crash{Actor: "store", Value: cause}, false},                   // an error nobody marked fatal
		{&InjectedPanic{Actor: "store", Fault: "panic_next"}, false},    // fault injection tests restarts
		{"fatal failure", false},                                        // text is not a marker
		{nil, false},
	} {
		if got := IsFatal(c.reason); got != c.want {
			t.Errorf("IsFatal(%#v) = %v, want %v", c.reason, got, c.want)
		}
	}
}

// A fatal panic reaches the supervisor as a *Crash that still matches ErrFatal, from Receive and from a goroutine.
func TestFatalPanicReachesTheSupervisorAsFatal(t *testing.T) {
	system := newSystem(t)
	reasons := failures(system)
	cause := errors.New("no space left on device")
	pid := system.Root.Spawn(NewProps("store", producer(func(ctx actor.Context) {
		switch ctx.Message().(type) {
		case string:
			panic(Fatal(cause))
		case int:
			Go(ctx, "writer", func(context.Context) { panic(Fatal(cause)) })
		}
	}), WithLogger(discard())))

	for _, msg := range []any{"in Receive", 1} {
		system.Root.Send(pid, msg)
		reason := receive(t, reasons, "failure")
		if !IsFatal(reason) || !errors.Is(reason.(error), cause) {
			t.Errorf("failure after %v: %#v, want a fatal crash wrapping the cause", msg, reason)
		}
		if got := reason.(error).Error(); !strings.Contains(got, "store failed: no space left on device") {
			t.Errorf("failure %q, want it to say the store failed, not that it panicked", got)
		}
	}
}
