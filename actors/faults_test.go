package actors

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

type userMsg struct{ n int }

// drive passes msgs through the injector's middleware for name and returns what reached the actor and which
// messages panicked.
func drive(fi *FaultInjector, name string, msgs ...any) (delivered []any, panicked []any) {
	next := fi.Middleware(name)(func(_ actor.ReceiverContext, env *actor.MessageEnvelope) {
		delivered = append(delivered, env.Message)
	})
	for _, m := range msgs {
		func() {
			defer func() {
				if r := recover(); r != nil {
					if _, ok := r.(*InjectedPanic); !ok {
						panic(r)
					}
					panicked = append(panicked, m)
				}
			}()
			next(nil, &actor.MessageEnvelope{Message: m})
		}()
	}
	return delivered, panicked
}

func users(from, to int) []any {
	var msgs []any
	for i := from; i <= to; i++ {
		msgs = append(msgs, &userMsg{i})
	}
	return msgs
}

func TestLifecycleMessagesNeverSufferFaults(t *testing.T) {
	fi := NewSeededFaultInjector(1)
	if err := fi.Set("a", Fault{PanicNext: 100, DropNext: 100, PanicProb: 1, DropProb: 1}); err != nil {
		t.Fatal(err)
	}
	lifecycle := []any{&actor.Started{}, &actor.Restarting{}, &actor.Stopping{}, &actor.Stopped{},
		&actor.Terminated{}, &actor.ReceiveTimeout{}, &actor.PoisonPill{}, &actor.Touch{}, &GoroutinePanicked{}}
	delivered, panicked := drive(fi, "a", lifecycle...)
	if !slices.Equal(delivered, lifecycle) || panicked != nil {
		t.Errorf("delivered %v, panicked on %v", delivered, panicked)
	}
	if got := fi.Faults()["a"]; got.DropNext != 100 || got.PanicNext != 100 {
		t.Errorf("lifecycle messages used up counters: %+v", got)
	}
}

func TestNextCountersFireInOrderAndExpire(t *testing.T) {
	fi := NewSeededFaultInjector(1)
	if err := fi.Set("a", Fault{DropNext: 2, PanicNext: 2}); err != nil {
		t.Fatal(err)
	}
	msgs := users(1, 6)
	delivered, panicked := drive(fi, "a", msgs...)
	if !slices.Equal(panicked, msgs[2:4]) || !slices.Equal(delivered, msgs[4:]) {
		t.Errorf("delivered %v, panicked on %v", delivered, panicked)
	}
	if f := fi.Faults(); len(f) != 0 {
		t.Errorf("spent fault still active: %v", f)
	}
	if delivered, _ := drive(fi, "b", users(1, 3)...); len(delivered) != 3 {
		t.Errorf("an actor without faults lost messages: %v", delivered)
	}
}

func TestDelayHoldsEachMessage(t *testing.T) {
	fi := NewSeededFaultInjector(1)
	const delay = 30 * time.Millisecond
	if err := fi.Set("a", Fault{Delay: delay}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	delivered, _ := drive(fi, "a", users(1, 3)...)
	if took := time.Since(began); took < 3*delay || len(delivered) != 3 {
		t.Errorf("3 messages delayed %s each took %s, %d delivered", delay, took, len(delivered))
	}
	fi.Clear("a")
	if f := fi.Faults(); len(f) != 0 {
		t.Errorf("cleared fault still active: %v", f)
	}
}

func numbers(msgs []any) []int {
	var ns []int
	for _, m := range msgs {
		ns = append(ns, m.(*userMsg).n)
	}
	return ns
}

func TestProbabilitiesReplayForTheSameSeed(t *testing.T) {
	run := func(seed uint64, f Fault) (delivered, panicked []int) {
		fi := NewSeededFaultInjector(seed)
		if err := fi.Set("a", f); err != nil {
			t.Fatal(err)
		}
		d, p := drive(fi, "a", users(1, 1000)...)
		return numbers(d), numbers(p)
	}
	for _, f := range []Fault{{PanicProb: 0.3}, {DropProb: 0.3}} {
		delivered, panicked := run(7, f)
		again, againPanicked := run(7, f)
		if !slices.Equal(delivered, again) || !slices.Equal(panicked, againPanicked) {
			t.Errorf("%+v: the same seed gave different faults", f)
		}
		faulted := 1000 - len(delivered)
		if faulted < 250 || faulted > 350 {
			t.Errorf("%+v: %d of 1000 messages faulted", f, faulted)
		}
		if f.PanicProb > 0 && len(panicked) != faulted {
			t.Errorf("%+v: %d panics for %d faulted messages", f, len(panicked), faulted)
		}
		if other, _ := run(8, f); slices.Equal(delivered, other) {
			t.Errorf("%+v: seeds 7 and 8 gave the same faults", f)
		}
	}
	// Each actor draws from its own stream: faults on one do not shift another's.
	fi := NewSeededFaultInjector(7)
	_ = fi.Set("a", Fault{PanicProb: 0.3})
	_ = fi.Set("b", Fault{DropProb: 0.5})
	drive(fi, "b", users(1, 10)...)
	delivered, _ := drive(fi, "a", users(1, 1000)...)
	if alone, _ := run(7, Fault{PanicProb: 0.3}); !slices.Equal(numbers(delivered), alone) {
		t.Error("another actor's faults changed this actor's draws")
	}
}

func TestInvalidFaultsAreRejected(t *testing.T) {
	fi := NewFaultInjector()
	for _, f := range []Fault{{PanicNext: -1}, {DropNext: -1}, {PanicProb: 1.5}, {DropProb: -0.1},
		{Delay: -time.Second}, {Delay: 2 * MaxFaultDelay}} {
		if err := fi.Set("a", f); !errors.Is(err, ErrInvalidFault) {
			t.Errorf("%+v: %v", f, err)
		}
	}
	if len(fi.Faults()) != 0 {
		t.Errorf("an invalid fault was stored: %v", fi.Faults())
	}
}

func TestFaultJSON(t *testing.T) {
	var f Fault
	if err := json.Unmarshal([]byte(`{"panic_next":1,"panic_prob":0.1,"delay":"200ms","drop_next":3,"drop_prob":0.5}`), &f); err != nil {
		t.Fatal(err)
	}
	want := Fault{PanicNext: 1, PanicProb: 0.1, Delay: 200 * time.Millisecond, DropNext: 3, DropProb: 0.5}
	if f != want {
		t.Errorf("decoded %+v, want %+v", f, want)
	}
	out, err := json.Marshal(want)
	if err != nil || string(out) != `{"panic_next":1,"panic_prob":0.1,"delay":"200ms","drop_next":3,"drop_prob":0.5}` {
		t.Errorf("encoded %s, %v", out, err)
	}
	for _, bad := range []string{`{"panicnext":1}`, `{"delay":"200"}`, `{"delay":200}`, `[1]`} {
		if err := json.Unmarshal([]byte(bad), &f); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}
