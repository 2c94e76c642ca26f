package block

import "errors"

// Errors of block processing. Each makes the block that met it invalid, except ErrExecutionEngineUnavailable, which
// says the block's validity could not be decided. Match with errors.Is; the wrapping message names the failed check
// and, for operations, the operation's index in the block. Errors of the helpers (helpers.ErrIndexOutOfRange,
// helpers.ErrOverflow, ...) are wrapped as they are.
var (
	// ErrInvalidBlockHeader means a process_block_header assert failed: wrong slot, proposer or parent, or a
	// slashed proposer.
	ErrInvalidBlockHeader = errors.New("invalid block header")
	// ErrInvalidBlockSignature means the proposer's signature over the block does not verify.
	ErrInvalidBlockSignature = errors.New("invalid block signature")
	// ErrInvalidRandaoReveal means the RANDAO reveal is not the proposer's signature over the epoch.
	ErrInvalidRandaoReveal = errors.New("invalid RANDAO reveal")
	// ErrInvalidWithdrawals means the payload's withdrawals are not get_expected_withdrawals.
	ErrInvalidWithdrawals = errors.New("invalid withdrawals")
	// ErrInvalidExecutionPayload means the payload is inconsistent with the state (parent hash, prev_randao,
	// timestamp, blob count) or the execution engine found it invalid.
	ErrInvalidExecutionPayload = errors.New("invalid execution payload")
	// ErrExecutionEngineUnavailable means the execution engine could not judge the payload (unreachable, syncing,
	// timed out): the block is neither valid nor invalid yet.
	ErrExecutionEngineUnavailable = errors.New("execution engine could not verify the payload")
	// ErrInvalidOperationCount means the block carries the wrong number of operations of a kind (deposits).
	ErrInvalidOperationCount = errors.New("invalid operation count")
	// ErrInvalidProposerSlashing means a proposer slashing failed one of its checks.
	ErrInvalidProposerSlashing = errors.New("invalid proposer slashing")
	// ErrInvalidAttesterSlashing means an attester slashing failed one of its checks.
	ErrInvalidAttesterSlashing = errors.New("invalid attester slashing")
	// ErrInvalidAttestation means an attestation failed one of its checks.
	ErrInvalidAttestation = errors.New("invalid attestation")
	// ErrInvalidDeposit means a deposit's Merkle proof does not lead to the deposit root. (A deposit with an invalid
	// signature is valid: it is skipped.)
	ErrInvalidDeposit = errors.New("invalid deposit")
	// ErrInvalidVoluntaryExit means a voluntary exit failed one of its checks.
	ErrInvalidVoluntaryExit = errors.New("invalid voluntary exit")
	// ErrInvalidBLSToExecutionChange means a BLS-to-execution change failed one of its checks.
	ErrInvalidBLSToExecutionChange = errors.New("invalid BLS to execution change")
	// ErrInvalidSyncAggregate means the sync aggregate's signature does not verify.
	ErrInvalidSyncAggregate = errors.New("invalid sync aggregate")
)
