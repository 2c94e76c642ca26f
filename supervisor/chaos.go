package supervisor

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
)

// ErrNoFaultInjector means Chaos was called on a node started without Options.Faults.
var ErrNoFaultInjector = errors.New("the node has no fault injector")

// DefaultChaosInterval is ChaosOptions.Interval when it is zero.
const DefaultChaosInterval = 5 * time.Second

// ChaosOptions tune Node.Chaos.
type ChaosOptions struct {
	// Interval is the time between two kills; zero is DefaultChaosInterval.
	Interval time.Duration
	// Rand picks the victims; nil picks them at random.
	Rand *rand.Rand
	// OnKill, when set, is called with the name of every actor killed, after the kill is set off.
	OnKill func(name string)
}

// chaosKill is the message Chaos sends its victim: the fault injector's middleware makes the victim panic on it
// (or on a message that came first), so that an idle actor dies as surely as a busy one. An actor that receives it
// without a fault set ignores it, as it ignores any message it does not know.
type chaosKill struct{}

// Chaos kills a random running worker of the tree (never a supervisor) every interval, through the fault injector
// (a panic on its next message), until ctx ends or the node stops: what salamander dev --chaos does to show that the
// node heals. Each kill is logged; the restarts that follow are logged by the supervisors. Start the node with
// Options.Chaos so that its supervisor tolerates the failures.
func (n *Node) Chaos(ctx context.Context, opts ChaosOptions) error {
	faults := n.tree.faults
	if faults == nil {
		return ErrNoFaultInjector
	}
	interval := opts.Interval
	if interval <= 0 {
		interval = DefaultChaosInterval
	}
	rng := opts.Rand
	if rng == nil {
		rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-n.done:
			return nil
		case <-ticker.C:
		}
		victims := n.tree.runningWorkers()
		if len(victims) == 0 {
			continue
		}
		v := victims[rng.IntN(len(victims))]
		if err := faults.Set(v.name, actors.Fault{PanicNext: 1}); err != nil {
			return err
		}
		n.tree.logger.Warn("Chaos: killing an actor", "actor", v.name)
		n.system.Root.Send(actor.NewPID(n.system.Address(), v.path), &chaosKill{})
		if opts.OnKill != nil {
			opts.OnKill(v.name)
		}
	}
}

// victim is a worker of the tree and its actor path.
type victim struct{ name, path string }

// runningWorkers lists the workers that run now, with their paths.
func (t *tree) runningWorkers() []victim {
	var out []victim
	var walk func(e *entry, path string)
	walk = func(e *entry, path string) {
		if e.spec.isSupervisor() {
			for _, c := range e.children {
				walk(c, path+"/"+c.spec.name)
			}
			return
		}
		t.mu.Lock()
		running := e.state == StateRunning
		t.mu.Unlock()
		if running {
			out = append(out, victim{name: e.spec.name, path: path})
		}
	}
	walk(t.root, t.root.spec.name)
	return out
}
