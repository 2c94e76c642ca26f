package params

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"gopkg.in/yaml.v3"
)

// compiledPreset maps every preset key to the compiled constant of this build (mainnet, or minimal with -tags
// minimal).
var compiledPreset = map[string]uint64{
	"MAX_COMMITTEES_PER_SLOT":                    MaxCommitteesPerSlot,
	"TARGET_COMMITTEE_SIZE":                      TargetCommitteeSize,
	"MAX_VALIDATORS_PER_COMMITTEE":               MaxValidatorsPerCommittee,
	"SHUFFLE_ROUND_COUNT":                        ShuffleRoundCount,
	"HYSTERESIS_QUOTIENT":                        HysteresisQuotient,
	"HYSTERESIS_DOWNWARD_MULTIPLIER":             HysteresisDownwardMultiplier,
	"HYSTERESIS_UPWARD_MULTIPLIER":               HysteresisUpwardMultiplier,
	"MIN_DEPOSIT_AMOUNT":                         MinDepositAmount,
	"MAX_EFFECTIVE_BALANCE":                      MaxEffectiveBalance,
	"EFFECTIVE_BALANCE_INCREMENT":                EffectiveBalanceIncrement,
	"MIN_ATTESTATION_INCLUSION_DELAY":            MinAttestationInclusionDelay,
	"SLOTS_PER_EPOCH":                            SlotsPerEpoch,
	"MIN_SEED_LOOKAHEAD":                         MinSeedLookahead,
	"MAX_SEED_LOOKAHEAD":                         MaxSeedLookahead,
	"EPOCHS_PER_ETH1_VOTING_PERIOD":              EpochsPerEth1VotingPeriod,
	"SLOTS_PER_HISTORICAL_ROOT":                  SlotsPerHistoricalRoot,
	"MIN_EPOCHS_TO_INACTIVITY_PENALTY":           MinEpochsToInactivityPenalty,
	"EPOCHS_PER_HISTORICAL_VECTOR":               EpochsPerHistoricalVector,
	"EPOCHS_PER_SLASHINGS_VECTOR":                EpochsPerSlashingsVector,
	"HISTORICAL_ROOTS_LIMIT":                     HistoricalRootsLimit,
	"VALIDATOR_REGISTRY_LIMIT":                   ValidatorRegistryLimit,
	"BASE_REWARD_FACTOR":                         BaseRewardFactor,
	"WHISTLEBLOWER_REWARD_QUOTIENT":              WhistleblowerRewardQuotient,
	"PROPOSER_REWARD_QUOTIENT":                   ProposerRewardQuotient,
	"INACTIVITY_PENALTY_QUOTIENT":                InactivityPenaltyQuotient,
	"MIN_SLASHING_PENALTY_QUOTIENT":              MinSlashingPenaltyQuotient,
	"PROPORTIONAL_SLASHING_MULTIPLIER":           ProportionalSlashingMultiplier,
	"MAX_PROPOSER_SLASHINGS":                     MaxProposerSlashings,
	"MAX_ATTESTER_SLASHINGS":                     MaxAttesterSlashings,
	"MAX_ATTESTATIONS":                           MaxAttestations,
	"MAX_DEPOSITS":                               MaxDeposits,
	"MAX_VOLUNTARY_EXITS":                        MaxVoluntaryExits,
	"INACTIVITY_PENALTY_QUOTIENT_ALTAIR":         InactivityPenaltyQuotientAltair,
	"MIN_SLASHING_PENALTY_QUOTIENT_ALTAIR":       MinSlashingPenaltyQuotientAltair,
	"PROPORTIONAL_SLASHING_MULTIPLIER_ALTAIR":    ProportionalSlashingMultiplierAltair,
	"SYNC_COMMITTEE_SIZE":                        SyncCommitteeSize,
	"EPOCHS_PER_SYNC_COMMITTEE_PERIOD":           EpochsPerSyncCommitteePeriod,
	"MIN_SYNC_COMMITTEE_PARTICIPANTS":            MinSyncCommitteeParticipants,
	"UPDATE_TIMEOUT":                             UpdateTimeout,
	"INACTIVITY_PENALTY_QUOTIENT_BELLATRIX":      InactivityPenaltyQuotientBellatrix,
	"MIN_SLASHING_PENALTY_QUOTIENT_BELLATRIX":    MinSlashingPenaltyQuotientBellatrix,
	"PROPORTIONAL_SLASHING_MULTIPLIER_BELLATRIX": ProportionalSlashingMultiplierBellatrix,
	"MAX_BYTES_PER_TRANSACTION":                  MaxBytesPerTransaction,
	"MAX_TRANSACTIONS_PER_PAYLOAD":               MaxTransactionsPerPayload,
	"BYTES_PER_LOGS_BLOOM":                       BytesPerLogsBloom,
	"MAX_EXTRA_DATA_BYTES":                       MaxExtraDataBytes,
	"MAX_BLS_TO_EXECUTION_CHANGES":               MaxBLSToExecutionChanges,
	"MAX_WITHDRAWALS_PER_PAYLOAD":                MaxWithdrawalsPerPayload,
	"MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP":       MaxValidatorsPerWithdrawalsSweep,
	"MAX_BLOB_COMMITMENTS_PER_BLOCK":             MaxBlobCommitmentsPerBlock,
	"KZG_COMMITMENT_INCLUSION_PROOF_DEPTH":       KZGCommitmentInclusionProofDepth,
	"FIELD_ELEMENTS_PER_BLOB":                    FieldElementsPerBlob,
	"MIN_ACTIVATION_BALANCE":                     MinActivationBalance,
	"MAX_EFFECTIVE_BALANCE_ELECTRA":              MaxEffectiveBalanceElectra,
	"MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA":      MinSlashingPenaltyQuotientElectra,
	"WHISTLEBLOWER_REWARD_QUOTIENT_ELECTRA":      WhistleblowerRewardQuotientElectra,
	"PENDING_DEPOSITS_LIMIT":                     PendingDepositsLimit,
	"PENDING_PARTIAL_WITHDRAWALS_LIMIT":          PendingPartialWithdrawalsLimit,
	"PENDING_CONSOLIDATIONS_LIMIT":               PendingConsolidationsLimit,
	"MAX_ATTESTER_SLASHINGS_ELECTRA":             MaxAttesterSlashingsElectra,
	"MAX_ATTESTATIONS_ELECTRA":                   MaxAttestationsElectra,
	"MAX_DEPOSIT_REQUESTS_PER_PAYLOAD":           MaxDepositRequestsPerPayload,
	"MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD":        MaxWithdrawalRequestsPerPayload,
	"MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD":     MaxConsolidationRequestsPerPayload,
	"MAX_PENDING_PARTIALS_PER_WITHDRAWALS_SWEEP": MaxPendingPartialsPerWithdrawalsSweep,
	"MAX_PENDING_DEPOSITS_PER_EPOCH":             MaxPendingDepositsPerEpoch,
	"KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH":      KZGCommitmentsInclusionProofDepth,
	"FIELD_ELEMENTS_PER_CELL":                    FieldElementsPerCell,
	"FIELD_ELEMENTS_PER_EXT_BLOB":                FieldElementsPerExtBlob,
	"CELLS_PER_EXT_BLOB":                         CellsPerExtBlob,
	"NUMBER_OF_COLUMNS":                          NumberOfColumns,
}

