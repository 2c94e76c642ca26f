package transition

import (
	"time"

	"github.com/salamander-client/salamander/primitives"
)

// The transition actor's messages. Blocks cross the actor boundary as SSZ bytes and results as roots, slots and
// counts: a BeaconState never does. Every message is immutable once sent.

// ApplyBlock asks the transition actor to run the state transition of a block on its parent's post-state. Send it
// with a request (actors.Request[ApplyBlockResult]); the reply is a *BlockApplied or a *BlockRejected. Blocks are
// applied one at a time, in the order they arrive.
type ApplyBlock struct {
	// SSZ is the encoding of the SignedBeaconBlock.
	SSZ []byte
}

// ApplyBlockResult is the reply to ApplyBlock: *BlockApplied or *BlockRejected.
type ApplyBlockResult interface {
	// Result returns the applied block, or the error that rejected it.
	Result() (*BlockApplied, error)
}

// BlockApplied says that a block passed the state transition (every signature, the execution engine's verdict and
// the state root). The actor holds its post-state, on which the block's children apply. Applying a block it holds
// already answers BlockApplied again without a second transition.
type BlockApplied struct {
	BlockRoot     primitives.Root // hash_tree_root(block)
	ParentRoot    primitives.Root
	PostStateRoot primitives.Root // the block's state_root, which the transition checked
	Slot          primitives.Slot
	ProposerIndex primitives.ValidatorIndex
	Summary       BlockSummary
	Took          time.Duration // the transition's wall time; zero for a block applied before
}

// Result returns a, nil.
func (a *BlockApplied) Result() (*BlockApplied, error) { return a, nil }

// BlockSummary counts what a block carries.
type BlockSummary struct {
	Attestations          int
	Attesters             int // aggregation bits set, over all attestations
	ProposerSlashings     int
	AttesterSlashings     int
	Deposits              int // of the eth1 bridge
	VoluntaryExits        int
	BLSToExecutionChanges int
	SyncCommitteeBits     int // sync committee members who signed
	Withdrawals           int
	Transactions          int
	BlobKZGCommitments    int
	DepositRequests       int
	WithdrawalRequests    int
	ConsolidationRequests int
}

// BlockRejected says that a block was not applied; the actor's states are as they were. Match Err with errors.Is:
//   - block.ErrInvalid* (which check failed), ErrStateRootMismatch, ErrMalformedBlock: the block is invalid;
//   - ErrUnknownParentState: the actor neither holds nor can load the parent's post-state;
//   - block.ErrExecutionEngineUnavailable: the payload could not be judged yet: the block may be valid;
//   - ErrQueueFull, ErrActorStopped: the block was not looked at: send it again later;
//   - ErrTransitionPanicked: a bug in the transition, which the actor survived.
type BlockRejected struct {
	BlockRoot primitives.Root // zero when the SSZ did not decode
	Slot      primitives.Slot
	Err       error
}

// Result returns nil, r.Err.
func (r *BlockRejected) Result() (*BlockApplied, error) { return nil, r.Err }

// StatusRequest asks the transition actor for its Status; it replies with a *StatusResponse.
type StatusRequest struct{}

// StatusResponse answers a StatusRequest.
type StatusResponse struct{ Status Status }

// Status is what the transition actor reports about itself.
type Status struct {
	StartedAt time.Time // when the answering incarnation started
	Applied   uint64    // blocks applied by this incarnation
	Rejected  uint64    // blocks rejected by this incarnation
	Busy      bool      // a transition is running
	Queued    int       // ApplyBlock requests waiting for it
	States    int       // post-states held in memory
	// Last is the last block applied, zero before the first.
	LastRoot primitives.Root
	LastSlot primitives.Slot
}
