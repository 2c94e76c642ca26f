package types

import "github.com/salamander-client/salamander/merkle"

// Every container's DefineTree (tree_methods.go) is generated from its DefineSSZ, so that merkle proofs reach any
// field of any container without a second, hand-kept schema. Rerun after changing a DefineSSZ; the types tests fail
// while the file is stale.
//go:generate go run ../merkle/treegen -out tree_methods.go

// Generalized indices the light client and data availability protocols prove (the spec's predefined values,
// recomputed from the types with merkle.GetGeneralizedIndex in tree_test.go).
const (
	// FinalizedRootGindexElectra is FINALIZED_ROOT_GINDEX_ELECTRA: get_generalized_index(BeaconState,
	// 'finalized_checkpoint', 'root').
	FinalizedRootGindexElectra merkle.GeneralizedIndex = 169
	// CurrentSyncCommitteeGindexElectra is CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA: get_generalized_index(BeaconState,
	// 'current_sync_committee').
	CurrentSyncCommitteeGindexElectra merkle.GeneralizedIndex = 86
	// NextSyncCommitteeGindexElectra is NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA: get_generalized_index(BeaconState,
	// 'next_sync_committee').
	NextSyncCommitteeGindexElectra merkle.GeneralizedIndex = 87
	// ExecutionPayloadGindex is EXECUTION_PAYLOAD_GINDEX: get_generalized_index(BeaconBlockBody, 'execution_payload').
	ExecutionPayloadGindex merkle.GeneralizedIndex = 25
	// BlobKZGCommitmentsGindex is get_generalized_index(BeaconBlockBody, 'blob_kzg_commitments'), whose branch is a
	// DataColumnSidecar's kzg_commitments_inclusion_proof.
	BlobKZGCommitmentsGindex merkle.GeneralizedIndex = 27
)
