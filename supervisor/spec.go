package supervisor

import (
	"fmt"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// strategy says which children restart when one of them fails.
type strategy uint8

const (
	// oneForOne restarts only the failed child: its siblings hold nothing that depends on it.
	oneForOne strategy = iota
	// restForOne restarts the failed child and every child started after it: later children depend on earlier ones.
	restForOne
	// allForOne restarts every child: they are only consistent together.
	allForOne
)

func (s strategy) String() string {
	switch s {
	case oneForOne:
		return "one_for_one"
	case restForOne:
		return "rest_for_one"
	case allForOne:
		return "all_for_one"
	}
	return fmt.Sprintf("strategy(%d)", uint8(s))
}

// limits are a supervisor's restart intensity and back-off.
type limits struct {
	// maxRestarts failures within `within` are restarted; the next one escalates to the parent.
	maxRestarts int
	within      time.Duration
	// A child's first restart within the window waits backoff; each further one twice as long, up to maxBackoff.
	backoff    time.Duration
	maxBackoff time.Duration
}

// backoffFor is the delay before a child's restart when it has failed `failures` times within the window.
func (l limits) backoffFor(failures int) time.Duration {
	if l.backoff <= 0 || failures < 1 {
		return 0
	}
	d := l.backoff
	for i := 1; i < failures && d < l.maxBackoff; i++ {
		d *= 2
	}
	return min(d, l.maxBackoff)
}

// spec describes one node of the supervision tree: a worker (newActor set) or a supervisor of children.
type spec struct {
	name string

	newActor actor.Producer
	mailbox  actor.MailboxProducer // nil: protoactor's unbounded mailbox

	strategy strategy
	limits   limits
	children []spec
}

func (s *spec) isSupervisor() bool { return s.newActor == nil }

// supervise is a supervisor that starts children in order, stops them in reverse order, and restarts them by
// strategy within limits.
func supervise(name string, strategy strategy, limits limits, children ...spec) spec {
	return spec{name: name, strategy: strategy, limits: limits, children: children}
}

// worker is an actor that does the node's work.
func worker(name string, newActor actor.Producer) spec {
	return spec{name: name, newActor: newActor}
}

// withMailbox gives a worker a mailbox other than the unbounded default.
func (s spec) withMailbox(mailbox actor.MailboxProducer) spec {
	s.mailbox = mailbox
	return s
}

// validate checks the whole tree: names are unique (fault injection and logs address actors by name) and limits
// make sense.
func (s *spec) validate() error {
	seen := map[string]bool{}
	var walk func(s *spec) error
	walk = func(s *spec) error {
		switch {
		case s.name == "" || strings.Contains(s.name, "/"):
			return fmt.Errorf("actor name %q: want non-empty, without '/'", s.name)
		case seen[s.name]:
			return fmt.Errorf("actor name %q appears twice in the tree", s.name)
		}
		seen[s.name] = true
		if !s.isSupervisor() {
			return nil
		}
		l := s.limits
		if l.maxRestarts < 0 || l.within <= 0 || l.backoff < 0 || l.maxBackoff < l.backoff {
			return fmt.Errorf("supervisor %s: invalid limits %+v", s.name, l)
		}
		for i := range s.children {
			if err := walk(&s.children[i]); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(s)
}
