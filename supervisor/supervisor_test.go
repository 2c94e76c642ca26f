package supervisor

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
)

func TestChildrenStartInOrderEachAfterThePrevious(t *testing.T) {
	tt := newTestTree()
	root := supervise("root", oneForOne, quick,
		tt.worker("a"),
		supervise("sub", oneForOne, quick, tt.worker("b"), tt.worker("c")),
		tt.worker("d"),
	)
	startTree(t, root, nil)
	var started []string
	for _, e := range tt.rec.waitForAll(t, event{"a", "started", 1}, event{"b", "started", 1},
		event{"c", "started", 1}, event{"d", "started", 1}) {
		started = append(started, e.actor)
	}
	if want := []string{"a", "b", "c", "d"}; !slices.Equal(started, want) {
		t.Fatalf("start order: have %v, want %v", started, want)
	}
}

func TestPanickingActorRestartsWhileSiblingsKeepWorking(t *testing.T) {
	tt := newTestTree()
	root := supervise("root", oneForOne, quick, tt.worker("a"), tt.worker("b"), tt.worker("c"))
	gate := make(chan struct{})
	tt.probes["b"].startGate, tt.probes["b"].gateFrom = gate, 2
	n := startTree(t, root, nil)

	n.system.Root.Send(n.pid("root/b"), &boom{})
	// b's second incarnation is now held in Started: b is down while its siblings are asked.
	tt.rec.waitFor(t, event{"b", "started", 2})
	if got := ask(t, n, "root/a", 1); got.incarnation != 1 {
		t.Fatalf("a answered from incarnation %d, want 1", got.incarnation)
	}
	if got := ask(t, n, "root/c", 2); got.incarnation != 1 {
		t.Fatalf("c answered from incarnation %d, want 1", got.incarnation)
	}
	n.system.Root.Send(n.pid("root/b"), &ping{n: 3}) // sent while b restarts: kept in its mailbox
	close(gate)
	if got := ask(t, n, "root/b", 4); got.incarnation != 2 {
		t.Fatalf("b answered from incarnation %d, want 2", got.incarnation)
	}
	tt.rec.waitFor(t, event{"b", "ping", 4})

	for name, want := range map[string]int{"a": 0, "b": 1, "c": 0} {
		if got := restarts(t, n, name); got != want {
			t.Errorf("%s restarts: have %d, want %d", name, got, want)
		}
	}
	b, _ := n.Status().Find("b")
	if b.State != StateRunning || !strings.Contains(b.LastFailure, "boom") || b.LastFailureAt == nil {
		t.Errorf("b status after restart: %+v", b)
	}
}

func TestPingSentDuringRestartIsHandledAfterIt(t *testing.T) {
	tt := newTestTree()
	n := startTree(t, supervise("root", oneForOne, quick, tt.worker("a")), nil)
	n.system.Root.Send(n.pid("root/a"), &boom{})
	n.system.Root.Send(n.pid("root/a"), &ping{n: 1})
	seen := tt.rec.waitFor(t, event{"a", "ping", 1})
	if !slices.Contains(seen, event{"a", "started", 2}) {
		t.Fatalf("ping 1 handled before the restart: %v", seen)
	}
}

func TestRestForOneRestartsTheFailedChildAndLaterSiblingsOnly(t *testing.T) {
	tt := newTestTree()
	root := supervise("root", restForOne, quick, tt.worker("a"), tt.worker("b"), tt.worker("c"), tt.worker("d"))
	n := startTree(t, root, nil)
	tt.rec.waitFor(t, event{"d", "started", 1})

	n.system.Root.Send(n.pid("root/b"), &boom{})
	seen := tt.rec.waitForAll(t, event{"b", "started", 2}, event{"c", "started", 2}, event{"d", "started", 2})
	for _, e := range seen {
		if e.actor == "a" {
			t.Fatalf("a is before b and must not restart: %v", seen)
		}
	}
	// Restarts are issued together and in start order: b before c before d.
	var restarted []string
	for _, e := range seen {
		if e.kind == "started" {
			restarted = append(restarted, e.actor)
		}
	}
	if want := []string{"b", "c", "d"}; !slices.Equal(restarted, want) {
		t.Errorf("restart order: have %v, want %v", restarted, want)
	}
	for name, want := range map[string]int{"a": 0, "b": 1, "c": 1, "d": 1} {
		if got := restarts(t, n, name); got != want {
			t.Errorf("%s restarts: have %d, want %d", name, got, want)
		}
	}
	if got := ask(t, n, "root/a", 1); got.incarnation != 1 {
		t.Errorf("a incarnation %d, want 1", got.incarnation)
	}
}

