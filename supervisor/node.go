// Package supervisor runs Salamander's supervision tree: tree.go draws it, the rest makes it run.
//
// Supervisors start their children in order, restart them by strategy (one-for-one, rest-for-one, all-for-one)
// with exponential back-off, and escalate to their parent when failures exceed their restart intensity, or at
// once when a failure is fatal (actors.ErrFatal). When the root gives up, the node stops its children in reverse
// start order and Node.Err reports why, so the process can exit non-zero and be restarted by systemd. The live
// tree is readable as JSON at /debug/actors.
package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/clock"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/peers"
	"github.com/salamander-client/salamander/store"
)

// DefaultStartTimeout is Options.StartTimeout when it is zero.
const DefaultStartTimeout = time.Minute

// Options configure the node's tree.
type Options struct {
	Logger         *slog.Logger          // nil: slog.Default()
	Faults         *actors.FaultInjector // nil: no fault injection middleware
	GenesisTime    time.Time             // for the slot clock
	SecondsPerSlot uint64
	SlotsPerEpoch  uint64
	Store          store.Config   // the store actor's database
	StartTimeout   time.Duration  // how long Start waits for every actor to start; zero: DefaultStartTimeout
	Network        NetworkOptions // the zero value leaves the network off
	Chain          ChainOptions   // the zero value runs the chain's actors without a chain
	// Chaos makes the node supervisor tolerate the failures salamander dev --chaos injects (chaosLimits).
	Chaos bool
}

// NetworkOptions configure the network subtree's actors.
type NetworkOptions struct {
	Peers  peers.Config
	Gossip gossip.Config
}

func (o Options) clockConfig() clock.Config {
	return clock.Config{Genesis: o.GenesisTime, SecondsPerSlot: o.SecondsPerSlot, SlotsPerEpoch: o.SlotsPerEpoch}
}

// Node is a running supervision tree.
type Node struct {
	system *actor.ActorSystem
	tree   *tree
	root   *actor.PID
	done   chan struct{}

	mu  sync.Mutex
	err error
}

// Start builds the node's tree and returns once every actor in it has started.
func Start(opts Options) (*Node, error) {
	if err := opts.clockConfig().Validate(); err != nil {
		return nil, fmt.Errorf("start supervision tree: %w", err)
	}
	if opts.Store.DataDir == "" {
		return nil, errors.New("start supervision tree: no data directory for the store")
	}
	return start(nodeTree(opts), opts)
}

// start runs the tree of root; tests give it trees of their own.
func start(root spec, opts Options) (*Node, error) {
	if err := root.validate(); err != nil {
		return nil, fmt.Errorf("start supervision tree: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}

	// protoactor logs with bracketed messages and at Info for things we log ourselves (restarts); keep its
	// warnings and errors only.
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(minLevelHandler{Handler: logger.Handler(), min: slog.LevelWarn}).With("component", "protoactor")
	}))
	system.EventStream.Subscribe(func(evt any) {
		if dl, ok := evt.(*actor.DeadLetterEvent); ok {
			logger.Debug("Dead letter", "to", dl.PID, "message", fmt.Sprintf("%T", dl.Message))
		}
	})

	n := &Node{system: system, done: make(chan struct{})}
	ready := make(chan struct{})
	t := &tree{
		system:    system,
		logger:    logger,
		faults:    opts.Faults,
		onReady:   sync.OnceFunc(func() { close(ready) }),
		onStopped: sync.OnceFunc(func() { close(n.done) }),
	}
	t.root = t.build(&root, nil)
	t.root.props.Configure(actor.WithGuardian(&rootGuardian{node: n, logger: logger}))
	n.tree = t

	pid, err := system.Root.SpawnNamed(t.root.props, root.name)
	if err != nil {
		return nil, fmt.Errorf("start supervision tree: %w", err)
	}
	n.root = pid

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-ready:
		return n, nil
	case <-n.done:
		return nil, fmt.Errorf("start supervision tree: %w", n.Err())
	case <-timer.C:
		notRunning := t.notRunning()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = n.Stop(ctx)
		return nil, fmt.Errorf("start supervision tree: %w: waited %s; not running: %s", ErrStartTimeout, timeout,
			strings.Join(notRunning, ", "))
	}
}

// Stop stops the tree gracefully: every supervisor stops its children one at a time in reverse start order. It
// returns Err once the tree stopped, or an error when ctx ends first, after telling every actor to stop at once.
func (n *Node) Stop(ctx context.Context) error {
	n.system.Root.Send(n.root, &shutdown{})
	select {
	case <-n.done:
		return n.Err()
	case <-ctx.Done():
		n.system.Root.Stop(n.root)
		return fmt.Errorf("stop supervision tree: %w", ctx.Err())
	}
}

// Done is closed when the tree has stopped, by Stop or because the root supervisor gave up.
func (n *Node) Done() <-chan struct{} { return n.done }

// Err is nil while the tree runs and after a clean Stop; it matches ErrEscalated if the root supervisor gave up,
// and also actors.ErrFatal and the failure's own errors (store.ErrDiskFailure, ...) when a fatal failure made it.
func (n *Node) Err() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err
}

// Status returns a snapshot of the live tree.
func (n *Node) Status() ActorStatus { return n.tree.status(n.tree.root) }

// DebugHandler serves GET /debug/actors (Status as JSON) and, when Options.Faults is set, the fault injector's
// /debug/faults endpoints (see actors.FaultInjector.Handler).
func (n *Node) DebugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /debug/actors", n.tree.actorsHandler())
	if n.tree.faults != nil {
		faults := n.tree.faults.Handler(n.tree.logger)
		mux.Handle("/debug/faults", faults)
		mux.Handle("/debug/faults/", faults)
	}
	return mux
}

func (n *Node) gaveUp(reason any) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.err == nil {
		n.err = rootFailure(reason)
	}
	return n.err
}

// rootGuardian is the root supervisor's parent. Any failure that reaches it ends the node: it records why and
// has the root stop its children in order; should the root fail again while doing so, it stops it outright.
type rootGuardian struct {
	node     *Node
	logger   *slog.Logger
	failures atomic.Int32
}

func (g *rootGuardian) HandleFailure(system *actor.ActorSystem, supervisor actor.Supervisor, who *actor.PID,
	_ *actor.RestartStatistics, reason, _ any) {
	err := g.node.gaveUp(reason)
	if g.failures.Add(1) > 1 {
		g.logger.Error("Root supervisor failed while stopping; stopping it at once", "reason", fmt.Sprint(reason))
		supervisor.StopChildren(who)
		return
	}
	if actors.IsFatal(err) {
		g.logger.Error("Fatal failure; stopping the node", "reason", err.Error())
	} else {
		g.logger.Error("Supervision gave up; stopping the node", "reason", err.Error())
	}
	// The root suspended its mailbox when it failed; it must read the shutdown.
	sendSystem(system, who, &actor.ResumeMailbox{})
	system.Root.Send(who, &shutdown{})
}

// minLevelHandler passes on records at or above min only.
type minLevelHandler struct {
	slog.Handler
	min slog.Level
}

func (h minLevelHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min && h.Handler.Enabled(ctx, level)
}

func (h minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithAttrs(attrs), min: h.min}
}

func (h minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithGroup(name), min: h.min}
}
