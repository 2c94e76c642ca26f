package forkchoice

import "errors"

// Errors of the store's handlers. A handler that returns an error leaves the store as it was (the spec: "invalid
// calls to handlers must not modify store"). Some errors say the input may become valid later (ErrUnknownBlock,
// ErrFutureSlot, ErrFutureEpoch, ErrDataUnavailable): a caller may queue it and retry; IsRetryable tells which.
var (
	// ErrUnknownBlock means a block the input refers to (a parent, a vote's block or target) is not in the store:
	// it has not arrived yet, or it was pruned at finalization.
	ErrUnknownBlock = errors.New("unknown block")
	// ErrFutureSlot means the input belongs to a slot the store's clock has not reached: a block from the future,
	// or an attestation whose slot is not yet in the past.
	ErrFutureSlot = errors.New("slot not reached yet")
	// ErrFutureEpoch means an attestation from the wire targets an epoch after the current one.
	ErrFutureEpoch = errors.New("target epoch not reached yet")
	// ErrDataUnavailable means is_data_available did not hold: the block's data columns were not all retrieved
	// and verified.
	ErrDataUnavailable = errors.New("block data not available")

	// ErrNotFinalizedDescendant means a block does not descend from the finalized checkpoint, or is not later than
	// its epoch's start.
	ErrNotFinalizedDescendant = errors.New("block does not descend from the finalized checkpoint")
	// ErrInvalidParentPayload means a block's parent has an INVALIDATED execution payload.
	ErrInvalidParentPayload = errors.New("parent execution payload is invalid")
	// ErrInvalidAttestation means an attestation breaks a rule of validate_on_attestation that time cannot fix.
	ErrInvalidAttestation = errors.New("invalid attestation")
	// ErrStaleAttestation means an attestation from the wire targets an epoch before the previous one.
	ErrStaleAttestation = errors.New("attestation target epoch too old")
	// ErrInvalidAttesterSlashing means an attester slashing's two attestations are not slashable together.
	ErrInvalidAttesterSlashing = errors.New("invalid attester slashing")
	// ErrBeforeGenesis means on_tick was given a time before genesis.
	ErrBeforeGenesis = errors.New("time before genesis")
	// ErrInvalidAnchor means the anchor's block and state do not belong together.
	ErrInvalidAnchor = errors.New("invalid anchor")
	// ErrMissingBalances means the checkpoint state balances that get_weight needs are not available.
	ErrMissingBalances = errors.New("checkpoint balances not available")
	// ErrProposerBoostActive means get_proposer_head was asked about the block that holds the proposer boost.
	ErrProposerBoostActive = errors.New("head block still holds the proposer boost")
	// ErrInconsistentStore means the proto-array broke one of its invariants: a bug, never bad input.
	ErrInconsistentStore = errors.New("inconsistent fork-choice store")
)

// IsRetryable reports whether err says the input may become valid later (its block or slot has not arrived, or
// its data is not yet available), so that a caller may queue it rather than drop it.
func IsRetryable(err error) bool {
	return errors.Is(err, ErrUnknownBlock) || errors.Is(err, ErrFutureSlot) || errors.Is(err, ErrFutureEpoch) ||
		errors.Is(err, ErrDataUnavailable)
}
