package supervisor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
)

// deadline bounds every wait in these tests; reaching it is a failure, never a pass.
const deadline = 10 * time.Second

// event is something a probe actor did.
type event struct {
	actor string
	kind  string // started, restarting, stopping, stopped, ping, boom
	n     int    // the ping's number, or the incarnation for started
}

func (e event) String() string { return fmt.Sprintf("%s %s %d", e.actor, e.kind, e.n) }

// recorder collects the events of a test's probes in the order they happened.
type recorder struct{ events chan event }

func newRecorder() *recorder { return &recorder{events: make(chan event, 100_000)} }

// waitFor reads events until one matches want and returns those it read before it.
func (r *recorder) waitFor(t *testing.T, want event) []event {
	t.Helper()
	var skipped []event
	timeout := time.After(deadline)
	for {
		select {
		case e := <-r.events:
			if e == want {
				return skipped
			}
			skipped = append(skipped, e)
		case <-timeout:
			t.Fatalf("no %v within %s; saw %v", want, deadline, skipped)
		}
	}
}

// waitForAll reads events until every one of want was seen, in any order, and returns all it read.
func (r *recorder) waitForAll(t *testing.T, want ...event) []event {
	t.Helper()
	missing := map[event]bool{}
	for _, e := range want {
		missing[e] = true
	}
	var seen []event
	timeout := time.After(deadline)
	for len(missing) > 0 {
		select {
		case e := <-r.events:
			seen = append(seen, e)
			delete(missing, e)
		case <-timeout:
			t.Fatalf("missing %v within %s; saw %v", missing, deadline, seen)
		}
	}
	return seen
}

// ping is handled by a probe; a request gets a *pong.
type ping struct{ n int }

type pong struct {
	n           int
	incarnation int
}

// boom makes a probe panic in its own code.
type boom struct{}

// fatalBoom makes a probe fail with a fatal error, as the store does when its disk fails.
type fatalBoom struct{ err error }

// probe is a worker for tests: it reports its life cycle and the pings it handles.
type probe struct {
	name string
	rec  *recorder
	// startGate, when set, holds incarnations from gateFrom on in Started until it is closed.
	startGate chan struct{}
	gateFrom  int
	// goPanic makes the first incarnation start a goroutine with actors.Go that panics.
	goPanic bool
	// failStart makes every incarnation panic in Started.
	failStart bool

	incarnations atomic.Int32
}

func (p *probe) producer() actor.Producer {
	return func() actor.Actor { return &probeActor{probe: p, incarnation: int(p.incarnations.Add(1))} }
}

type probeActor struct {
	*probe
	incarnation int
}

func (a *probeActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.rec.events <- event{a.name, "started", a.incarnation}
		if a.startGate != nil && a.incarnation >= a.gateFrom {
			<-a.startGate
		}
		if a.failStart {
			panic("cannot start")
		}
		if a.incarnation == 1 && a.goPanic {
			actors.Go(ctx, "doomed", func(context.Context) { panic("goroutine boom") })
		}
	case *actor.Restarting:
		a.rec.events <- event{a.name, "restarting", a.incarnation}
	case *actor.Stopping:
		a.rec.events <- event{a.name, "stopping", a.incarnation}
	case *actor.Stopped:
		a.rec.events <- event{a.name, "stopped", a.incarnation}
	case *ping:
		a.rec.events <- event{a.name, "ping", msg.n}
		if ctx.Sender() != nil {
			ctx.Respond(&pong{n: msg.n, incarnation: a.incarnation})
		}
	case *boom:
		a.rec.events <- event{a.name, "boom", a.incarnation}
		panic("boom")
	case *fatalBoom:
		a.rec.events <- event{a.name, "boom", a.incarnation}
		panic(actors.Fatal(msg.err))
	}
}

// testTree builds trees of probes.
type testTree struct {
	rec    *recorder
	probes map[string]*probe
}

func newTestTree() *testTree { return &testTree{rec: newRecorder(), probes: map[string]*probe{}} }

func (tt *testTree) worker(name string) spec {
	p := &probe{name: name, rec: tt.rec}
	tt.probes[name] = p
	return worker(name, p.producer())
}

// quick are limits for tests: generous intensity, no back-off.
var quick = limits{maxRestarts: 100, within: time.Minute}

// startTree starts root and stops it when the test ends.
func startTree(t *testing.T, root spec, faults *actors.FaultInjector) *Node {
	t.Helper()
	n, err := start(root, Options{Logger: discardLogger(), Faults: faults, StartTimeout: deadline})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		_ = n.Stop(ctx)
	})
	return n
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// pid is the PID of the actor at path (its names from the root, joined by "/").
func (n *Node) pid(path string) *actor.PID { return n.system.NewLocalPID(path) }

// ask sends a ping to the actor at path and waits for its pong.
func ask(t *testing.T, n *Node, path string, number int) *pong {
	t.Helper()
	res, err := n.system.Root.RequestFuture(n.pid(path), &ping{n: number}, deadline).Result()
	if err != nil {
		t.Fatalf("ping %d to %s: %v", number, path, err)
	}
	return res.(*pong)
}

func restarts(t *testing.T, n *Node, name string) int {
	t.Helper()
	s, ok := n.Status().Find(name)
	if !ok {
		t.Fatalf("no actor %s in %+v", name, n.Status())
	}
	return s.Restarts
}
