package validator

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/holiman/uint256"

	"github.com/salamander-client/salamander/engineapi"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// PayloadBuilder is the part of the Engine API a proposer needs: engineapi.MockEngine on a devnet, the Engine API
// client against an execution client.
type PayloadBuilder interface {
	ForkchoiceUpdated(ctx context.Context, state engineapi.ForkchoiceState, attributes *engineapi.PayloadAttributes) (engineapi.ForkchoiceUpdatedResult, error)
	GetPayload(ctx context.Context, id engineapi.PayloadID) (*engineapi.GetPayloadResponse, error)
}

// BlockRequest is what a proposal needs beside the chain: what the validator client decides.
type BlockRequest struct {
	Slot primitives.Slot
	// RandaoReveal is the proposer's get_epoch_signature of the slot's epoch.
	RandaoReveal primitives.BLSSignature
	Graffiti     [32]byte
	// FeeRecipient is the execution address the block's fees go to.
	FeeRecipient primitives.ExecutionAddress
	// SafeBlockHash and FinalizedBlockHash are fork choice's, for the forkchoiceUpdated that starts the build;
	// zero when there are none yet.
	SafeBlockHash, FinalizedBlockHash primitives.Hash32
	// Eth1Chain are the eth1 blocks get_eth1_vote chooses from, oldest first; none on a chain whose deposits come
	// from execution requests only (a devnet started at Fulu).
	Eth1Chain []Eth1Block
}

// Eth1Block is an eth1 block as get_eth1_vote considers it: its timestamp and get_eth1_data(block).
type Eth1Block struct {
	Timestamp uint64
	Eth1Data  types.Eth1Data
}

// ProducedBlock is a block ready for its proposer's signature.
type ProducedBlock struct {
	// Block has its state root: compute_new_state_root.
	Block *types.BeaconBlock
	// PostState is the state the block leads to.
	PostState *types.BeaconState
	// BlobsBundle holds the blobs of the payload's blob transactions, for the data column sidecars.
	BlobsBundle *engineapi.BlobsBundle
	// PayloadValue is the payload's value to the fee recipient, in wei.
	PayloadValue *uint256.Int
}

// ProduceBlock builds the block of req.Slot on parentState, the post-state of the block to build on (the head):
// the honest validator guide's block proposal. The state is advanced through empty slots (process_slots); the body
// gets the RANDAO reveal, the eth1 vote, the graffiti, the pool's attestations (compute_on_chain_aggregate of the
// best aggregates) and sync aggregate (the parent root's contributions of the previous slot), and an execution
// payload built by builder (prepare_execution_payload, then get_payload, with get_execution_requests). The state root
// is compute_new_state_root: the state transition with every body signature checked, so that a bad operation in the
// pool fails here rather than at the network, and engine judging the payload. parentState is not modified.
func ProduceBlock(ctx context.Context, env *helpers.Env, parentState *types.BeaconState, req BlockRequest, pool *OperationPool,
	builder PayloadBuilder, engine block.ExecutionEngine) (*ProducedBlock, error) {
	if req.Slot <= parentState.Slot {
		return nil, fmt.Errorf("produce block at slot %d: the parent state is at slot %d", req.Slot, parentState.Slot)
	}
	state := helpers.CopyState(parentState)
	if err := epoch.ProcessSlots(env, state, req.Slot); err != nil {
		return nil, fmt.Errorf("produce block at slot %d: %w", req.Slot, err)
	}
	parentRoot := primitives.Root(types.HashTreeRoot(state.LatestBlockHeader))

	payload, err := PrepareExecutionPayload(ctx, env, state, req, builder)
	if err != nil {
		return nil, fmt.Errorf("produce block at slot %d: %w", req.Slot, err)
	}
	requests, err := GetExecutionRequests(payload.ExecutionRequests)
	if err != nil {
		return nil, fmt.Errorf("produce block at slot %d: %w", req.Slot, err)
	}
	attestations, err := pool.AttestationsForBlock(env, state)
	if err != nil {
		return nil, fmt.Errorf("produce block at slot %d: attestations: %w", req.Slot, err)
	}
	syncAggregate, err := pool.SyncAggregate(req.Slot-1, parentRoot)
	if err != nil {
		return nil, fmt.Errorf("produce block at slot %d: sync aggregate: %w", req.Slot, err)
	}
	eth1Vote, err := GetEth1Vote(env, state, req.Eth1Chain)
	if err != nil {
		return nil, fmt.Errorf("produce block at slot %d: %w", req.Slot, err)
	}
	body := &types.BeaconBlockBody{
		RandaoReveal:      req.RandaoReveal,
		Eth1Data:          &eth1Vote,
		Graffiti:          req.Graffiti,
		Attestations:      attestations,
		SyncAggregate:     syncAggregate,
		ExecutionPayload:  payload.ExecutionPayload,
		ExecutionRequests: requests,
	}
	if payload.BlobsBundle != nil {
		body.BlobKZGCommitments = append(body.BlobKZGCommitments, payload.BlobsBundle.Commitments...)
	}
	blk := &types.BeaconBlock{
		Slot:          req.Slot,
		ProposerIndex: helpers.GetBeaconProposerIndex(state),
		ParentRoot:    parentRoot,
		Body:          body,
	}
	post, err := ComputeNewStateRoot(ctx, env, parentState, blk, engine)
	if err != nil {
		return nil, fmt.Errorf("produce block at slot %d: %w", req.Slot, err)
	}
	return &ProducedBlock{Block: blk, PostState: post, BlobsBundle: payload.BlobsBundle, PayloadValue: payload.BlockValue}, nil
}