func TestAllForOneRestartsEveryChild(t *testing.T) {
	tt := newTestTree()
	root := supervise("root", allForOne, quick, tt.worker("a"), tt.worker("b"), tt.worker("c"))
	n := startTree(t, root, nil)
	tt.rec.waitFor(t, event{"c", "started", 1})

	n.system.Root.Send(n.pid("root/b"), &boom{})
	tt.rec.waitForAll(t, event{"a", "started", 2}, event{"b", "started", 2}, event{"c", "started", 2})
	for _, name := range []string{"a", "b", "c"} {
		if got := restarts(t, n, name); got != 1 {
			t.Errorf("%s restarts: have %d, want 1", name, got)
		}
	}
}

func TestExceededIntensityEscalatesToTheParent(t *testing.T) {
	tt := newTestTree()
	strict := limits{maxRestarts: 1, within: time.Minute}
	root := supervise("root", oneForOne, quick,
		tt.worker("a"),
		supervise("sub", oneForOne, strict, tt.worker("x"), tt.worker("y")),
	)
	n := startTree(t, root, nil)
	tt.rec.waitFor(t, event{"y", "started", 1})

	n.system.Root.Send(n.pid("root/sub/x"), &boom{})
	tt.rec.waitFor(t, event{"x", "started", 2}) // first failure: restarted by sub
	n.system.Root.Send(n.pid("root/sub/x"), &boom{})
	// Second failure within the window: sub gives up, root restarts sub, which starts x and y afresh.
	tt.rec.waitForAll(t, event{"x", "started", 3}, event{"y", "started", 2})

	if got := restarts(t, n, "sub"); got != 1 {
		t.Errorf("sub restarts: have %d, want 1", got)
	}
	sub, _ := n.Status().Find("sub")
	if !strings.Contains(sub.LastFailure, "sub gave up") {
		t.Errorf("sub last failure %q, want the escalation", sub.LastFailure)
	}
	if got := restarts(t, n, "a"); got != 0 {
		t.Errorf("a restarts: have %d, want 0", got)
	}
	if got := ask(t, n, "root/sub/x", 1); got.incarnation != 3 {
		t.Errorf("x incarnation %d, want 3", got.incarnation)
	}
	if n.Err() != nil {
		t.Errorf("root did not give up, but Err() = %v", n.Err())
	}
}

