package helpers

import "errors"

// Errors of the state transition's helpers. Each makes the transition that met it invalid; match with errors.Is.
var (
	// ErrIndexOutOfRange means a validator, committee or list index is outside its list: the spec's IndexError.
	ErrIndexOutOfRange = errors.New("index out of range")
	// ErrOverflow means a uint64 computation overflowed or underflowed, which the spec treats as invalid.
	ErrOverflow = errors.New("uint64 overflow")
	// ErrInvalidSlot means a slot outside the range an accessor may look at (get_block_root_at_slot's assert).
	ErrInvalidSlot = errors.New("invalid slot")
	// ErrNoActiveValidators means a computation needs active validators and there are none.
	ErrNoActiveValidators = errors.New("no active validators")
	// ErrInconsistentState means the state's per-validator lists do not have one entry per validator.
	ErrInconsistentState = errors.New("inconsistent state")
	// ErrInvalidIndexedAttestation means an indexed attestation is empty or its indices are not sorted and unique.
	ErrInvalidIndexedAttestation = errors.New("invalid indexed attestation")
	// ErrInvalidAttestation means an attestation's bits do not match its committees.
	ErrInvalidAttestation = errors.New("invalid attestation")
	// ErrInvalidSignature means a signature is malformed or does not verify.
	ErrInvalidSignature = errors.New("invalid signature")
	// ErrInvalidPublicKey means a validator public key cannot be decompressed.
	ErrInvalidPublicKey = errors.New("invalid public key")
	// ErrAssertion means one of the spec's other asserts failed; the wrapping message names it.
	ErrAssertion = errors.New("spec assertion failed")
)
