package supervisor

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
)

// childStarted tells a supervisor that a child handled Started (a worker) or that all of a child supervisor's
// own children did.
type childStarted struct{ who *actor.PID }

// restartDue tells a supervisor that a restart's back-off is over.
type restartDue struct {
	by       *supervisorActor // the incarnation that scheduled it; a later one ignores it
	children []*child
}

// shutdown asks a supervisor to stop its children one by one in reverse start order, then itself.
type shutdown struct{}

// supervisorActor is one incarnation of a supervisor. It is its children's actor.SupervisorStrategy (protoactor
// asks the parent actor first), so the strategy runs on the supervisor's own goroutine and its restart history
// starts afresh when the supervisor itself is restarted, as in Erlang/OTP.
//
// Children start, and restart, one at a time in start order: the next is spawned, or sent protoactor's Restart,
// once the previous one has handled Started, so a child's Started may rely on its elder siblings running. When a
// child fails, protoactor suspends its mailbox; the strategy suspends the siblings that restart with it, waits
// for the back-off, then queues them. Under rest-for-one and all-for-one, and for children not yet started at
// all, a child also waits while an elder sibling waits for its back-off. A restart keeps an actor's PID and
// mailbox, so nothing sent to it meanwhile is lost. A supervisor's own restart is different: protoactor stops its
// children and the new incarnation spawns them afresh under the same names (so PIDs stay valid), and a message
// that reaches such a child while it stops is lost. Stopping: see stopNext.
type supervisorActor struct {
	tree  *tree
	entry *entry
	log   *slog.Logger // lines about children: actor=<child>, supervisor=<this>

	self, parent *actor.PID
	children     []*child
	awaiting     *child      // the child (re)started last, until it reports it started
	ready        bool        // every child has started
	failures     []time.Time // children's failures within the window, for the restart intensity
	stopping     bool
	restarting   bool
}

// child is a supervisor's view of one child.
type child struct {
	entry          *entry
	pid            *actor.PID  // set once spawned; kept across restarts
	alive          bool        // spawned and not terminated
	started        bool        // has handled Started at least once
	queued         bool        // waits for its turn to (re)start
	pendingRestart bool        // failed, or restarts with a sibling that failed: waits for back-off and its turn
	suspended      bool        // its mailbox is suspended
	stopRequested  bool        // asked to stop during shutdown
	failures       []time.Time // its own failures within the window, for its back-off
}

func (c *child) name() string { return c.entry.spec.name }

func newSupervisorActor(t *tree, e *entry) *supervisorActor {
	s := &supervisorActor{tree: t, entry: e, log: t.logger.With("supervisor", e.spec.name)}
	for _, ce := range e.children {
		s.children = append(s.children, &child{entry: ce, queued: true})
	}
	return s
}

func (s *supervisorActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		s.self, s.parent = ctx.Self(), ctx.Parent()
		s.advance(ctx)
	case *childStarted:
		if c := s.child(msg.who); c != nil {
			c.started = true
			if s.awaiting == c {
				s.awaiting = nil
				s.advance(ctx)
			}
		}
	case *restartDue:
		if msg.by == s {
			for _, c := range msg.children {
				c.queued = c.queued || c.pendingRestart
			}
			s.advance(ctx)
		}
	case *shutdown:
		if !s.stopping {
			s.stopping = true
			s.stopNext(ctx)
		}
	case *actor.Terminated:
		s.childTerminated(ctx, msg.Who)
	case *actor.Restarting:
		s.restarting = true
	case *actor.Stopping:
		s.stopping = true
	case *actor.Stopped:
		ctx.Logger().Debug("Stopped")
		if s.entry.parent == nil && s.tree.onStopped != nil {
			s.tree.onStopped()
		}
	}
}

