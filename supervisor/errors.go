package supervisor

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrEscalated is matched by the failure a supervisor passes to its parent when it gives up, and so by
	// Node.Err when the root gave up.
	ErrEscalated = errors.New("failure escalated")
	// ErrChildStopped is the failure reason of a child that stopped although nobody asked it to.
	ErrChildStopped = errors.New("actor stopped by itself")
	// ErrStartTimeout is returned by Start when the tree did not start within Options.StartTimeout.
	ErrStartTimeout = errors.New("supervision tree did not start in time")
)

// Escalation is the failure a supervisor passes to its parent when a child failed fatally (actors.ErrFatal) or
// its children failed more often than its restart intensity allows. It matches ErrEscalated, and unwraps to the
// last failure when that is an error, so a fatal failure stays fatal (and escalates at once) all the way up.
type Escalation struct {
	Supervisor string
	Child      string // the child whose failure was fatal or went over the limit
	Reason     any    // that failure
	// Fatal means the failure was fatal: the supervisor gave up without restarting anything, and Failures and
	// Within are zero.
	Fatal    bool
	Failures int // failures of the supervisor's children within Within, that one included
	Within   time.Duration
}

func (e *Escalation) Error() string {
	if e.Fatal {
		return fmt.Sprintf("%s gave up: %s failed fatally: %v", e.Supervisor, e.Child, e.Reason)
	}
	return fmt.Sprintf("%s gave up: %d failures within %s, last of %s: %v", e.Supervisor, e.Failures, e.Within,
		e.Child, e.Reason)
}

func (e *Escalation) Is(target error) bool { return target == ErrEscalated }

func (e *Escalation) Unwrap() error {
	err, _ := e.Reason.(error)
	return err
}

// rootFailure is the error of a node whose root supervisor failed: normally an *Escalation, but a failure of the
// root supervisor itself also ends the node.
func rootFailure(reason any) error {
	err, ok := reason.(error)
	if !ok {
		err = fmt.Errorf("%v", reason)
	}
	if errors.Is(err, ErrEscalated) {
		return err
	}
	return fmt.Errorf("%w: root supervisor failed: %w", ErrEscalated, err)
}
