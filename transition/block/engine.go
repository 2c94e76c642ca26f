package block

import (
	"context"
	"crypto/sha256"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// VersionedHashVersionKZG is the spec's VERSIONED_HASH_VERSION_KZG (deneb).
const VersionedHashVersionKZG = 0x01

// Execution request types of EIP-7685 (electra's DEPOSIT_REQUEST_TYPE, WITHDRAWAL_REQUEST_TYPE,
// CONSOLIDATION_REQUEST_TYPE).
const (
	DepositRequestType       = 0x00
	WithdrawalRequestType    = 0x01
	ConsolidationRequestType = 0x02
)

// NewPayloadRequest is the spec's NewPayloadRequest (electra; unchanged in Fulu): what the consensus layer asks the
// execution engine to verify. It points into the block: the engine must not modify it.
type NewPayloadRequest struct {
	ExecutionPayload      *types.ExecutionPayload
	VersionedHashes       []primitives.Bytes32
	ParentBeaconBlockRoot primitives.Root
	ExecutionRequests     *types.ExecutionRequests
}

// ExecutionEngine is the part of the spec's ExecutionEngine protocol that block processing calls.
type ExecutionEngine interface {
	// VerifyAndNotifyNewPayload is the spec's verify_and_notify_new_payload: it reports whether the payload is
	// valid (block hash, versioned hashes, execution) and hands it to the execution client. An error means the
	// payload could not be judged (the client is unreachable or syncing); the caller decides whether to retry or
	// import optimistically.
	VerifyAndNotifyNewPayload(ctx context.Context, request *NewPayloadRequest) (bool, error)
}

// AcceptAllEngine is an ExecutionEngine that accepts every payload without looking at it. It exists for the local
// devnet, which runs without an execution client; a node that follows a real network must never use it.
type AcceptAllEngine struct{}

// VerifyAndNotifyNewPayload accepts the payload.
func (AcceptAllEngine) VerifyAndNotifyNewPayload(context.Context, *NewPayloadRequest) (bool, error) {
	return true, nil
}

// NotValidatedEngine is the ExecutionEngine of a node that follows a network without an execution client. It
// judges no payload: each is NOT_VALIDATED, as if an engine answered SYNCING, and per the optimistic sync spec the
// block is imported optimistically: block processing goes on as for a payload that is not invalid, and whoever
// imports the block must record it in fork choice as NOT_VALIDATED (forkchoice.ExecutionOptimistic), never VALID.
type NotValidatedEngine struct{}

// VerifyAndNotifyNewPayload lets block processing go on: the payload is not known to be invalid.
func (NotValidatedEngine) VerifyAndNotifyNewPayload(context.Context, *NewPayloadRequest) (bool, error) {
	return true, nil
}

// KZGCommitmentToVersionedHash is the spec's kzg_commitment_to_versioned_hash (deneb).
func KZGCommitmentToVersionedHash(commitment primitives.KZGCommitment) primitives.Bytes32 {
	hash := sha256.Sum256(commitment[:])
	hash[0] = VersionedHashVersionKZG
	return hash
}

// GetExecutionRequestsList is the spec's get_execution_requests_list (electra): the EIP-7685 encoding of the
// requests, one type-prefixed SSZ list per non-empty kind, in type order.
func GetExecutionRequestsList(requests *types.ExecutionRequests) ([][]byte, error) {
	var list [][]byte
	add := func(requestType byte, items []types.Object) error {
		if len(items) == 0 {
			return nil
		}
		encoded := []byte{requestType}
		for _, item := range items {
			var err error
			if encoded, err = types.MarshalAppend(encoded, item); err != nil {
				return err
			}
		}
		list = append(list, encoded)
		return nil
	}
	if err := add(DepositRequestType, objects(requests.Deposits)); err != nil {
		return nil, err
	}
	if err := add(WithdrawalRequestType, objects(requests.Withdrawals)); err != nil {
		return nil, err
	}
	if err := add(ConsolidationRequestType, objects(requests.Consolidations)); err != nil {
		return nil, err
	}
	return list, nil
}

func objects[T types.Object](items []T) []types.Object {
	out := make([]types.Object, len(items))
	for i, item := range items {
		out[i] = item
	}
	return out
}
