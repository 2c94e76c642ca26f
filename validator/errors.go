package validator

import "errors"

// Errors of the validator's duties. Match them with errors.Is; the wrapping message says what was expected.
var (
	// ErrDutiesUnknown means the state cannot tell the duties asked for: an epoch beyond its lookahead, a sync
	// committee period it does not hold.
	ErrDutiesUnknown = errors.New("duties not known from this state")
	// ErrInvalidOperation means an attestation or sync committee message given to the pool, or to aggregation,
	// is malformed (no committee bit, a bit outside its committee, a signature that does not decode).
	ErrInvalidOperation = errors.New("invalid operation")
	// ErrPoolFull means the operation pool is at its bound with nothing older to drop.
	ErrPoolFull = errors.New("operation pool full")
	// ErrNoPayload means the execution engine built no payload for a proposal (it is syncing, or refused the
	// attributes).
	ErrNoPayload = errors.New("execution engine built no payload")
	// ErrNotProposer means a block was asked for a slot whose proposer is not the validator given.
	ErrNotProposer = errors.New("not the proposer of the slot")
	// ErrInvalidExecutionRequests means the engine's execution requests are not EIP-7685's ordered list.
	ErrInvalidExecutionRequests = errors.New("invalid execution requests")
)