// PrepareExecutionPayload is the spec's prepare_execution_payload followed by get_payload: on state, at the
// proposal's slot, the builder is told the head (the latest payload's hash) and asked to build with the payload
// attributes of the slot (its timestamp, the RANDAO mix, get_expected_withdrawals, the parent beacon block root),
// and the payload is fetched at once: a devnet proposer does not wait for transactions.
func PrepareExecutionPayload(ctx context.Context, env *helpers.Env, state *types.BeaconState, req BlockRequest, builder PayloadBuilder) (*engineapi.GetPayloadResponse, error) {
	withdrawals, _, err := block.GetExpectedWithdrawals(state)
	if err != nil {
		return nil, fmt.Errorf("prepare_execution_payload: %w", err)
	}
	timestamp, err := helpers.ComputeTimeAtSlot(env, state, state.Slot)
	if err != nil {
		return nil, fmt.Errorf("prepare_execution_payload: %w", err)
	}
	attributes := &engineapi.PayloadAttributes{
		Timestamp:             timestamp,
		PrevRandao:            helpers.GetRandaoMix(state, helpers.GetCurrentEpoch(state)),
		SuggestedFeeRecipient: req.FeeRecipient,
		Withdrawals:           withdrawals,
		ParentBeaconBlockRoot: types.HashTreeRoot(state.LatestBlockHeader),
	}
	forkchoice := engineapi.ForkchoiceState{HeadBlockHash: state.LatestExecutionPayloadHeader.BlockHash,
		SafeBlockHash: req.SafeBlockHash, FinalizedBlockHash: req.FinalizedBlockHash}
	res, err := builder.ForkchoiceUpdated(ctx, forkchoice, attributes)
	if err != nil {
		return nil, fmt.Errorf("prepare_execution_payload: forkchoice updated: %w", err)
	}
	if res.PayloadID == nil {
		return nil, fmt.Errorf("prepare_execution_payload: %w: the head %#x is %s", ErrNoPayload,
			forkchoice.HeadBlockHash, res.PayloadStatus.Status)
	}
	payload, err := builder.GetPayload(ctx, *res.PayloadID)
	if err != nil {
		return nil, fmt.Errorf("get_payload: %w", err)
	}
	if payload.ExecutionPayload == nil {
		return nil, fmt.Errorf("get_payload: %w: the response has no payload", ErrNoPayload)
	}
	return payload, nil
}

// GetExecutionRequests is the spec's get_execution_requests (electra): the EIP-7685 request list decoded, each
// type at most once, in ascending type order, none empty.
func GetExecutionRequests(list [][]byte) (*types.ExecutionRequests, error) {
	requests := &types.ExecutionRequests{}
	previous := -1
	for i, request := range list {
		if len(request) < 2 {
			return nil, fmt.Errorf("get_execution_requests: %w: request %d has no data", ErrInvalidExecutionRequests, i)
		}
		kind, data := int(request[0]), request[1:]
		if kind <= previous {
			return nil, fmt.Errorf("get_execution_requests: %w: type %d after type %d", ErrInvalidExecutionRequests, kind, previous)
		}
		previous = kind
		var err error
		switch kind {
		case block.DepositRequestType:
			requests.Deposits, err = decodeList[types.DepositRequest](data, types.DepositRequestSize, params.MaxDepositRequestsPerPayload)
		case block.WithdrawalRequestType:
			requests.Withdrawals, err = decodeList[types.WithdrawalRequest](data, types.WithdrawalRequestSize, params.MaxWithdrawalRequestsPerPayload)
		case block.ConsolidationRequestType:
			requests.Consolidations, err = decodeList[types.ConsolidationRequest](data, types.ConsolidationRequestSize, params.MaxConsolidationRequestsPerPayload)
		default:
			return nil, fmt.Errorf("get_execution_requests: %w: unknown type %d", ErrInvalidExecutionRequests, kind)
		}
		if err != nil {
			return nil, fmt.Errorf("get_execution_requests: type %d: %w", kind, err)
		}
	}
	return requests, nil
}

