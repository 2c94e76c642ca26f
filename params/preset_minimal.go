//go:build minimal

// Preset values of consensus-specs v1.6.1 (presets/minimal).
// The preset is chosen at build time because it shapes SSZ types (vector lengths, list limits);
// params_test.go checks every value against the embedded YAML.

package params

// PresetName is the preset this binary was built with (build tag "minimal" selects the minimal preset).
const PresetName = "minimal"

// phase0 preset values.
const (
	MaxCommitteesPerSlot           = 4
	TargetCommitteeSize            = 4
	MaxValidatorsPerCommittee      = 2048
	ShuffleRoundCount              = 10
	HysteresisQuotient             = 4
	HysteresisDownwardMultiplier   = 1
	HysteresisUpwardMultiplier     = 5
	MinDepositAmount               = 1000000000
	MaxEffectiveBalance            = 32000000000
	EffectiveBalanceIncrement      = 1000000000
	MinAttestationInclusionDelay   = 1
	SlotsPerEpoch                  = 8
	MinSeedLookahead               = 1
	MaxSeedLookahead               = 4
	EpochsPerEth1VotingPeriod      = 4
	SlotsPerHistoricalRoot         = 64
	MinEpochsToInactivityPenalty   = 4
	EpochsPerHistoricalVector      = 64
	EpochsPerSlashingsVector       = 64
	HistoricalRootsLimit           = 16777216
	ValidatorRegistryLimit         = 1099511627776
	BaseRewardFactor               = 64
	WhistleblowerRewardQuotient    = 512
	ProposerRewardQuotient         = 8
	InactivityPenaltyQuotient      = 33554432
	MinSlashingPenaltyQuotient     = 64
	ProportionalSlashingMultiplier = 2
	MaxProposerSlashings           = 16
	MaxAttesterSlashings           = 2
	MaxAttestations                = 128
	MaxDeposits                    = 16
	MaxVoluntaryExits              = 16
)

// altair preset values.
const (
	InactivityPenaltyQuotientAltair      = 50331648
	MinSlashingPenaltyQuotientAltair     = 64
	ProportionalSlashingMultiplierAltair = 2
	SyncCommitteeSize                    = 32
	EpochsPerSyncCommitteePeriod         = 8
	MinSyncCommitteeParticipants         = 1
	UpdateTimeout                        = 64
)

// bellatrix preset values.
const (
	InactivityPenaltyQuotientBellatrix      = 16777216
	MinSlashingPenaltyQuotientBellatrix     = 32
	ProportionalSlashingMultiplierBellatrix = 3
	MaxBytesPerTransaction                  = 1073741824
	MaxTransactionsPerPayload               = 1048576
	BytesPerLogsBloom                       = 256
	MaxExtraDataBytes                       = 32
)

// capella preset values.
const (
	MaxBLSToExecutionChanges         = 16
	MaxWithdrawalsPerPayload         = 4
	MaxValidatorsPerWithdrawalsSweep = 16
)

// deneb preset values.
const (
	MaxBlobCommitmentsPerBlock       = 4096
	KZGCommitmentInclusionProofDepth = 17
	FieldElementsPerBlob             = 4096
)

// electra preset values.
const (
	MinActivationBalance                  = 32000000000
	MaxEffectiveBalanceElectra            = 2048000000000
	MinSlashingPenaltyQuotientElectra     = 4096
	WhistleblowerRewardQuotientElectra    = 4096
	PendingDepositsLimit                  = 134217728
	PendingPartialWithdrawalsLimit        = 64
	PendingConsolidationsLimit            = 64
	MaxAttesterSlashingsElectra           = 1
	MaxAttestationsElectra                = 8
	MaxDepositRequestsPerPayload          = 8192
	MaxWithdrawalRequestsPerPayload       = 16
	MaxConsolidationRequestsPerPayload    = 2
	MaxPendingPartialsPerWithdrawalsSweep = 2
	MaxPendingDepositsPerEpoch            = 16
)

// fulu preset values.
const (
	KZGCommitmentsInclusionProofDepth = 4
	FieldElementsPerCell              = 64
	FieldElementsPerExtBlob           = 8192
	CellsPerExtBlob                   = 128
	NumberOfColumns                   = 128
)
