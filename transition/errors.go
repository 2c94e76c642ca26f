package transition

import "errors"

// Errors of the transition actor, beside those of StateTransition (ErrStateRootMismatch, ErrNoExecutionEngine) and
// of block processing (block.ErrInvalid*, block.ErrExecutionEngineUnavailable), which its replies wrap as they are.
var (
	// ErrMalformedBlock means ApplyBlock's bytes are not a SignedBeaconBlock (it wraps types.ErrInvalidSSZ).
	ErrMalformedBlock = errors.New("malformed block")
	// ErrUnknownParentState means the actor neither holds the post-state of the block's parent nor can load it:
	// the parent has not been applied, or its state was evicted and the store has none.
	ErrUnknownParentState = errors.New("unknown parent state")
	// ErrQueueFull means too many blocks wait for the transition: the block was not looked at.
	ErrQueueFull = errors.New("transition queue full")
	// ErrActorStopped means the actor stopped or restarted before it applied the block: send it again.
	ErrActorStopped = errors.New("transition actor stopped")
	// ErrTransitionPanicked means the transition of the block panicked: a bug, not a verdict on the block. The
	// actor rejects the block and goes on with its states as they were, since a transition only works on copies.
	ErrTransitionPanicked = errors.New("state transition panicked")
)
