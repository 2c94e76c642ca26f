package supervisor

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
)

// State is the life-cycle state of an actor in the tree.
type State string

const (
	StateStarting   State = "starting"   // spawned, Started not yet handled
	StateRunning    State = "running"    // handling messages
	StateRestarting State = "restarting" // failed or failed with, waiting for or going through its restart
	StateStopping   State = "stopping"
	StateStopped    State = "stopped" // stopped, or not started yet
)

// ActorStatus is a read-only view of one actor of the live tree. Restarts counts the restarts its supervisor
// applied to it; a child spawned afresh because its own supervisor restarted does not count one.
type ActorStatus struct {
	Name          string        `json:"name"`
	Kind          string        `json:"kind"`               // "supervisor" or "worker"
	Strategy      string        `json:"strategy,omitempty"` // supervisors only
	State         State         `json:"state"`
	Restarts      int           `json:"restarts"`
	LastFailure   string        `json:"last_failure,omitempty"`
	LastFailureAt *time.Time    `json:"last_failure_at,omitempty"`
	Mailbox       int           `json:"mailbox"`           // user messages waiting
	Dropped       uint64        `json:"dropped,omitempty"` // messages a bounded mailbox gave up
	Children      []ActorStatus `json:"children,omitempty"`
}

// Find returns the status of the named actor in this subtree.
func (s ActorStatus) Find(name string) (ActorStatus, bool) {
	if s.Name == name {
		return s, true
	}
	for _, c := range s.Children {
		if found, ok := c.Find(name); ok {
			return found, true
		}
	}
	return ActorStatus{}, false
}

// tree is the running tree's shared part: the actor system, what every actor is built with, and the
// introspection registry that actors update and the debug handler reads.
type tree struct {
	system *actor.ActorSystem
	logger *slog.Logger
	faults *actors.FaultInjector
	root   *entry

	// onReady and onStopped are called by the root supervisor once all children started and once it stopped.
	onReady   func()
	onStopped func()

	mu sync.Mutex // guards the mutable fields of every entry
}

// entry is one node of the tree: its spec, its props, and what introspection shows about it.
type entry struct {
	spec     *spec
	parent   *entry
	children []*entry
	props    *actor.Props

	state         State
	restarts      int
	lastFailure   string
	lastFailureAt time.Time
	mailbox       actor.Mailbox
}

// build makes the entries and props of the tree below s.
func (t *tree) build(s *spec, parent *entry) *entry {
	e := &entry{spec: s, parent: parent, state: StateStopped}
	for i := range s.children {
		e.children = append(e.children, t.build(&s.children[i], e))
	}
	opts := []actors.Option{
		actors.WithLogger(t.logger),
		actors.WithPropsOptions(actor.WithReceiverMiddleware(t.observe(e))),
	}
	if s.isSupervisor() {
		opts = append(opts, actors.WithMailbox(t.captureMailbox(e, actor.Unbounded())))
		e.props = actors.NewProps(s.name, func() actor.Actor { return newSupervisorActor(t, e) }, opts...)
		return e
	}
	mailbox := s.mailbox
	if mailbox == nil {
		mailbox = actor.Unbounded()
	}
	// Supervisors get no fault middleware: their messages are the supervision itself.
	opts = append(opts, actors.WithMailbox(t.captureMailbox(e, mailbox)), actors.WithFaults(t.faults))
	e.props = actors.NewProps(s.name, s.newActor, opts...)
	return e
}

// captureMailbox remembers each mailbox the entry's actor gets (one per spawn; a restart keeps it) so
// introspection can read its length.
func (t *tree) captureMailbox(e *entry, produce actor.MailboxProducer) actor.MailboxProducer {
	return func() actor.Mailbox {
		mb := produce()
		t.mu.Lock()
		e.mailbox, e.state = mb, StateStarting
		t.mu.Unlock()
		return mb
	}
}

// observe is the receiver middleware that keeps the entry's state current. A worker also tells its supervisor
// when it has started, so the supervisor starts the next child only then; a supervisor reports itself once all
// its own children started.
func (t *tree) observe(e *entry) actor.ReceiverMiddleware {
	return func(next actor.ReceiverFunc) actor.ReceiverFunc {
		return func(ctx actor.ReceiverContext, env *actor.MessageEnvelope) {
			switch env.Message.(type) {
			case *actor.Started:
				next(ctx, env)
				t.setState(e, StateRunning)
				if !e.spec.isSupervisor() {
					ctx.ActorSystem().Root.Send(ctx.Parent(), &childStarted{who: ctx.Self()})
				}
				return
			case *actor.Restarting:
				t.setState(e, StateRestarting)
			case *actor.Stopping:
				t.setState(e, StateStopping)
			case *actor.Stopped:
				t.setState(e, StateStopped)
			}
			next(ctx, env)
		}
	}
}

func (t *tree) setState(e *entry, s State) {
	t.mu.Lock()
	e.state = s
	t.mu.Unlock()
}

// recordRestart counts a restart of e, caused by its own failure when failure is non-empty (else by a
// sibling's), and returns its restart count.
func (t *tree) recordRestart(e *entry, failure string, at time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	e.restarts++
	e.state = StateRestarting
	if failure != "" {
		e.lastFailure, e.lastFailureAt = failure, at
	}
	return e.restarts
}

func (t *tree) recordFailure(e *entry, failure string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e.lastFailure, e.lastFailureAt = failure, at
}

func (t *tree) status(e *entry) ActorStatus {
	t.mu.Lock()
	s := ActorStatus{
		Name:        e.spec.name,
		Kind:        "worker",
		State:       e.state,
		Restarts:    e.restarts,
		LastFailure: e.lastFailure,
	}
	mailbox := e.mailbox
	if !e.lastFailureAt.IsZero() {
		at := e.lastFailureAt
		s.LastFailureAt = &at
	}
	t.mu.Unlock()
	if e.spec.isSupervisor() {
		s.Kind, s.Strategy = "supervisor", e.spec.strategy.String()
	}
	if mailbox != nil {
		s.Mailbox = mailbox.UserMessageCount()
		if b, ok := mailbox.(interface{ Dropped() uint64 }); ok {
			s.Dropped = b.Dropped()
		}
	}
	for _, c := range e.children {
		s.Children = append(s.Children, t.status(c))
	}
	return s
}

// notRunning lists the actors of the tree that are not running.
func (t *tree) notRunning() []string {
	var names []string
	var walk func(s ActorStatus)
	walk = func(s ActorStatus) {
		if s.State != StateRunning {
			names = append(names, s.Name+" ("+string(s.State)+")")
		}
		for _, c := range s.Children {
			walk(c)
		}
	}
	walk(t.status(t.root))
	return names
}

func (t *tree) actorsHandler() http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(t.status(t.root))
	}
}
