package actors

import "errors"

// ErrFatal matches a failure that no restart can cure: a full disk, a database another process holds, a data
// directory of another network. A Salamander supervisor never restarts an actor that fails with it: it escalates
// at once, whatever its restart intensity, and so does every supervisor above it, so the node stops cleanly
// (children in reverse start order) and the process exits non-zero for its operator to fix the cause. Restarting
// would only repeat the failure, and a crash loop hides its cause among restart lines.
var ErrFatal = errors.New("fatal failure")

// Fatal marks err as fatal: an actor that panics with Fatal(err), in Receive or in a goroutine started with Go,
// is not restarted (see ErrFatal). The result matches ErrFatal and everything err matches. A type whose every
// value is fatal can match ErrFatal itself with an Is method instead.
func Fatal(err error) error {
	if err == nil {
		return nil
	}
	return &fatalError{err: err}
}

type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }

func (e *fatalError) Unwrap() []error { return []error{ErrFatal, e.err} }

// IsFatal reports whether a failure reason, as a supervisor receives it (a *Crash, a supervisor's escalation,
// ...), is an error that matches ErrFatal.
func IsFatal(reason any) bool {
	err, ok := reason.(error)
	return ok && errors.Is(err, ErrFatal)
}