// advance (re)starts the first queued child whose turn it is, or reports this supervisor started once every
// child has.
func (s *supervisorActor) advance(ctx actor.Context) {
	if s.stopping || s.restarting || s.awaiting != nil {
		return
	}
	heldBack := false // an elder sibling waits for its back-off
	for _, c := range s.children {
		switch {
		case c.queued && (!heldBack || (s.entry.spec.strategy == oneForOne && c.pid != nil)):
			s.startChild(ctx, c)
			return
		case c.queued || c.pendingRestart:
			heldBack = true
		}
	}
	if s.ready || heldBack {
		return
	}
	for _, c := range s.children {
		if !c.started {
			return
		}
	}
	s.ready = true
	ctx.Logger().Debug("Started", "children", len(s.children))
	if s.entry.parent != nil {
		ctx.Send(s.parent, &childStarted{who: s.self})
	} else if s.tree.onReady != nil {
		s.tree.onReady()
	}
}

// startChild spawns c, or restarts it if it lives, and waits for it to report it started.
func (s *supervisorActor) startChild(ctx actor.Context, c *child) {
	c.queued, c.pendingRestart, c.suspended = false, false, false
	s.awaiting = c
	if c.alive {
		sendSystem(s.tree.system, c.pid, &actor.Restart{})
		return
	}
	pid, err := ctx.SpawnNamed(c.entry.props, c.name())
	if err != nil {
		// Only a bug gets here (a name still taken); failing lets our own supervisor start us afresh.
		panic(fmt.Errorf("spawn %s: %w", c.name(), err))
	}
	c.pid, c.alive = pid, true
}

func (s *supervisorActor) child(pid *actor.PID) *child {
	for _, c := range s.children {
		if c.pid != nil && c.pid.Equal(pid) {
			return c
		}
	}
	return nil
}

// HandleFailure implements actor.SupervisorStrategy for this supervisor's children.
func (s *supervisorActor) HandleFailure(_ *actor.ActorSystem, _ actor.Supervisor, who *actor.PID,
	_ *actor.RestartStatistics, reason, _ any) {
	c := s.child(who)
	switch {
	case c == nil || s.restarting:
		// A child of an incarnation that is going away: protoactor stops it.
		return
	case s.stopping:
		// Its turn to stop comes in order; if it is the child being waited for, a shutdown it can no longer
		// read must become a Stop.
		c.suspended = true
		if c.stopRequested {
			s.stopChild(c)
		}
		return
	}
	c.suspended = true
	if esc := s.childFailed(c, reason); esc != nil {
		s.escalate(esc)
	}
}

// childTerminated handles a child that stopped: the next step of a shutdown, or a failure if nobody asked it to.
func (s *supervisorActor) childTerminated(ctx actor.Context, who *actor.PID) {
	c := s.child(who)
	if c == nil {
		return
	}
	c.alive, c.suspended = false, false
	switch {
	case s.restarting:
	case s.stopping:
		s.stopNext(ctx)
	default:
		if esc := s.childFailed(c, ErrChildStopped); esc != nil {
			s.escalate(esc)
		}
	}
}

// childFailed applies the strategy to a failure of c: it schedules the restart of c and of the siblings the
// strategy restarts with it, or returns the escalation when the failure is fatal (actors.ErrFatal) or goes over
// the restart intensity.
func (s *supervisorActor) childFailed(c *child, reason any) *Escalation {
	if c.pendingRestart {
		// Already restarting with a sibling that failed first.
		return nil
	}
	now := time.Now()
	l := s.entry.spec.limits
	failure := fmt.Sprint(reason)
	if actors.IsFatal(reason) {
		// Restarting would repeat the failure (a full disk, a database locked by another process): give up now,
		// whatever the restart intensity, so that the node stops with the cause as its last word.
		s.tree.recordFailure(c.entry, failure, now)
		s.log.Error("Fatal failure: escalating without a restart", "actor", c.name(), "reason", failure)
		return &Escalation{Supervisor: s.entry.spec.name, Child: c.name(), Reason: reason, Fatal: true}
	}
	s.failures = append(withinWindow(s.failures, now, l.within), now)
	if len(s.failures) > l.maxRestarts {
		s.tree.recordFailure(c.entry, failure, now)
		s.log.Error("Restart intensity exceeded", "actor", c.name(), "reason", failure,
			"failures", len(s.failures), "within", l.within)
		return &Escalation{Supervisor: s.entry.spec.name, Child: c.name(), Reason: reason,
			Failures: len(s.failures), Within: l.within}
	}
	c.failures = append(withinWindow(c.failures, now, l.within), now)
	backoff := l.backoffFor(len(c.failures))

	targets := s.restartSet(c)
	for _, t := range targets {
		t.pendingRestart, t.queued = true, false
		if s.awaiting == t {
			s.awaiting = nil
		}
		if t == c {
			restarts := s.tree.recordRestart(t.entry, failure, now)
			attrs := []any{"actor", t.name(), "reason", failure, "restarts", restarts, "backoff", backoff}
			// An injected panic is a test's or salamander dev --chaos's doing: its stack says nothing.
			if crash, ok := reason.(*actors.Crash); ok && !isInjected(crash) {
				attrs = append(attrs, "stack", string(crash.Stack))
			}
			s.log.Warn("Restarting actor", attrs...)
			continue
		}
		if t.alive && !t.suspended {
			sendSystem(s.tree.system, t.pid, &actor.SuspendMailbox{})
			t.suspended = true
		}
		restarts := s.tree.recordRestart(t.entry, "", now)
		s.log.Warn("Restarting actor", "actor", t.name(), "reason", s.entry.spec.strategy.String()+" after "+c.name()+" failed",
			"restarts", restarts, "backoff", backoff)
	}

	due := &restartDue{by: s, children: targets}
	system, self := s.tree.system, s.self
	if backoff == 0 {
		system.Root.Send(self, due)
	} else {
		time.AfterFunc(backoff, func() { system.Root.Send(self, due) })
	}
	return nil
}

