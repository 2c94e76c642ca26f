package validator

import (
	"context"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// BeaconNode is what the validator client asks of the beacon node, shaped like the Beacon API's validator
// endpoints, so that the same client runs in-process (LocalBeaconNode) or, later, against any beacon node over
// HTTP. Duties are read from the node's head; published objects go to the node's pool and to the network.
type BeaconNode interface {
	// ValidatorIndices returns the registry indices of the validators with the given public keys that the head
	// state holds; unknown keys (not deposited yet) are absent from the map.
	ValidatorIndices(ctx context.Context, pubkeys []primitives.BLSPubkey) (map[primitives.BLSPubkey]primitives.ValidatorIndex, error)
	// ProposerDuties returns the proposers of epoch (GET /eth/v1/validator/duties/proposer/{epoch}).
	ProposerDuties(ctx context.Context, epoch primitives.Epoch) ([]ProposerDuty, error)
	// AttesterDuties returns the committee assignments in epoch of the given validators
	// (POST /eth/v1/validator/duties/attester/{epoch}).
	AttesterDuties(ctx context.Context, epoch primitives.Epoch, indices []primitives.ValidatorIndex) ([]AttesterDuty, error)
	// SyncCommitteeDuties returns the sync committee positions of the given validators in the committee of
	// epoch's period (POST /eth/v1/validator/duties/sync/{epoch}).
	SyncCommitteeDuties(ctx context.Context, epoch primitives.Epoch, indices []primitives.ValidatorIndex) ([]SyncCommitteeDuty, error)
	// ProduceBlock returns an unsigned block for req, its state root set (GET /eth/v3/validator/blocks/{slot}).
	ProduceBlock(ctx context.Context, req BlockRequest) (*types.BeaconBlock, error)
	// PublishBlock imports and broadcasts a signed block (POST /eth/v2/beacon/blocks).
	PublishBlock(ctx context.Context, block *types.SignedBeaconBlock) error
	// AttestationData returns the attestation data of slot (GET /eth/v1/validator/attestation_data).
	AttestationData(ctx context.Context, slot primitives.Slot) (*types.AttestationData, error)
	// PublishAttestations broadcasts attestations and adds them to the pool (POST /eth/v2/beacon/pool/attestations).
	PublishAttestations(ctx context.Context, attestations []*types.SingleAttestation) error
	// AggregateAttestation returns the best aggregate of the attestation data with root dataRoot for committee,
	// or nil when there is none (GET /eth/v2/validator/aggregate_attestation).
	AggregateAttestation(ctx context.Context, dataRoot primitives.Root, committee primitives.CommitteeIndex) (*types.Attestation, error)
	// PublishAggregateAndProofs broadcasts aggregates (POST /eth/v2/validator/aggregate_and_proofs).
	PublishAggregateAndProofs(ctx context.Context, aggregates []*types.SignedAggregateAndProof) error
	// HeadBlockRoot returns the root of the head block, which sync committee members sign.
	HeadBlockRoot(ctx context.Context) (primitives.Root, error)
	// PublishSyncCommitteeMessages broadcasts sync committee messages and adds them to the pool
	// (POST /eth/v1/beacon/pool/sync_committees).
	PublishSyncCommitteeMessages(ctx context.Context, messages []*types.SyncCommitteeMessage) error
	// SyncCommitteeContribution returns the best contribution of slot, subcommittee and blockRoot, or nil
	// (GET /eth/v1/validator/sync_committee_contribution).
	SyncCommitteeContribution(ctx context.Context, slot primitives.Slot, subcommittee uint64, blockRoot primitives.Root) (*types.SyncCommitteeContribution, error)
	// PublishContributionAndProofs broadcasts contributions (POST /eth/v1/validator/contribution_and_proofs).
	PublishContributionAndProofs(ctx context.Context, contributions []*types.SignedContributionAndProof) error
}
