package params

import (
	"embed"
	"fmt"
	"path"

	"github.com/salamander-client/salamander/primitives"
)

// specFiles holds the consensus-specs v1.6.1 presets and network configs, copied verbatim.
//
//go:embed presets/mainnet/*.yaml presets/minimal/*.yaml configs/*.yaml
var specFiles embed.FS

// presetForks lists the preset files in the order they are read.
var presetForks = [...]string{"phase0", "altair", "bellatrix", "capella", "deneb", "electra", "fulu"}

// Preset holds the values of a spec preset. The compiled preset is also available as untyped constants
// (params.SlotsPerEpoch...) for array lengths and SSZ limits; both come from the same YAML, which a test checks.
type Preset struct {
	Name string // PRESET_BASE: "mainnet" or "minimal"

	// phase0
	MaxCommitteesPerSlot           uint64
	TargetCommitteeSize            uint64
	MaxValidatorsPerCommittee      uint64
	ShuffleRoundCount              uint64
	HysteresisQuotient             uint64
	HysteresisDownwardMultiplier   uint64
	HysteresisUpwardMultiplier     uint64
	MinDepositAmount               primitives.Gwei
	MaxEffectiveBalance            primitives.Gwei
	EffectiveBalanceIncrement      primitives.Gwei
	MinAttestationInclusionDelay   primitives.Slot
	SlotsPerEpoch                  uint64
	MinSeedLookahead               primitives.Epoch
	MaxSeedLookahead               primitives.Epoch
	EpochsPerEth1VotingPeriod      primitives.Epoch
	SlotsPerHistoricalRoot         uint64
	MinEpochsToInactivityPenalty   primitives.Epoch
	EpochsPerHistoricalVector      uint64
	EpochsPerSlashingsVector       uint64
	HistoricalRootsLimit           uint64
	ValidatorRegistryLimit         uint64
	BaseRewardFactor               uint64
	WhistleblowerRewardQuotient    uint64
	ProposerRewardQuotient         uint64
	InactivityPenaltyQuotient      uint64
	MinSlashingPenaltyQuotient     uint64
	ProportionalSlashingMultiplier uint64
	MaxProposerSlashings           uint64
	MaxAttesterSlashings           uint64
	MaxAttestations                uint64
	MaxDeposits                    uint64
	MaxVoluntaryExits              uint64

	// altair
	InactivityPenaltyQuotientAltair      uint64
	MinSlashingPenaltyQuotientAltair     uint64
	ProportionalSlashingMultiplierAltair uint64
	SyncCommitteeSize                    uint64
	EpochsPerSyncCommitteePeriod         primitives.Epoch
	MinSyncCommitteeParticipants         uint64
	UpdateTimeout                        uint64

	// bellatrix
	InactivityPenaltyQuotientBellatrix      uint64
	MinSlashingPenaltyQuotientBellatrix     uint64
	ProportionalSlashingMultiplierBellatrix uint64
	MaxBytesPerTransaction                  uint64
	MaxTransactionsPerPayload               uint64
	BytesPerLogsBloom                       uint64
	MaxExtraDataBytes                       uint64

	// capella
	MaxBLSToExecutionChanges         uint64
	MaxWithdrawalsPerPayload         uint64
	MaxValidatorsPerWithdrawalsSweep uint64

	// deneb
	MaxBlobCommitmentsPerBlock       uint64
	KZGCommitmentInclusionProofDepth uint64
	FieldElementsPerBlob             uint64

	// electra
	MinActivationBalance                  primitives.Gwei
	MaxEffectiveBalanceElectra            primitives.Gwei
	MinSlashingPenaltyQuotientElectra     uint64
	WhistleblowerRewardQuotientElectra    uint64
	PendingDepositsLimit                  uint64
	PendingPartialWithdrawalsLimit        uint64
	PendingConsolidationsLimit            uint64
	MaxAttesterSlashingsElectra           uint64
	MaxAttestationsElectra                uint64
	MaxDepositRequestsPerPayload          uint64
	MaxWithdrawalRequestsPerPayload       uint64
	MaxConsolidationRequestsPerPayload    uint64
	MaxPendingPartialsPerWithdrawalsSweep uint64
	MaxPendingDepositsPerEpoch            uint64

	// fulu
	KZGCommitmentsInclusionProofDepth uint64
	FieldElementsPerCell              uint64
	FieldElementsPerExtBlob           uint64
	CellsPerExtBlob                   uint64
	NumberOfColumns                   uint64
}