func TestRootGivesUpAndStopsChildrenInReverseOrder(t *testing.T) {
	tt := newTestTree()
	strict := limits{maxRestarts: 1, within: time.Minute}
	root := supervise("root", oneForOne, strict,
		tt.worker("a"),
		supervise("sub", oneForOne, quick, tt.worker("x"), tt.worker("y")),
		tt.worker("b"),
		tt.worker("c"),
	)
	n := startTree(t, root, nil)
	tt.rec.waitFor(t, event{"c", "started", 1})

	n.system.Root.Send(n.pid("root/b"), &boom{})
	n.system.Root.Send(n.pid("root/b"), &boom{}) // handled by b's second incarnation: over the limit

	select {
	case <-n.Done():
	case <-time.After(deadline):
		t.Fatal("the node did not stop after the root gave up")
	}
	var stopped []string
	for len(tt.rec.events) > 0 {
		if e := <-tt.rec.events; e.kind == "stopped" {
			stopped = append(stopped, e.actor)
		}
	}
	if want := []string{"c", "b", "y", "x", "a"}; !slices.Equal(stopped, want) {
		t.Errorf("stop order: have %v, want %v", stopped, want)
	}
	err := n.Err()
	var esc *Escalation
	if !errors.Is(err, ErrEscalated) || !errors.As(err, &esc) || esc.Supervisor != "root" || esc.Child != "b" {
		t.Fatalf("Err() = %v, want an escalation by root about b", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := n.Stop(ctx); !errors.Is(err, ErrEscalated) {
		t.Errorf("Stop after giving up = %v, want the escalation", err)
	}
}

func TestStopStopsChildrenInReverseStartOrder(t *testing.T) {
	tt := newTestTree()
	root := supervise("root", restForOne, quick,
		tt.worker("a"),
		supervise("sub", oneForOne, quick, tt.worker("x"), tt.worker("y")),
		tt.worker("b"),
	)
	n, err := start(root, Options{Logger: discardLogger(), StartTimeout: deadline})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := n.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-n.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	var order []string
	for len(tt.rec.events) > 0 {
		if e := <-tt.rec.events; e.kind == "stopping" || e.kind == "stopped" {
			order = append(order, e.actor+" "+e.kind)
		}
	}
	want := []string{"b stopping", "b stopped", "y stopping", "y stopped", "x stopping", "x stopped",
		"a stopping", "a stopped"}
	if !slices.Equal(order, want) {
		t.Errorf("stop sequence:\nhave %v\nwant %v", order, want)
	}
	if n.Err() != nil {
		t.Errorf("Err() after a clean stop = %v", n.Err())
	}
	if s := n.Status(); s.State != StateStopped {
		t.Errorf("root state %s after stop", s.State)
	}
}

func TestBackoffDelaysRestart(t *testing.T) {
	tt := newTestTree()
	slow := limits{maxRestarts: 10, within: time.Minute, backoff: 200 * time.Millisecond, maxBackoff: time.Second}
	n := startTree(t, supervise("root", oneForOne, slow, tt.worker("a")), nil)
	tt.rec.waitFor(t, event{"a", "started", 1})

	failed := time.Now()
	n.system.Root.Send(n.pid("root/a"), &boom{})
	tt.rec.waitFor(t, event{"a", "started", 2})
	if waited := time.Since(failed); waited < slow.backoff {
		t.Errorf("restarted after %s, before the %s back-off", waited, slow.backoff)
	}
}

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	l := limits{backoff: 100 * time.Millisecond, maxBackoff: time.Second}
	for failures, want := range map[int]time.Duration{
		1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond,
		4: 800 * time.Millisecond, 5: time.Second, 60: time.Second, 1000: time.Second,
	} {
		if got := l.backoffFor(failures); got != want {
			t.Errorf("backoff after %d failures: have %s, want %s", failures, got, want)
		}
	}
	if got := (limits{}).backoffFor(3); got != 0 {
		t.Errorf("no back-off configured: have %s", got)
	}
}

func TestGoroutinePanicRestartsItsActor(t *testing.T) {
	tt := newTestTree()
	root := supervise("root", oneForOne, quick, tt.worker("a"), tt.worker("b"))
	tt.probes["a"].goPanic = true
	n := startTree(t, root, nil)

	tt.rec.waitFor(t, event{"a", "started", 2})
	a, _ := n.Status().Find("a")
	if a.Restarts != 1 || !strings.Contains(a.LastFailure, "goroutine doomed of a panicked: goroutine boom") {
		t.Fatalf("a after its goroutine panicked: %+v", a)
	}
	if got := ask(t, n, "root/a", 1); got.incarnation != 2 {
		t.Errorf("a incarnation %d, want 2", got.incarnation)
	}
	if got := restarts(t, n, "b"); got != 0 {
		t.Errorf("b restarts: have %d, want 0", got)
	}
}

func TestFaultsDelayAndDropMessages(t *testing.T) {
	tt := newTestTree()
	faults := actors.NewSeededFaultInjector(1)
	n := startTree(t, supervise("root", oneForOne, quick, tt.worker("a"), tt.worker("b")), faults)
	tt.rec.waitFor(t, event{"b", "started", 1})

	const delay = 150 * time.Millisecond
	if err := faults.Set("a", actors.Fault{Delay: delay}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	ask(t, n, "root/a", 1)
	if took := time.Since(began); took < delay {
		t.Errorf("delayed ping answered after %s, want >= %s", took, delay)
	}
	faults.Clear("a")

	if err := faults.Set("b", actors.Fault{DropNext: 3}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		n.system.Root.Send(n.pid("root/b"), &ping{n: i})
	}
	ask(t, n, "root/b", 6)
	var handled []int
	for len(tt.rec.events) > 0 {
		if e := <-tt.rec.events; e.actor == "b" && e.kind == "ping" {
			handled = append(handled, e.n)
		}
	}
	if want := []int{4, 5, 6}; !slices.Equal(handled, want) {
		t.Errorf("b handled pings %v, want %v", handled, want)
	}
	if f := faults.Faults(); len(f) != 0 {
		t.Errorf("spent faults still active: %v", f)
	}
	if got := restarts(t, n, "b"); got != 0 {
		t.Errorf("dropping restarted b %d times", got)
	}
}

func TestFaultPanicProbabilityIsSeeded(t *testing.T) {
	const (
		seed  = 42
		pings = 200
		prob  = 0.2
	)
	fault := actors.Fault{PanicProb: prob}

	// A twin injector with the same seed, driven by hand, predicts which pings panic.
	twin := actors.NewSeededFaultInjector(seed)
	twinNext := twin.Middleware("a")(func(actor.ReceiverContext, *actor.MessageEnvelope) {})
	if err := twin.Set("a", fault); err != nil {
		t.Fatal(err)
	}
	var want []int
	panics := 0
	for i := 1; i <= pings; i++ {
		func() {
			defer func() {
				if recover() != nil {
					panics++
				} else {
					want = append(want, i)
				}
			}()
			twinNext(nil, &actor.MessageEnvelope{Message: &ping{n: i}})
		}()
	}
	if panics < pings/10 || panics > pings*3/10 {
		t.Fatalf("%d panics in %d draws at p=%v", panics, pings, prob)
	}

	tt := newTestTree()
	faults := actors.NewSeededFaultInjector(seed)
	n := startTree(t, supervise("root", oneForOne, limits{maxRestarts: pings, within: time.Minute},
		tt.worker("a")), faults)
	tt.rec.waitFor(t, event{"a", "started", 1})
	if err := faults.Set("a", fault); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= pings; i++ {
		n.system.Root.Send(n.pid("root/a"), &ping{n: i})
	}
	// The last incarnation may come after the last handled ping: wait for both.
	var handled []int
	lastStarted := false
	timeout := time.After(deadline)
	for len(handled) < len(want) || !lastStarted {
		select {
		case e := <-tt.rec.events:
			switch e.kind {
			case "ping":
				handled = append(handled, e.n)
			case "started":
				lastStarted = lastStarted || e.n == panics+1
			}
		case <-timeout:
			t.Fatalf("handled %d of the %d pings expected; last incarnation started: %v", len(handled), len(want),
				lastStarted)
		}
	}
	if !slices.Equal(handled, want) {
		t.Errorf("handled pings differ from the seeded prediction:\nhave %v\nwant %v", handled, want)
	}
	if got := restarts(t, n, "a"); got != panics {
		t.Errorf("a restarts: have %d, want %d", got, panics)
	}
}

func TestStartTimesOutOnAChildThatNeverStarts(t *testing.T) {
	tt := newTestTree()
	// b fails in Started and its restart waits for an hour: it never starts.
	patient := limits{maxRestarts: 5, within: time.Minute, backoff: time.Hour, maxBackoff: time.Hour}
	root := supervise("root", oneForOne, patient, tt.worker("a"), tt.worker("b"), tt.worker("c"))
	tt.probes["b"].failStart = true

	_, err := start(root, Options{Logger: discardLogger(), StartTimeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrStartTimeout) || !strings.Contains(err.Error(), "not running: b (restarting), c (stopped)") {
		t.Fatalf("start = %v, want ErrStartTimeout naming b and c", err)
	}
	tt.rec.waitFor(t, event{"a", "stopped", 1}) // start stopped what it had started
}

func TestInvalidTreesAreRejected(t *testing.T) {
	tt := newTestTree()
	for name, root := range map[string]spec{
		"duplicate name": supervise("root", oneForOne, quick, tt.worker("a"), tt.worker("a")),
		"slash in name":  supervise("root", oneForOne, quick, tt.worker("a/b")),
		"zero window":    supervise("root", oneForOne, limits{maxRestarts: 1}, tt.worker("a")),
	} {
		if _, err := start(root, Options{Logger: discardLogger()}); err == nil {
			t.Errorf("%s: started", name)
		}
	}
}