// TestCompiledPresetMatchesYAML checks every constant of preset_<PresetName>.go against the embedded spec YAML.
func TestCompiledPresetMatchesYAML(t *testing.T) {
	yamlValues := make(map[string]uint64)
	for _, fork := range presetForks {
		data, err := specFiles.ReadFile("presets/" + PresetName + "/" + fork + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		var values map[string]string
		if err := yaml.Unmarshal(data, &values); err != nil {
			t.Fatalf("%s: %v", fork, err)
		}
		for key, text := range values {
			v, err := strconv.ParseUint(text, 10, 64)
			if err != nil {
				t.Fatalf("%s: %s: %v", fork, key, err)
			}
			yamlValues[key] = v
		}
	}
	if len(yamlValues) != len(compiledPreset) {
		t.Errorf("the %s preset YAML has %d keys, the compiled table %d", PresetName, len(yamlValues), len(compiledPreset))
	}
	for key, want := range yamlValues {
		have, ok := compiledPreset[key]
		switch {
		case !ok:
			t.Errorf("%s: in the YAML, no compiled constant", key)
		case have != want:
			t.Errorf("%s: compiled %d, YAML %d", key, have, want)
		}
	}

	// Every constant declared in the preset file must be in the table above (so none escapes the check).
	file, err := parser.ParseFile(token.NewFileSet(), "preset_"+PresetName+".go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	declared := 0
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			for _, name := range spec.(*ast.ValueSpec).Names {
				if name.Name != "PresetName" {
					declared++
				}
			}
		}
	}
	if declared != len(compiledPreset) {
		t.Errorf("preset_%s.go declares %d preset constants, the checked table has %d", PresetName, declared, len(compiledPreset))
	}
}

// TestLoadPreset loads both embedded presets and checks the compiled one field by field.
func TestLoadPreset(t *testing.T) {
	for _, name := range []string{"mainnet", "minimal"} {
		p, err := LoadPreset(name)
		if err != nil {
			t.Fatalf("load %s: %v", name, err)
		}
		if p.Name != name {
			t.Errorf("name %q, want %q", p.Name, name)
		}
	}
	p, err := CompiledPreset()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.fields() {
		want, ok := compiledPreset[f.key]
		if !ok {
			t.Errorf("%s: a Preset field without a compiled constant", f.key)
			continue
		}
		if have := f.value.render().(string); have != strconv.FormatUint(want, 10) {
			t.Errorf("%s: Preset field %s, constant %d", f.key, have, want)
		}
	}
	if len(p.fields()) != len(compiledPreset) {
		t.Errorf("Preset has %d fields, want %d", len(p.fields()), len(compiledPreset))
	}
	if _, err := LoadPreset("gnosis"); err == nil {
		t.Error("loading an unknown preset succeeded")
	}
}