// restartSet is the children that restart when c fails, in start order; children not spawned yet start anyway.
func (s *supervisorActor) restartSet(c *child) []*child {
	var set []*child
	for i, sibling := range s.children {
		switch {
		case sibling.pid == nil:
		case sibling == c,
			s.entry.spec.strategy == allForOne,
			s.entry.spec.strategy == restForOne && i > s.index(c):
			set = append(set, sibling)
		}
	}
	return set
}

func (s *supervisorActor) index(c *child) int {
	for i, sibling := range s.children {
		if sibling == c {
			return i
		}
	}
	return -1
}

// escalate gives up: it suspends this supervisor and hands the failure to its parent (a supervisor, or the
// root's guardian), which restarts or stops it. It does what protoactor's EscalateFailure does, but can also be
// called from Receive, where that is out of reach.
func (s *supervisorActor) escalate(esc *Escalation) {
	sendSystem(s.tree.system, s.self, &actor.SuspendMailbox{})
	sendSystem(s.tree.system, s.parent, &actor.Failure{Who: s.self, Reason: esc,
		RestartStats: actor.NewRestartStatistics()})
}

// stopNext stops the last live child and waits for its Terminated; when none is left it stops this supervisor.
// Stopping one child at a time in reverse start order means no child outlives one it depends on.
func (s *supervisorActor) stopNext(ctx actor.Context) {
	for i := len(s.children) - 1; i >= 0; i-- {
		c := s.children[i]
		if !c.alive {
			continue
		}
		if !c.stopRequested {
			s.stopChild(c)
		}
		return
	}
	ctx.Stop(s.self)
}

// stopChild asks a child to stop: a running supervisor with a shutdown, so it stops its own children in order
// too; anything else, and a supervisor whose mailbox is suspended, with protoactor's Stop system message.
func (s *supervisorActor) stopChild(c *child) {
	c.stopRequested = true
	if c.entry.spec.isSupervisor() && !c.suspended {
		s.tree.system.Root.Send(c.pid, &shutdown{})
		return
	}
	sendSystem(s.tree.system, c.pid, &actor.Stop{})
}

// sendSystem posts a system message: protoactor exposes no public way to, but its process registry does.
func sendSystem(system *actor.ActorSystem, pid *actor.PID, msg any) {
	process, _ := system.ProcessRegistry.Get(pid) // the dead-letter process when pid is gone
	process.SendSystemMessage(pid, msg)
}

// withinWindow drops the times older than window before now, reusing times.
func withinWindow(times []time.Time, now time.Time, window time.Duration) []time.Time {
	kept := times[:0]
	for _, t := range times {
		if now.Sub(t) < window {
			kept = append(kept, t)
		}
	}
	return kept
}

func isInjected(crash *actors.Crash) bool {
	_, injected := crash.Value.(*actors.InjectedPanic)
	return injected
}
