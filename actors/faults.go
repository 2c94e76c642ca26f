package actors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// MaxFaultDelay bounds Fault.Delay: a delayed message holds its actor, and so the node's shutdown, that long.
const MaxFaultDelay = time.Minute

// ErrInvalidFault is returned when a Fault's values are out of range.
var ErrInvalidFault = errors.New("invalid fault")

// Fault is what a FaultInjector does to one actor's user messages. Lifecycle messages (Started, Restarting,
// Stopping, Stopped, Terminated, ReceiveTimeout, ...) and the kit's own *GoroutinePanicked never suffer faults.
//
// Fields combine, in this order: a message is delayed, then perhaps dropped, then (if kept) perhaps made to panic.
// "Next" counters count down as they fire; once nothing is left the actor's fault is removed.
type Fault struct {
	PanicNext int           // panic on each of the next PanicNext messages
	PanicProb float64       // panic on each message with this probability
	Delay     time.Duration // hold each message this long before handling it: the actor is busy, as if working
	DropNext  int           // drop each of the next DropNext messages
	DropProb  float64       // drop each message with this probability
}

// faultJSON is Fault on the wire: snake_case keys and the delay as a Go duration string ("200ms").
type faultJSON struct {
	PanicNext int     `json:"panic_next,omitempty"`
	PanicProb float64 `json:"panic_prob,omitempty"`
	Delay     string  `json:"delay,omitempty"`
	DropNext  int     `json:"drop_next,omitempty"`
	DropProb  float64 `json:"drop_prob,omitempty"`
}

func (f Fault) MarshalJSON() ([]byte, error) {
	w := faultJSON{PanicNext: f.PanicNext, PanicProb: f.PanicProb, DropNext: f.DropNext, DropProb: f.DropProb}
	if f.Delay != 0 {
		w.Delay = f.Delay.String()
	}
	return json.Marshal(w)
}

// UnmarshalJSON rejects unknown keys, so a misspelt fault is an error rather than no fault.
func (f *Fault) UnmarshalJSON(data []byte) error {
	var w faultJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	fault := Fault{PanicNext: w.PanicNext, PanicProb: w.PanicProb, DropNext: w.DropNext, DropProb: w.DropProb}
	if w.Delay != "" {
		d, err := time.ParseDuration(w.Delay)
		if err != nil {
			return fmt.Errorf("%w: delay: %w", ErrInvalidFault, err)
		}
		fault.Delay = d
	}
	*f = fault
	return nil
}

// Validate reports values out of range.
func (f Fault) Validate() error {
	switch {
	case f.PanicNext < 0:
		return fmt.Errorf("%w: panic_next: have %d, want >= 0", ErrInvalidFault, f.PanicNext)
	case f.DropNext < 0:
		return fmt.Errorf("%w: drop_next: have %d, want >= 0", ErrInvalidFault, f.DropNext)
	case !(f.PanicProb >= 0 && f.PanicProb <= 1):
		return fmt.Errorf("%w: panic_prob: have %v, want 0..1", ErrInvalidFault, f.PanicProb)
	case !(f.DropProb >= 0 && f.DropProb <= 1):
		return fmt.Errorf("%w: drop_prob: have %v, want 0..1", ErrInvalidFault, f.DropProb)
	case f.Delay < 0 || f.Delay > MaxFaultDelay:
		return fmt.Errorf("%w: delay: have %s, want 0..%s", ErrInvalidFault, f.Delay, MaxFaultDelay)
	}
	return nil
}

// InjectedPanic is the value an actor panics with when a FaultInjector makes it panic.
type InjectedPanic struct {
	Actor string
	Fault string // "panic_next" or "panic_prob"
}

func (p *InjectedPanic) Error() string { return "injected " + p.Fault + " fault in " + p.Actor }

// FaultInjector holds the faults of every actor, by actor name. It is safe for concurrent use: tests and the
// HTTP handler set faults while actors run. Actors built with NewProps(name, ..., WithFaults(fi)) are subject
// to it. Probabilities draw from one random stream per actor, seeded from the injector's seed and the actor's
// name and restarted by every Set, so a seeded injector replays the same faults for the same messages.
type FaultInjector struct {
	seed   uint64
	active atomic.Int32 // number of actors with a fault: the middleware's common path takes no lock

	mu     sync.Mutex
	faults map[string]*activeFault
	known  map[string]bool // names of actors that carry the middleware
}