func (p *Preset) fields() []field {
	return []field{
		{"MAX_COMMITTEES_PER_SLOT", uintValue[uint64]{&p.MaxCommitteesPerSlot}},
		{"TARGET_COMMITTEE_SIZE", uintValue[uint64]{&p.TargetCommitteeSize}},
		{"MAX_VALIDATORS_PER_COMMITTEE", uintValue[uint64]{&p.MaxValidatorsPerCommittee}},
		{"SHUFFLE_ROUND_COUNT", uintValue[uint64]{&p.ShuffleRoundCount}},
		{"HYSTERESIS_QUOTIENT", uintValue[uint64]{&p.HysteresisQuotient}},
		{"HYSTERESIS_DOWNWARD_MULTIPLIER", uintValue[uint64]{&p.HysteresisDownwardMultiplier}},
		{"HYSTERESIS_UPWARD_MULTIPLIER", uintValue[uint64]{&p.HysteresisUpwardMultiplier}},
		{"MIN_DEPOSIT_AMOUNT", uintValue[primitives.Gwei]{&p.MinDepositAmount}},
		{"MAX_EFFECTIVE_BALANCE", uintValue[primitives.Gwei]{&p.MaxEffectiveBalance}},
		{"EFFECTIVE_BALANCE_INCREMENT", uintValue[primitives.Gwei]{&p.EffectiveBalanceIncrement}},
		{"MIN_ATTESTATION_INCLUSION_DELAY", uintValue[primitives.Slot]{&p.MinAttestationInclusionDelay}},
		{"SLOTS_PER_EPOCH", uintValue[uint64]{&p.SlotsPerEpoch}},
		{"MIN_SEED_LOOKAHEAD", uintValue[primitives.Epoch]{&p.MinSeedLookahead}},
		{"MAX_SEED_LOOKAHEAD", uintValue[primitives.Epoch]{&p.MaxSeedLookahead}},
		{"EPOCHS_PER_ETH1_VOTING_PERIOD", uintValue[primitives.Epoch]{&p.EpochsPerEth1VotingPeriod}},
		{"SLOTS_PER_HISTORICAL_ROOT", uintValue[uint64]{&p.SlotsPerHistoricalRoot}},
		{"MIN_EPOCHS_TO_INACTIVITY_PENALTY", uintValue[primitives.Epoch]{&p.MinEpochsToInactivityPenalty}},
		{"EPOCHS_PER_HISTORICAL_VECTOR", uintValue[uint64]{&p.EpochsPerHistoricalVector}},
		{"EPOCHS_PER_SLASHINGS_VECTOR", uintValue[uint64]{&p.EpochsPerSlashingsVector}},
		{"HISTORICAL_ROOTS_LIMIT", uintValue[uint64]{&p.HistoricalRootsLimit}},
		{"VALIDATOR_REGISTRY_LIMIT", uintValue[uint64]{&p.ValidatorRegistryLimit}},
		{"BASE_REWARD_FACTOR", uintValue[uint64]{&p.BaseRewardFactor}},
		{"WHISTLEBLOWER_REWARD_QUOTIENT", uintValue[uint64]{&p.WhistleblowerRewardQuotient}},
		{"PROPOSER_REWARD_QUOTIENT", uintValue[uint64]{&p.ProposerRewardQuotient}},
		{"INACTIVITY_PENALTY_QUOTIENT", uintValue[uint64]{&p.InactivityPenaltyQuotient}},
		{"MIN_SLASHING_PENALTY_QUOTIENT", uintValue[uint64]{&p.MinSlashingPenaltyQuotient}},
		{"PROPORTIONAL_SLASHING_MULTIPLIER", uintValue[uint64]{&p.ProportionalSlashingMultiplier}},
		{"MAX_PROPOSER_SLASHINGS", uintValue[uint64]{&p.MaxProposerSlashings}},
		{"MAX_ATTESTER_SLASHINGS", uintValue[uint64]{&p.MaxAttesterSlashings}},
		{"MAX_ATTESTATIONS", uintValue[uint64]{&p.MaxAttestations}},
		{"MAX_DEPOSITS", uintValue[uint64]{&p.MaxDeposits}},
		{"MAX_VOLUNTARY_EXITS", uintValue[uint64]{&p.MaxVoluntaryExits}},
		{"INACTIVITY_PENALTY_QUOTIENT_ALTAIR", uintValue[uint64]{&p.InactivityPenaltyQuotientAltair}},
		{"MIN_SLASHING_PENALTY_QUOTIENT_ALTAIR", uintValue[uint64]{&p.MinSlashingPenaltyQuotientAltair}},
		{"PROPORTIONAL_SLASHING_MULTIPLIER_ALTAIR", uintValue[uint64]{&p.ProportionalSlashingMultiplierAltair}},
		{"SYNC_COMMITTEE_SIZE", uintValue[uint64]{&p.SyncCommitteeSize}},
		{"EPOCHS_PER_SYNC_COMMITTEE_PERIOD", uintValue[primitives.Epoch]{&p.EpochsPerSyncCommitteePeriod}},
		{"MIN_SYNC_COMMITTEE_PARTICIPANTS", uintValue[uint64]{&p.MinSyncCommitteeParticipants}},
		{"UPDATE_TIMEOUT", uintValue[uint64]{&p.UpdateTimeout}},
		{"INACTIVITY_PENALTY_QUOTIENT_BELLATRIX", uintValue[uint64]{&p.InactivityPenaltyQuotientBellatrix}},
		{"MIN_SLASHING_PENALTY_QUOTIENT_BELLATRIX", uintValue[uint64]{&p.MinSlashingPenaltyQuotientBellatrix}},
		{"PROPORTIONAL_SLASHING_MULTIPLIER_BELLATRIX", uintValue[uint64]{&p.ProportionalSlashingMultiplierBellatrix}},
		{"MAX_BYTES_PER_TRANSACTION", uintValue[uint64]{&p.MaxBytesPerTransaction}},
		{"MAX_TRANSACTIONS_PER_PAYLOAD", uintValue[uint64]{&p.MaxTransactionsPerPayload}},
		{"BYTES_PER_LOGS_BLOOM", uintValue[uint64]{&p.BytesPerLogsBloom}},
		{"MAX_EXTRA_DATA_BYTES", uintValue[uint64]{&p.MaxExtraDataBytes}},
		{"MAX_BLS_TO_EXECUTION_CHANGES", uintValue[uint64]{&p.MaxBLSToExecutionChanges}},
		{"MAX_WITHDRAWALS_PER_PAYLOAD", uintValue[uint64]{&p.MaxWithdrawalsPerPayload}},
		{"MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP", uintValue[uint64]{&p.MaxValidatorsPerWithdrawalsSweep}},
		{"MAX_BLOB_COMMITMENTS_PER_BLOCK", uintValue[uint64]{&p.MaxBlobCommitmentsPerBlock}},
		{"KZG_COMMITMENT_INCLUSION_PROOF_DEPTH", uintValue[uint64]{&p.KZGCommitmentInclusionProofDepth}},
		{"FIELD_ELEMENTS_PER_BLOB", uintValue[uint64]{&p.FieldElementsPerBlob}},
		{"MIN_ACTIVATION_BALANCE", uintValue[primitives.Gwei]{&p.MinActivationBalance}},
		{"MAX_EFFECTIVE_BALANCE_ELECTRA", uintValue[primitives.Gwei]{&p.MaxEffectiveBalanceElectra}},
		{"MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA", uintValue[uint64]{&p.MinSlashingPenaltyQuotientElectra}},
		{"WHISTLEBLOWER_REWARD_QUOTIENT_ELECTRA", uintValue[uint64]{&p.WhistleblowerRewardQuotientElectra}},
		{"PENDING_DEPOSITS_LIMIT", uintValue[uint64]{&p.PendingDepositsLimit}},
		{"PENDING_PARTIAL_WITHDRAWALS_LIMIT", uintValue[uint64]{&p.PendingPartialWithdrawalsLimit}},
		{"PENDING_CONSOLIDATIONS_LIMIT", uintValue[uint64]{&p.PendingConsolidationsLimit}},
		{"MAX_ATTESTER_SLASHINGS_ELECTRA", uintValue[uint64]{&p.MaxAttesterSlashingsElectra}},
		{"MAX_ATTESTATIONS_ELECTRA", uintValue[uint64]{&p.MaxAttestationsElectra}},
		{"MAX_DEPOSIT_REQUESTS_PER_PAYLOAD", uintValue[uint64]{&p.MaxDepositRequestsPerPayload}},
		{"MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD", uintValue[uint64]{&p.MaxWithdrawalRequestsPerPayload}},
		{"MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD", uintValue[uint64]{&p.MaxConsolidationRequestsPerPayload}},
		{"MAX_PENDING_PARTIALS_PER_WITHDRAWALS_SWEEP", uintValue[uint64]{&p.MaxPendingPartialsPerWithdrawalsSweep}},
		{"MAX_PENDING_DEPOSITS_PER_EPOCH", uintValue[uint64]{&p.MaxPendingDepositsPerEpoch}},
		{"KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH", uintValue[uint64]{&p.KZGCommitmentsInclusionProofDepth}},
		{"FIELD_ELEMENTS_PER_CELL", uintValue[uint64]{&p.FieldElementsPerCell}},
		{"FIELD_ELEMENTS_PER_EXT_BLOB", uintValue[uint64]{&p.FieldElementsPerExtBlob}},
		{"CELLS_PER_EXT_BLOB", uintValue[uint64]{&p.CellsPerExtBlob}},
		{"NUMBER_OF_COLUMNS", uintValue[uint64]{&p.NumberOfColumns}},
	}
}

