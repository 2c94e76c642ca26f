package engineapi

import (
	"errors"
	"fmt"

	"github.com/holiman/uint256"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// The Engine API's data types (execution-apis, engine/paris … osaka), in the consensus types of this module. The
// embedded mock engine speaks them today; the JSON-RPC client to a real execution client will speak the same ones.

// PayloadStatusKind is the status field of the Engine API's PayloadStatusV1.
type PayloadStatusKind uint8

const (
	// StatusValid means the payload, and the chain up to it, is valid.
	StatusValid PayloadStatusKind = iota + 1
	// StatusInvalid means the payload, or an ancestor after LatestValidHash, is invalid.
	StatusInvalid
	// StatusSyncing means the engine cannot judge the payload yet: it misses the payload's ancestors.
	StatusSyncing
	// StatusAccepted means the payload extends no known canonical chain and was not executed.
	StatusAccepted
	// StatusInvalidBlockHash means the payload's block_hash is not the hash of its contents.
	StatusInvalidBlockHash
)

var payloadStatusNames = [...]string{
	StatusValid: "VALID", StatusInvalid: "INVALID", StatusSyncing: "SYNCING", StatusAccepted: "ACCEPTED",
	StatusInvalidBlockHash: "INVALID_BLOCK_HASH",
}

func (s PayloadStatusKind) String() string {
	if s > 0 && int(s) < len(payloadStatusNames) {
		return payloadStatusNames[s]
	}
	return fmt.Sprintf("PayloadStatusKind(%d)", uint8(s))
}

// PayloadStatus is the Engine API's PayloadStatusV1.
type PayloadStatus struct {
	Status PayloadStatusKind
	// LatestValidHash is the hash of the most recent valid block in the branch the payload is on, or nil when the
	// engine cannot say (SYNCING, ACCEPTED, INVALID_BLOCK_HASH).
	LatestValidHash *primitives.Hash32
	// ValidationError says why the payload is invalid; "" otherwise.
	ValidationError string
}

// ForkchoiceState is the Engine API's ForkchoiceStateV1. A zero safe or finalized hash means "none yet".
type ForkchoiceState struct {
	HeadBlockHash      primitives.Hash32
	SafeBlockHash      primitives.Hash32
	FinalizedBlockHash primitives.Hash32
}

// PayloadAttributes is the Engine API's PayloadAttributesV3 (Cancun on; unchanged through Osaka): what the
// consensus layer asks the engine to build on top of the forkchoice head. It is the spec's PayloadAttributes, filled
// by prepare_execution_payload.
type PayloadAttributes struct {
	Timestamp             uint64
	PrevRandao            primitives.Bytes32
	SuggestedFeeRecipient primitives.ExecutionAddress
	// Withdrawals are get_expected_withdrawals of the state the payload is built for, in order.
	Withdrawals           []*types.Withdrawal
	ParentBeaconBlockRoot primitives.Root
}

// PayloadID is the Engine API's PayloadId: the handle of a payload being built.
type PayloadID [8]byte

// ForkchoiceUpdatedResult answers engine_forkchoiceUpdated.
type ForkchoiceUpdatedResult struct {
	PayloadStatus PayloadStatus
	// PayloadID is the build process started for the attributes given, nil when none were given or the head is
	// not VALID.
	PayloadID *PayloadID
}

// BlobsBundle is the Engine API's BlobsBundleV2 (Osaka): the blobs of a payload's blob transactions with their
// commitments and, per blob, CELLS_PER_EXT_BLOB cell proofs.
type BlobsBundle struct {
	Commitments []primitives.KZGCommitment
	Proofs      []primitives.KZGProof
	Blobs       []*types.Blob
}

// GetPayloadResponse is the spec's GetPayloadResponse (fulu), the Engine API's GetPayloadV5 result.
type GetPayloadResponse struct {
	ExecutionPayload *types.ExecutionPayload
	BlockValue       *uint256.Int // wei
	BlobsBundle      *BlobsBundle
	// ExecutionRequests is the EIP-7685 request list: one type-prefixed SSZ list per non-empty request kind, in
	// ascending type order (the spec's get_execution_requests decodes it).
	ExecutionRequests     [][]byte
	ShouldOverrideBuilder bool
}

// Engine API errors (execution-apis, engine/common.md), which the mock returns for the calls the API answers with
// an error instead of a status.
var (
	// ErrUnknownPayload is error -38001: no payload is being built under the given PayloadID.
	ErrUnknownPayload = errors.New("unknown payload")
	// ErrInvalidForkchoiceState is error -38002: the safe or finalized block is unknown or not an ancestor of the
	// head.
	ErrInvalidForkchoiceState = errors.New("invalid forkchoice state")
	// ErrInvalidPayloadAttributes is error -38003: the attributes cannot be built on the head (a timestamp not
	// after the head's, withdrawals over the payload limit).
	ErrInvalidPayloadAttributes = errors.New("invalid payload attributes")
)