// decodeList decodes an SSZ list of fixed-size containers of size bytes each, at most limit of them.
func decodeList[T any, PT interface {
	*T
	types.Object
}](data []byte, size, limit int) ([]PT, error) {
	if len(data)%size != 0 || len(data)/size > limit {
		return nil, fmt.Errorf("%w: %d bytes is not a list of at most %d items of %d bytes", ErrInvalidExecutionRequests, len(data), limit, size)
	}
	out := make([]PT, 0, len(data)/size)
	for offset := 0; offset < len(data); offset += size {
		item := PT(new(T))
		if err := types.Unmarshal(data[offset:offset+size], item); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidExecutionRequests, err)
		}
		out = append(out, item)
	}
	return out, nil
}

// ComputeNewStateRoot is the spec's compute_new_state_root: it runs the state transition of blk on state (the
// parent's post-state, before blk's slot) without the proposer signature and state root checks, sets blk.StateRoot
// to the post-state's root, and returns the post-state. The body's signatures are checked. state is not modified.
func ComputeNewStateRoot(ctx context.Context, env *helpers.Env, state *types.BeaconState, blk *types.BeaconBlock, engine block.ExecutionEngine) (*types.BeaconState, error) {
	post, err := transition.StateTransition(ctx, env, state, &types.SignedBeaconBlock{Message: blk},
		transition.Options{Engine: engine, SkipResultValidation: true})
	if err != nil {
		return nil, fmt.Errorf("compute_new_state_root: %w", err)
	}
	root, err := env.HashTreeRoot(post)
	if err != nil {
		return nil, fmt.Errorf("compute_new_state_root: %w", err)
	}
	blk.StateRoot = root
	return post, nil
}

// GetEth1Vote is the spec's get_eth1_vote (electra): once the eth1 bridge is done (eth1_deposit_index reached
// deposit_requests_start_index) the state's eth1 data; otherwise the most voted candidate of the period among the
// eth1 chain's blocks, defaulting to the latest candidate or, without an eth1 chain, to the state's eth1 data.
func GetEth1Vote(env *helpers.Env, state *types.BeaconState, eth1Chain []Eth1Block) (types.Eth1Data, error) {
	if state.Eth1DepositIndex == state.DepositRequestsStartIndex {
		return *state.Eth1Data, nil
	}
	periodStart, err := VotingPeriodStartTime(env, state)
	if err != nil {
		return types.Eth1Data{}, err
	}
	var votesToConsider []types.Eth1Data
	for _, b := range eth1Chain {
		if IsCandidateBlock(env, b, periodStart) && b.Eth1Data.DepositCount >= state.Eth1Data.DepositCount {
			votesToConsider = append(votesToConsider, b.Eth1Data)
		}
	}
	var validVotes []types.Eth1Data
	for _, vote := range state.Eth1DataVotes {
		for _, candidate := range votesToConsider {
			if sameEth1Data(*vote, candidate) {
				validVotes = append(validVotes, *vote)
				break
			}
		}
	}
	defaultVote := *state.Eth1Data
	if len(votesToConsider) > 0 {
		defaultVote = votesToConsider[len(votesToConsider)-1]
	}
	if len(validVotes) == 0 {
		return defaultVote, nil
	}
	// max by (count, -first index): the most voted, the earliest voted on a tie.
	best, bestCount, bestFirst := validVotes[0], 0, 0
	for i, vote := range validVotes {
		count, first := 0, -1
		for j, other := range validVotes {
			if sameEth1Data(vote, other) {
				count++
				if first < 0 {
					first = j
				}
			}
		}
		if i == 0 || count > bestCount || (count == bestCount && first < bestFirst) {
			best, bestCount, bestFirst = vote, count, first
		}
	}
	return best, nil
}

// VotingPeriodStartTime is the spec's voting_period_start_time.
func VotingPeriodStartTime(env *helpers.Env, state *types.BeaconState) (uint64, error) {
	periodSlots := primitives.Slot(params.EpochsPerEth1VotingPeriod * params.SlotsPerEpoch)
	return helpers.ComputeTimeAtSlot(env, state, state.Slot-state.Slot%periodSlots)
}

// IsCandidateBlock is the spec's is_candidate_block: a block old enough to follow, and not too old.
func IsCandidateBlock(env *helpers.Env, b Eth1Block, periodStart uint64) bool {
	follow := uint64(env.Spec.SecondsPerEth1Block/time.Second) * env.Spec.Eth1FollowDistance
	return b.Timestamp+follow <= periodStart && b.Timestamp+2*follow >= periodStart
}

func sameEth1Data(a, b types.Eth1Data) bool {
	return a.DepositRoot == b.DepositRoot && a.DepositCount == b.DepositCount && bytes.Equal(a.BlockHash[:], b.BlockHash[:])
}
