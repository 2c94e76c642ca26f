package validator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// Chain is the beacon node's chain as LocalBeaconNode sees it: the head, and the import of the blocks its
// validators sign. The node's integration implements it over fork choice and the state cache.
type Chain interface {
	// Head returns the head block's root and its post-state. The state is shared: callers must not modify it.
	Head(ctx context.Context) (primitives.Root, *types.BeaconState, error)
	// ImportBlock imports a signed block (state transition with every check, fork choice, store).
	ImportBlock(ctx context.Context, block *types.SignedBeaconBlock) error
}

// ExecutionCheckpoints is implemented by a Chain that knows the execution block hashes of fork choice's safe and
// finalized blocks, which a proposal passes to the execution engine's forkchoiceUpdated.
type ExecutionCheckpoints interface {
	SafeAndFinalizedExecutionHashes(ctx context.Context) (safe, finalized primitives.Hash32, err error)
}

// Broadcaster sends what the node's validators make to the network; the gossip integration implements it.
type Broadcaster interface {
	BroadcastBlock(ctx context.Context, block *types.SignedBeaconBlock) error
	BroadcastAttestation(ctx context.Context, attestation *types.SingleAttestation, subnet uint64) error
	BroadcastAggregateAndProof(ctx context.Context, aggregate *types.SignedAggregateAndProof) error
	BroadcastSyncCommitteeMessage(ctx context.Context, message *types.SyncCommitteeMessage, subnet uint64) error
	BroadcastContributionAndProof(ctx context.Context, contribution *types.SignedContributionAndProof) error
}

// LocalBeaconNode is the BeaconNode of a validator client inside the beacon node: duties, attestation data and
// blocks come from the chain's head, what the validators publish goes to the operation pool (and, with a
// Broadcaster, to the network). It is safe for concurrent use.
type LocalBeaconNode struct {
	env         *helpers.Env
	chain       Chain
	pool        *OperationPool
	builder     PayloadBuilder
	engine      block.ExecutionEngine
	broadcaster Broadcaster // nil: a node alone

	mu       sync.Mutex
	advanced *advancedState
}

// advancedState is the head state processed to a later slot, kept because every duty of a slot asks for it.
type advancedState struct {
	headRoot primitives.Root
	slot     primitives.Slot
	state    *types.BeaconState
}

// NewLocalBeaconNode returns the in-process beacon node of env's chain. builder builds payloads and engine judges
// them (on a devnet, both the mock engine); broadcaster may be nil.
func NewLocalBeaconNode(env *helpers.Env, chain Chain, pool *OperationPool, builder PayloadBuilder, engine block.ExecutionEngine, broadcaster Broadcaster) *LocalBeaconNode {
	return &LocalBeaconNode{env: env, chain: chain, pool: pool, builder: builder, engine: engine, broadcaster: broadcaster}
}

// Pool is the node's operation pool, for gossip to add what it validated.
func (n *LocalBeaconNode) Pool() *OperationPool { return n.pool }