type activeFault struct {
	Fault
	rng *rand.Rand
}

// NewFaultInjector returns an injector with no faults and a random seed.
func NewFaultInjector() *FaultInjector { return NewSeededFaultInjector(rand.Uint64()) }

// NewSeededFaultInjector returns an injector with no faults whose probabilities replay for the same seed.
func NewSeededFaultInjector(seed uint64) *FaultInjector {
	return &FaultInjector{seed: seed, faults: map[string]*activeFault{}, known: map[string]bool{}}
}

// Set replaces the faults of the named actor; the zero Fault clears them.
func (fi *FaultInjector) Set(name string, f Fault) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("fault for %s: %w", name, err)
	}
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if f == (Fault{}) {
		delete(fi.faults, name)
	} else {
		h := fnv.New64a()
		h.Write([]byte(name))
		fi.faults[name] = &activeFault{Fault: f, rng: rand.New(rand.NewPCG(fi.seed, h.Sum64()))}
	}
	fi.active.Store(int32(len(fi.faults)))
	return nil
}

// Clear removes the named actor's faults.
func (fi *FaultInjector) Clear(name string) { _ = fi.Set(name, Fault{}) }

// ClearAll removes every fault.
func (fi *FaultInjector) ClearAll() {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	clear(fi.faults)
	fi.active.Store(0)
}

// Faults returns the active faults by actor name, with the counters that are left.
func (fi *FaultInjector) Faults() map[string]Fault {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	out := make(map[string]Fault, len(fi.faults))
	for name, f := range fi.faults {
		out[name] = f.Fault
	}
	return out
}

// Known reports whether an actor of that name carries the injector's middleware.
func (fi *FaultInjector) Known(name string) bool {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return fi.known[name]
}

// KnownActors returns the names of the actors that carry the injector's middleware.
func (fi *FaultInjector) KnownActors() []string {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return sortedKeys(fi.known)
}

// Middleware returns the receiver middleware that applies the named actor's faults. NewProps adds it for
// WithFaults.
func (fi *FaultInjector) Middleware(name string) actor.ReceiverMiddleware {
	fi.mu.Lock()
	fi.known[name] = true
	fi.mu.Unlock()
	return func(next actor.ReceiverFunc) actor.ReceiverFunc {
		return func(ctx actor.ReceiverContext, env *actor.MessageEnvelope) {
			if fi.active.Load() == 0 || !faultable(env.Message) {
				next(ctx, env)
				return
			}
			d := fi.decide(name)
			if d.delay > 0 {
				time.Sleep(d.delay)
			}
			switch {
			case d.drop:
				return
			case d.panic != "":
				panic(&InjectedPanic{Actor: name, Fault: d.panic})
			}
			next(ctx, env)
		}
	}
}

type decision struct {
	delay time.Duration
	drop  bool
	panic string
}

func (fi *FaultInjector) decide(name string) decision {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	f := fi.faults[name]
	if f == nil {
		return decision{}
	}
	d := decision{delay: f.Delay}
	switch {
	case f.DropNext > 0:
		f.DropNext--
		d.drop = true
	case f.DropProb > 0 && f.rng.Float64() < f.DropProb:
		d.drop = true
	case f.PanicNext > 0:
		f.PanicNext--
		d.panic = "panic_next"
	case f.PanicProb > 0 && f.rng.Float64() < f.PanicProb:
		d.panic = "panic_prob"
	}
	if f.Fault == (Fault{}) {
		delete(fi.faults, name)
		fi.active.Store(int32(len(fi.faults)))
	}
	return d
}

// faultable reports whether msg is a user message. Lifecycle and supervision messages are never faulted: a
// dropped Started or Terminated would break the supervision the faults are meant to exercise.
func faultable(msg any) bool {
	switch msg.(type) {
	case actor.SystemMessage, actor.AutoReceiveMessage, actor.AutoRespond, actor.InfrastructureMessage,
		*actor.ReceiveTimeout, *GoroutinePanicked:
		return false
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
