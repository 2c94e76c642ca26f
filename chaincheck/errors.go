package chaincheck

import "errors"

// Sentinels of the stateful gossip checks; an Outcome's Err wraps one. The comment says the verdict each gets.
var (
	// ErrUnknownBlock: the block a message names (a block's parent, an attestation's head vote) is not in the store.
	// IGNORE: it may arrive later.
	ErrUnknownBlock = errors.New("block not known")
	// ErrFinalizedSlot: a block at or before the finalized checkpoint's slot. IGNORE.
	ErrFinalizedSlot = errors.New("block not after the finalized slot")
	// ErrNotFinalizedDescendant: the message's block does not descend from the finalized checkpoint. REJECT for a
	// block, IGNORE for an attestation.
	ErrNotFinalizedDescendant = errors.New("not a descendant of the finalized checkpoint")
	// ErrSlotNotAfterParent: a block not at a higher slot than its parent. REJECT.
	ErrSlotNotAfterParent = errors.New("block slot not after its parent's")
	// ErrWrongProposer: a block (or its header) by another validator than its slot's proposer. REJECT.
	ErrWrongProposer = errors.New("not the expected proposer")
	// ErrWrongTimestamp: an execution payload whose timestamp is not its slot's time. REJECT.
	ErrWrongTimestamp = errors.New("execution payload timestamp does not match the slot")
	// ErrBadSignature: a signature that does not verify under the state's keys. REJECT.
	ErrBadSignature = errors.New("invalid signature")
	// ErrCommitteeIndex: a committee index beyond the slot's committees. REJECT.
	ErrCommitteeIndex = errors.New("committee index out of range")
	// ErrWrongSubnet: an attestation on another subnet than its committee's. REJECT.
	ErrWrongSubnet = errors.New("attestation on the wrong subnet")
	// ErrNotInCommittee: an attester or aggregator outside the committee, or aggregation bits of another length.
	// REJECT.
	ErrNotInCommittee = errors.New("not in the committee")
	// ErrTargetNotAncestor: an attestation whose target is not the checkpoint of its head vote. REJECT.
	ErrTargetNotAncestor = errors.New("target is not the head vote's checkpoint block")
	// ErrNotAggregator: a selection proof that does not select its validator. REJECT.
	ErrNotAggregator = errors.New("selection proof does not select an aggregator")
	// ErrInclusionProof: a sidecar whose commitments are not proven to be its block's. REJECT.
	ErrInclusionProof = errors.New("invalid kzg_commitments inclusion proof")
	// ErrKZG: a sidecar whose cells do not verify against its commitments. REJECT.
	ErrKZG = errors.New("invalid KZG cell proofs")
	// ErrInvalidOperation: an exit, slashing or BLS change that the head's epoch state refuses. REJECT.
	ErrInvalidOperation = errors.New("operation invalid against the head's state")
	// ErrStaleState: an operation that fails only a condition that blocks since the head's epoch began may have
	// made pass (the check's state is of the epoch's start, not the head's). IGNORE.
	ErrStaleState = errors.New("invalid only against the epoch's starting state")
	// ErrNoState: the state to check against could not be built (a replay failed, the store is unavailable).
	// IGNORE.
	ErrNoState = errors.New("no state to check against")
	// ErrMalformed: a message that does not decode (the gossip actor decoded it before, so this is a bug). REJECT.
	ErrMalformed = errors.New("malformed message")
	// ErrNotImplemented: a topic whose stateful checks are not written yet. IGNORE, so nothing unchecked is
	// forwarded.
	ErrNotImplemented = errors.New("stateful checks not implemented for this topic")
	// ErrBusy: too many checks in flight. IGNORE.
	ErrBusy = errors.New("chain checker busy")
)