// CompiledPreset returns the preset this binary was built with (PresetName), read from the embedded spec YAML.
func CompiledPreset() (Preset, error) {
	return LoadPreset(PresetName)
}

// LoadPreset reads an embedded preset ("mainnet" or "minimal") from the spec's YAML. Every key of the preset must
// be present and known: these files ship with the binary, so any difference is a bug.
func LoadPreset(name string) (Preset, error) {
	if name != "mainnet" && name != "minimal" {
		return Preset{}, fmt.Errorf("load preset %q: %w: want mainnet or minimal", name, ErrInvalidValue)
	}
	p := Preset{Name: name}
	byKey := fieldsByKey(p.fields())
	seen := make(map[string]bool, len(byKey))
	for _, fork := range presetForks {
		file := path.Join("presets", name, fork+".yaml")
		data, err := specFiles.ReadFile(file)
		if err != nil {
			return Preset{}, fmt.Errorf("load preset %s: %w", name, err)
		}
		pairs, err := yamlMapping(data)
		if err != nil {
			return Preset{}, fmt.Errorf("load preset %s: %s: %w", name, file, err)
		}
		for _, pair := range pairs {
			key := pair[0].Value
			value, ok := byKey[key]
			if !ok || seen[key] {
				return Preset{}, fmt.Errorf("load preset %s: %s: %w", name, file, keyError(key, ErrUnknownKey))
			}
			seen[key] = true
			if err := value.parse(pair[1]); err != nil {
				return Preset{}, fmt.Errorf("load preset %s: %s: %w", name, file, keyError(key, err))
			}
		}
	}
	for key := range byKey {
		if !seen[key] {
			return Preset{}, fmt.Errorf("load preset %s: %w", name, keyError(key, ErrMissingKey))
		}
	}
	return p, nil
}

func fieldsByKey(fields []field) map[string]fieldValue {
	byKey := make(map[string]fieldValue, len(fields))
	for _, f := range fields {
		byKey[f.key] = f.value
	}
	return byKey
}
