package block

import (
	"context"
	"errors"
	"fmt"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessExecutionPayload is the spec's process_execution_payload (fulu): the payload must extend the latest one,
// carry the current RANDAO mix and the slot's timestamp, stay under the blob limit in force
// (get_blob_parameters(epoch).max_blobs_per_block) and be valid to the execution engine; its header becomes the
// latest. An engine error wraps ErrExecutionEngineUnavailable; an invalid payload ErrInvalidExecutionPayload.
func ProcessExecutionPayload(ctx context.Context, env *helpers.Env, state *types.BeaconState, body *types.BeaconBlockBody, engine ExecutionEngine) error {
	payload := body.ExecutionPayload
	if payload.ParentHash != state.LatestExecutionPayloadHeader.BlockHash {
		return fmt.Errorf("process_execution_payload: %w: parent hash %#x, the latest payload is %#x",
			ErrInvalidExecutionPayload, payload.ParentHash, state.LatestExecutionPayloadHeader.BlockHash)
	}
	epoch := helpers.GetCurrentEpoch(state)
	if mix := helpers.GetRandaoMix(state, epoch); payload.PrevRandao != mix {
		return fmt.Errorf("process_execution_payload: %w: prev_randao %#x, the RANDAO mix is %#x",
			ErrInvalidExecutionPayload, payload.PrevRandao, mix)
	}
	timestamp, err := helpers.ComputeTimeAtSlot(env, state, state.Slot)
	if err != nil {
		return fmt.Errorf("process_execution_payload: %w", err)
	}
	if payload.Timestamp != timestamp {
		return fmt.Errorf("process_execution_payload: %w: timestamp %d, the slot's is %d",
			ErrInvalidExecutionPayload, payload.Timestamp, timestamp)
	}
	if limit := env.Spec.GetBlobParameters(epoch).MaxBlobsPerBlock; uint64(len(body.BlobKZGCommitments)) > limit {
		return fmt.Errorf("process_execution_payload: %w: %d blob commitments, at most %d allowed",
			ErrInvalidExecutionPayload, len(body.BlobKZGCommitments), limit)
	}

	request := &NewPayloadRequest{
		ExecutionPayload:      payload,
		VersionedHashes:       make([]primitives.Bytes32, len(body.BlobKZGCommitments)),
		ParentBeaconBlockRoot: state.LatestBlockHeader.ParentRoot,
		ExecutionRequests:     body.ExecutionRequests,
	}
	for i, commitment := range body.BlobKZGCommitments {
		request.VersionedHashes[i] = KZGCommitmentToVersionedHash(commitment)
	}
	valid, err := engine.VerifyAndNotifyNewPayload(ctx, request)
	if err != nil {
		if errors.Is(err, ErrInvalidExecutionPayload) {
			return fmt.Errorf("process_execution_payload: %w", err)
		}
		return fmt.Errorf("process_execution_payload: %w: %w", ErrExecutionEngineUnavailable, err)
	}
	if !valid {
		return fmt.Errorf("process_execution_payload: %w: rejected by the execution engine (block hash %#x)",
			ErrInvalidExecutionPayload, payload.BlockHash)
	}

	state.LatestExecutionPayloadHeader = payload.Header()
	return nil
}
