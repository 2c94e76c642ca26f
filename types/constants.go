package types

import "github.com/salamander-client/salamander/params"

// Spec constants that shape SSZ types but are not preset values (params holds those).
const (
	// DepositContractTreeDepth is DEPOSIT_CONTRACT_TREE_DEPTH (phase0).
	DepositContractTreeDepth = 32
	// JustificationBitsLength is JUSTIFICATION_BITS_LENGTH (phase0).
	JustificationBitsLength = 4
	// SyncCommitteeSubnetCount is SYNC_COMMITTEE_SUBNET_COUNT (altair validator guide).
	SyncCommitteeSubnetCount = 4
	// BytesPerFieldElement is BYTES_PER_FIELD_ELEMENT (deneb polynomial commitments).
	BytesPerFieldElement = 32
	// BytesPerBlob is BYTES_PER_BLOB.
	BytesPerBlob = BytesPerFieldElement * params.FieldElementsPerBlob
	// BytesPerCell is BYTES_PER_CELL (fulu polynomial commitments sampling).
	BytesPerCell = BytesPerFieldElement * params.FieldElementsPerCell
	// BytesPerLogsBloom is BYTES_PER_LOGS_BLOOM as a typed length for the logs bloom array.
	BytesPerLogsBloom = params.BytesPerLogsBloom

	// FinalityBranchDepth is floorlog2(FINALIZED_ROOT_GINDEX_ELECTRA = 169).
	FinalityBranchDepth = 7
	// CurrentSyncCommitteeBranchDepth is floorlog2(CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA = 86).
	CurrentSyncCommitteeBranchDepth = 6
	// NextSyncCommitteeBranchDepth is floorlog2(NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA = 87).
	NextSyncCommitteeBranchDepth = 6
	// ExecutionBranchDepth is floorlog2(EXECUTION_PAYLOAD_GINDEX = 25).
	ExecutionBranchDepth = 4
)

// Network configuration values that size p2p SSZ types. They are config values in the spec, but every published
// network config (mainnet, minimal, the testnets) sets them alike, and an SSZ type needs them at compile time.
const (
	// AttestationSubnetCount is ATTESTATION_SUBNET_COUNT.
	AttestationSubnetCount = 64
	// MaxRequestBlocksDeneb is MAX_REQUEST_BLOCKS_DENEB.
	MaxRequestBlocksDeneb = 128
	// MaxRequestBlobSidecarsElectra is MAX_REQUEST_BLOB_SIDECARS_ELECTRA.
	MaxRequestBlobSidecarsElectra = 1152
	// MaxRequestDataColumnSidecars is MAX_REQUEST_DATA_COLUMN_SIDECARS.
	MaxRequestDataColumnSidecars = 16384
)