// stateAt returns the head's root and its state processed to slot (the head state itself when it is at or after
// slot). The state is shared: do not modify it.
func (n *LocalBeaconNode) stateAt(ctx context.Context, slot primitives.Slot) (primitives.Root, *types.BeaconState, error) {
	root, head, err := n.chain.Head(ctx)
	if err != nil {
		return primitives.Root{}, nil, fmt.Errorf("head: %w", err)
	}
	if head.Slot >= slot {
		return root, head, nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if a := n.advanced; a != nil && a.headRoot == root && a.slot == slot {
		return root, a.state, nil
	}
	state := helpers.CopyState(head)
	if err := epoch.ProcessSlots(n.env, state, slot); err != nil {
		return primitives.Root{}, nil, fmt.Errorf("advance the head to slot %d: %w", slot, err)
	}
	n.advanced = &advancedState{headRoot: root, slot: slot, state: state}
	return root, state, nil
}

// stateForEpoch returns a state from which the duties of epoch can be read: the head state when epoch is at most
// its next, else the head advanced to the start of epoch.
func (n *LocalBeaconNode) stateForEpoch(ctx context.Context, e primitives.Epoch, lookahead primitives.Epoch) (*types.BeaconState, error) {
	_, head, err := n.chain.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	current := helpers.GetCurrentEpoch(head)
	if e < current {
		return nil, fmt.Errorf("%w: epoch %d is before the head's epoch %d", ErrDutiesUnknown, e, current)
	}
	if e <= current+lookahead {
		return head, nil
	}
	_, state, err := n.stateAt(ctx, helpers.ComputeStartSlotAtEpoch(e))
	return state, err
}

// ValidatorIndices implements BeaconNode.
func (n *LocalBeaconNode) ValidatorIndices(ctx context.Context, pubkeys []primitives.BLSPubkey) (map[primitives.BLSPubkey]primitives.ValidatorIndex, error) {
	_, head, err := n.chain.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	out := make(map[primitives.BLSPubkey]primitives.ValidatorIndex, len(pubkeys))
	for _, pk := range pubkeys {
		if index, ok := helpers.ValidatorIndexByPubkey(n.env, head, pk); ok {
			out[pk] = index
		}
	}
	return out, nil
}

// ProposerDuties implements BeaconNode.
func (n *LocalBeaconNode) ProposerDuties(ctx context.Context, e primitives.Epoch) ([]ProposerDuty, error) {
	state, err := n.stateForEpoch(ctx, e, params.MinSeedLookahead)
	if err != nil {
		return nil, err
	}
	return GetProposerDuties(state, e)
}

// AttesterDuties implements BeaconNode.
func (n *LocalBeaconNode) AttesterDuties(ctx context.Context, e primitives.Epoch, indices []primitives.ValidatorIndex) ([]AttesterDuty, error) {
	state, err := n.stateForEpoch(ctx, e, 1)
	if err != nil {
		return nil, err
	}
	return GetAttesterDuties(n.env, state, e, indices)
}

// SyncCommitteeDuties implements BeaconNode.
func (n *LocalBeaconNode) SyncCommitteeDuties(ctx context.Context, e primitives.Epoch, indices []primitives.ValidatorIndex) ([]SyncCommitteeDuty, error) {
	state, err := n.stateForEpoch(ctx, e, params.EpochsPerSyncCommitteePeriod)
	if err != nil {
		return nil, err
	}
	duties, err := GetSyncCommitteeDuties(state, e, indices)
	if errors.Is(err, ErrDutiesUnknown) {
		// The period after the state's next: only a state in the period before knows it.
		if _, state, err = n.stateAt(ctx, helpers.ComputeStartSlotAtEpoch(e)); err != nil {
			return nil, err
		}
		return GetSyncCommitteeDuties(state, e, indices)
	}
	return duties, err
}

// ProduceBlock implements BeaconNode.
func (n *LocalBeaconNode) ProduceBlock(ctx context.Context, req BlockRequest) (*types.BeaconBlock, error) {
	_, head, err := n.chain.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	if checkpoints, ok := n.chain.(ExecutionCheckpoints); ok {
		if req.SafeBlockHash, req.FinalizedBlockHash, err = checkpoints.SafeAndFinalizedExecutionHashes(ctx); err != nil {
			return nil, fmt.Errorf("produce block: %w", err)
		}
	}
	n.pool.Prune(req.Slot)
	produced, err := ProduceBlock(ctx, n.env, head, req, n.pool, n.builder, n.engine)
	if err != nil {
		return nil, err
	}
	return produced.Block, nil
}

// PublishBlock implements BeaconNode.
func (n *LocalBeaconNode) PublishBlock(ctx context.Context, signed *types.SignedBeaconBlock) error {
	if err := n.chain.ImportBlock(ctx, signed); err != nil {
		return fmt.Errorf("import block: %w", err)
	}
	if n.broadcaster != nil {
		return n.broadcaster.BroadcastBlock(ctx, signed)
	}
	return nil
}

// AttestationData implements BeaconNode. Asked once a slot, it is also when the pool drops what no block can
// include any more.
func (n *LocalBeaconNode) AttestationData(ctx context.Context, slot primitives.Slot) (*types.AttestationData, error) {
	n.pool.Prune(slot)
	root, state, err := n.stateAt(ctx, slot)
	if err != nil {
		return nil, err
	}
	if state.Slot != slot {
		return nil, fmt.Errorf("attestation data: %w: the head is at slot %d, after slot %d", ErrDutiesUnknown, state.Slot, slot)
	}
	return GetAttestationData(state, root, slot)
}

// PublishAttestations implements BeaconNode: each attestation joins the pool at its attester's position in its
// committee.
func (n *LocalBeaconNode) PublishAttestations(ctx context.Context, attestations []*types.SingleAttestation) error {
	var errs []error
	for _, a := range attestations {
		_, state, err := n.stateAt(ctx, a.Data.Slot)
		if err != nil {
			return err
		}
		committee, err := helpers.GetBeaconCommittee(n.env, state, a.Data.Slot, a.CommitteeIndex)
		if err != nil {
			errs = append(errs, fmt.Errorf("attestation of validator %d: %w", a.AttesterIndex, err))
			continue
		}
		position := slices.Index(committee, a.AttesterIndex)
		if position < 0 {
			errs = append(errs, fmt.Errorf("attestation of validator %d: %w: not in committee %d of slot %d",
				a.AttesterIndex, ErrInvalidOperation, a.CommitteeIndex, a.Data.Slot))
			continue
		}
		if err := n.pool.AddSingleAttestation(a, uint64(len(committee)), uint64(position)); err != nil {
			errs = append(errs, err)
			continue
		}
		if n.broadcaster != nil {
			count := helpers.GetCommitteeCountPerSlot(n.env, state, a.Data.Target.Epoch)
			subnet := ComputeSubnetForAttestation(count, a.Data.Slot, a.CommitteeIndex)
			if err := n.broadcaster.BroadcastAttestation(ctx, a, subnet); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// AggregateAttestation implements BeaconNode.
func (n *LocalBeaconNode) AggregateAttestation(_ context.Context, dataRoot primitives.Root, committee primitives.CommitteeIndex) (*types.Attestation, error) {
	return n.pool.AggregateAttestation(dataRoot, committee), nil
}

// PublishAggregateAndProofs implements BeaconNode.
func (n *LocalBeaconNode) PublishAggregateAndProofs(ctx context.Context, aggregates []*types.SignedAggregateAndProof) error {
	var errs []error
	for _, a := range aggregates {
		if err := n.pool.AddAttestation(a.Message.Aggregate); err != nil {
			errs = append(errs, err)
		}
		if n.broadcaster != nil {
			if err := n.broadcaster.BroadcastAggregateAndProof(ctx, a); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// HeadBlockRoot implements BeaconNode.
func (n *LocalBeaconNode) HeadBlockRoot(ctx context.Context) (primitives.Root, error) {
	root, _, err := n.chain.Head(ctx)
	return root, err
}

// PublishSyncCommitteeMessages implements BeaconNode: each message joins the pool's contributions at its
// validator's positions in the committee of the next slot.
func (n *LocalBeaconNode) PublishSyncCommitteeMessages(ctx context.Context, messages []*types.SyncCommitteeMessage) error {
	var errs []error
	for _, m := range messages {
		_, state, err := n.stateAt(ctx, m.Slot)
		if err != nil {
			return err
		}
		duties, err := GetSyncCommitteeDuties(state, helpers.ComputeEpochAtSlot(m.Slot+1), []primitives.ValidatorIndex{m.ValidatorIndex})
		if err != nil || len(duties) == 0 {
			errs = append(errs, fmt.Errorf("sync committee message of validator %d: %w: not in the sync committee (%w)",
				m.ValidatorIndex, ErrInvalidOperation, err))
			continue
		}
		if err := n.pool.AddSyncCommitteeMessage(m, duties[0].Positions); err != nil {
			errs = append(errs, err)
			continue
		}
		if n.broadcaster != nil {
			for _, subnet := range duties[0].Subcommittees() {
				if err := n.broadcaster.BroadcastSyncCommitteeMessage(ctx, m, subnet); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// SyncCommitteeContribution implements BeaconNode.
func (n *LocalBeaconNode) SyncCommitteeContribution(_ context.Context, slot primitives.Slot, subcommittee uint64, blockRoot primitives.Root) (*types.SyncCommitteeContribution, error) {
	return n.pool.SyncCommitteeContribution(slot, blockRoot, subcommittee)
}

// PublishContributionAndProofs implements BeaconNode.
func (n *LocalBeaconNode) PublishContributionAndProofs(ctx context.Context, contributions []*types.SignedContributionAndProof) error {
	var errs []error
	for _, c := range contributions {
		if err := n.pool.AddSyncCommitteeContribution(c.Message.Contribution); err != nil {
			errs = append(errs, err)
		}
		if n.broadcaster != nil {
			if err := n.broadcaster.BroadcastContributionAndProof(ctx, c); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
