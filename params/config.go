package params

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/holiman/uint256"

	"github.com/salamander-client/salamander/primitives"
)

// ForkEntry is one row of the fork schedule: the fork's version and the epoch it activates at.
type ForkEntry struct {
	Version primitives.Version
	Epoch   primitives.Epoch
}

// BlobScheduleEntry is one BLOB_SCHEDULE row: from Epoch on, blocks carry at most MaxBlobsPerBlock blobs.
type BlobScheduleEntry struct {
	Epoch            primitives.Epoch
	MaxBlobsPerBlock uint64
}

// ChainConfig is a network's runtime configuration (a consensus-specs config.yaml): the values that differ between
// mainnet, testnets and devnets without changing SSZ types. Field names follow the spec keys; durations are
// time.Duration. Treat a ChainConfig as immutable once built: build it in main and pass it down.
type ChainConfig struct {
	PresetBase string // PRESET_BASE: the preset this config extends
	ConfigName string // CONFIG_NAME; empty when a parsed file does not name its network

	// Transition
	TerminalTotalDifficulty          uint256.Int
	TerminalBlockHash                primitives.Hash32
	TerminalBlockHashActivationEpoch primitives.Epoch

	// Genesis
	MinGenesisActiveValidatorCount uint64
	MinGenesisTime                 uint64 // unix seconds
	GenesisDelay                   time.Duration

	// Forks is the fork schedule, indexed by Fork. Forks[Phase0] is GENESIS_FORK_VERSION at epoch 0.
	Forks [LatestFork + 1]ForkEntry

	// Forks after Fulu that the spec already names. Salamander does not implement them; scheduling one is a warning.
	GloasForkVersion   primitives.Version
	GloasForkEpoch     primitives.Epoch
	EIP7441ForkVersion primitives.Version
	EIP7441ForkEpoch   primitives.Epoch
	EIP7805ForkVersion primitives.Version
	EIP7805ForkEpoch   primitives.Epoch
	EIP7928ForkVersion primitives.Version
	EIP7928ForkEpoch   primitives.Epoch

	// Time parameters
	SecondsPerSlot                   uint64        // SECONDS_PER_SLOT (deprecated in the spec; equals SlotDuration)
	SlotDuration                     time.Duration // SLOT_DURATION_MS
	SecondsPerEth1Block              time.Duration
	MinValidatorWithdrawabilityDelay primitives.Epoch
	ShardCommitteePeriod             primitives.Epoch
	Eth1FollowDistance               uint64
	ProposerReorgCutoffBPS           uint64
	AttestationDueBPS                uint64
	AggregateDueBPS                  uint64
	SyncMessageDueBPS                uint64
	ContributionDueBPS               uint64
	AttestationDueBPSGloas           uint64
	AggregateDueBPSGloas             uint64
	SyncMessageDueBPSGloas           uint64
	ContributionDueBPSGloas          uint64
	PayloadAttestationDueBPS         uint64
	ViewFreezeCutoffBPS              uint64
	InclusionListSubmissionDueBPS    uint64
	ProposerInclusionListCutoffBPS   uint64

	// Validator cycle
	InactivityScoreBias                 uint64
	InactivityScoreRecoveryRate         uint64
	EjectionBalance                     primitives.Gwei
	MinPerEpochChurnLimit               uint64
	ChurnLimitQuotient                  uint64
	MaxPerEpochActivationChurnLimit     uint64
	MinPerEpochChurnLimitElectra        primitives.Gwei
	MaxPerEpochActivationExitChurnLimit primitives.Gwei

	// Fork choice
	ProposerScoreBoost              uint64
	ReorgHeadWeightThreshold        uint64
	ReorgParentWeightThreshold      uint64
	ReorgMaxEpochsSinceFinalization primitives.Epoch

	// Deposit contract
	DepositChainID         uint64
	DepositNetworkID       uint64
	DepositContractAddress primitives.ExecutionAddress

	// Networking
	MaxPayloadSize                  uint64
	MaxRequestBlocks                uint64
	EpochsPerSubnetSubscription     primitives.Epoch
	MinEpochsForBlockRequests       primitives.Epoch
	AttestationPropagationSlotRange uint64
	MaximumGossipClockDisparity     time.Duration
	MessageDomainInvalidSnappy      primitives.DomainType
	MessageDomainValidSnappy        primitives.DomainType
	SubnetsPerNode                  uint64
	AttestationSubnetCount          uint64
	AttestationSubnetExtraBits      uint64
	AttestationSubnetPrefixBits     uint64

	// Deneb
	MaxRequestBlocksDeneb            uint64
	MinEpochsForBlobSidecarsRequests primitives.Epoch
	BlobSidecarSubnetCount           uint64
	MaxBlobsPerBlock                 uint64
	MaxRequestBlobSidecars           uint64

	// Electra
	BlobSidecarSubnetCountElectra uint64
	MaxBlobsPerBlockElectra       uint64
	MaxRequestBlobSidecarsElectra uint64

	// Fulu
	NumberOfCustodyGroups                  uint64
	DataColumnSidecarSubnetCount           uint64
	MaxRequestDataColumnSidecars           uint64
	SamplesPerSlot                         uint64
	CustodyRequirement                     uint64
	ValidatorCustodyRequirement            uint64
	BalancePerAdditionalCustodyGroup       primitives.Gwei
	MinEpochsForDataColumnSidecarsRequests primitives.Epoch

	// Later forks' networking values
	MaxRequestPayloads       uint64
	EpochsPerShufflingPhase  primitives.Epoch
	ProposerSelectionGap     primitives.Epoch
	MaxRequestInclusionList  uint64
	MaxBytesPerInclusionList uint64

	// BlobSchedule is BLOB_SCHEDULE sorted by epoch: the blob-parameter-only forks from Fulu on.
	BlobSchedule []BlobScheduleEntry
}

// forkKeys names the config keys of each fork's version and activation epoch. Phase0 has no epoch key: it starts
// at GENESIS_EPOCH.
var forkKeys = [LatestFork + 1]struct{ version, epoch string }{
	Phase0:    {"GENESIS_FORK_VERSION", ""},
	Altair:    {"ALTAIR_FORK_VERSION", "ALTAIR_FORK_EPOCH"},
	Bellatrix: {"BELLATRIX_FORK_VERSION", "BELLATRIX_FORK_EPOCH"},
	Capella:   {"CAPELLA_FORK_VERSION", "CAPELLA_FORK_EPOCH"},
	Deneb:     {"DENEB_FORK_VERSION", "DENEB_FORK_EPOCH"},
	Electra:   {"ELECTRA_FORK_VERSION", "ELECTRA_FORK_EPOCH"},
	Fulu:      {"FULU_FORK_VERSION", "FULU_FORK_EPOCH"},
}

func (c *ChainConfig) fields() []field {
	fields := []field{
		{"PRESET_BASE", stringValue{&c.PresetBase}},
		{"CONFIG_NAME", stringValue{&c.ConfigName}},

		{"TERMINAL_TOTAL_DIFFICULTY", uint256Value{&c.TerminalTotalDifficulty}},
		{"TERMINAL_BLOCK_HASH", hexValue{c.TerminalBlockHash[:]}},
		{"TERMINAL_BLOCK_HASH_ACTIVATION_EPOCH", uintValue[primitives.Epoch]{&c.TerminalBlockHashActivationEpoch}},

		{"MIN_GENESIS_ACTIVE_VALIDATOR_COUNT", uintValue[uint64]{&c.MinGenesisActiveValidatorCount}},
		{"MIN_GENESIS_TIME", uintValue[uint64]{&c.MinGenesisTime}},
		{"GENESIS_DELAY", durationValue{&c.GenesisDelay, time.Second}},
	}
	for fork := Phase0; fork <= LatestFork; fork++ {
		keys := forkKeys[fork]
		fields = append(fields, field{keys.version, hexValue{c.Forks[fork].Version[:]}})
		if keys.epoch != "" {
			fields = append(fields, field{keys.epoch, uintValue[primitives.Epoch]{&c.Forks[fork].Epoch}})
		}
	}
	return append(fields, []field{
		{"GLOAS_FORK_VERSION", hexValue{c.GloasForkVersion[:]}},
		{"GLOAS_FORK_EPOCH", uintValue[primitives.Epoch]{&c.GloasForkEpoch}},
		{"EIP7441_FORK_VERSION", hexValue{c.EIP7441ForkVersion[:]}},
		{"EIP7441_FORK_EPOCH", uintValue[primitives.Epoch]{&c.EIP7441ForkEpoch}},
		{"EIP7805_FORK_VERSION", hexValue{c.EIP7805ForkVersion[:]}},
		{"EIP7805_FORK_EPOCH", uintValue[primitives.Epoch]{&c.EIP7805ForkEpoch}},
		{"EIP7928_FORK_VERSION", hexValue{c.EIP7928ForkVersion[:]}},
		{"EIP7928_FORK_EPOCH", uintValue[primitives.Epoch]{&c.EIP7928ForkEpoch}},

		{"SECONDS_PER_SLOT", uintValue[uint64]{&c.SecondsPerSlot}},
		{"SLOT_DURATION_MS", durationValue{&c.SlotDuration, time.Millisecond}},
		{"SECONDS_PER_ETH1_BLOCK", durationValue{&c.SecondsPerEth1Block, time.Second}},
		{"MIN_VALIDATOR_WITHDRAWABILITY_DELAY", uintValue[primitives.Epoch]{&c.MinValidatorWithdrawabilityDelay}},
		{"SHARD_COMMITTEE_PERIOD", uintValue[primitives.Epoch]{&c.ShardCommitteePeriod}},
		{"ETH1_FOLLOW_DISTANCE", uintValue[uint64]{&c.Eth1FollowDistance}},
		{"PROPOSER_REORG_CUTOFF_BPS", uintValue[uint64]{&c.ProposerReorgCutoffBPS}},
		{"ATTESTATION_DUE_BPS", uintValue[uint64]{&c.AttestationDueBPS}},
		{"AGGREGATE_DUE_BPS", uintValue[uint64]{&c.AggregateDueBPS}},
		{"SYNC_MESSAGE_DUE_BPS", uintValue[uint64]{&c.SyncMessageDueBPS}},
		{"CONTRIBUTION_DUE_BPS", uintValue[uint64]{&c.ContributionDueBPS}},
		{"ATTESTATION_DUE_BPS_GLOAS", uintValue[uint64]{&c.AttestationDueBPSGloas}},
		{"AGGREGATE_DUE_BPS_GLOAS", uintValue[uint64]{&c.AggregateDueBPSGloas}},
		{"SYNC_MESSAGE_DUE_BPS_GLOAS", uintValue[uint64]{&c.SyncMessageDueBPSGloas}},
		{"CONTRIBUTION_DUE_BPS_GLOAS", uintValue[uint64]{&c.ContributionDueBPSGloas}},
		{"PAYLOAD_ATTESTATION_DUE_BPS", uintValue[uint64]{&c.PayloadAttestationDueBPS}},
		{"VIEW_FREEZE_CUTOFF_BPS", uintValue[uint64]{&c.ViewFreezeCutoffBPS}},
		{"INCLUSION_LIST_SUBMISSION_DUE_BPS", uintValue[uint64]{&c.InclusionListSubmissionDueBPS}},
		{"PROPOSER_INCLUSION_LIST_CUTOFF_BPS", uintValue[uint64]{&c.ProposerInclusionListCutoffBPS}},

		{"INACTIVITY_SCORE_BIAS", uintValue[uint64]{&c.InactivityScoreBias}},
		{"INACTIVITY_SCORE_RECOVERY_RATE", uintValue[uint64]{&c.InactivityScoreRecoveryRate}},
		{"EJECTION_BALANCE", uintValue[primitives.Gwei]{&c.EjectionBalance}},
		{"MIN_PER_EPOCH_CHURN_LIMIT", uintValue[uint64]{&c.MinPerEpochChurnLimit}},
		{"CHURN_LIMIT_QUOTIENT", uintValue[uint64]{&c.ChurnLimitQuotient}},
		{"MAX_PER_EPOCH_ACTIVATION_CHURN_LIMIT", uintValue[uint64]{&c.MaxPerEpochActivationChurnLimit}},
		{"MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA", uintValue[primitives.Gwei]{&c.MinPerEpochChurnLimitElectra}},
		{"MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT", uintValue[primitives.Gwei]{&c.MaxPerEpochActivationExitChurnLimit}},

		{"PROPOSER_SCORE_BOOST", uintValue[uint64]{&c.ProposerScoreBoost}},
		{"REORG_HEAD_WEIGHT_THRESHOLD", uintValue[uint64]{&c.ReorgHeadWeightThreshold}},
		{"REORG_PARENT_WEIGHT_THRESHOLD", uintValue[uint64]{&c.ReorgParentWeightThreshold}},
		{"REORG_MAX_EPOCHS_SINCE_FINALIZATION", uintValue[primitives.Epoch]{&c.ReorgMaxEpochsSinceFinalization}},

		{"DEPOSIT_CHAIN_ID", uintValue[uint64]{&c.DepositChainID}},
		{"DEPOSIT_NETWORK_ID", uintValue[uint64]{&c.DepositNetworkID}},
		{"DEPOSIT_CONTRACT_ADDRESS", hexValue{c.DepositContractAddress[:]}},

		{"MAX_PAYLOAD_SIZE", uintValue[uint64]{&c.MaxPayloadSize}},
		{"MAX_REQUEST_BLOCKS", uintValue[uint64]{&c.MaxRequestBlocks}},
		{"EPOCHS_PER_SUBNET_SUBSCRIPTION", uintValue[primitives.Epoch]{&c.EpochsPerSubnetSubscription}},
		{"MIN_EPOCHS_FOR_BLOCK_REQUESTS", uintValue[primitives.Epoch]{&c.MinEpochsForBlockRequests}},
		{"ATTESTATION_PROPAGATION_SLOT_RANGE", uintValue[uint64]{&c.AttestationPropagationSlotRange}},
		{"MAXIMUM_GOSSIP_CLOCK_DISPARITY", durationValue{&c.MaximumGossipClockDisparity, time.Millisecond}},
		{"MESSAGE_DOMAIN_INVALID_SNAPPY", hexValue{c.MessageDomainInvalidSnappy[:]}},
		{"MESSAGE_DOMAIN_VALID_SNAPPY", hexValue{c.MessageDomainValidSnappy[:]}},
		{"SUBNETS_PER_NODE", uintValue[uint64]{&c.SubnetsPerNode}},
		{"ATTESTATION_SUBNET_COUNT", uintValue[uint64]{&c.AttestationSubnetCount}},
		{"ATTESTATION_SUBNET_EXTRA_BITS", uintValue[uint64]{&c.AttestationSubnetExtraBits}},
		{"ATTESTATION_SUBNET_PREFIX_BITS", uintValue[uint64]{&c.AttestationSubnetPrefixBits}},

		{"MAX_REQUEST_BLOCKS_DENEB", uintValue[uint64]{&c.MaxRequestBlocksDeneb}},
		{"MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS", uintValue[primitives.Epoch]{&c.MinEpochsForBlobSidecarsRequests}},
		{"BLOB_SIDECAR_SUBNET_COUNT", uintValue[uint64]{&c.BlobSidecarSubnetCount}},
		{"MAX_BLOBS_PER_BLOCK", uintValue[uint64]{&c.MaxBlobsPerBlock}},
		{"MAX_REQUEST_BLOB_SIDECARS", uintValue[uint64]{&c.MaxRequestBlobSidecars}},

		{"BLOB_SIDECAR_SUBNET_COUNT_ELECTRA", uintValue[uint64]{&c.BlobSidecarSubnetCountElectra}},
		{"MAX_BLOBS_PER_BLOCK_ELECTRA", uintValue[uint64]{&c.MaxBlobsPerBlockElectra}},
		{"MAX_REQUEST_BLOB_SIDECARS_ELECTRA", uintValue[uint64]{&c.MaxRequestBlobSidecarsElectra}},

		{"NUMBER_OF_CUSTODY_GROUPS", uintValue[uint64]{&c.NumberOfCustodyGroups}},
		{"DATA_COLUMN_SIDECAR_SUBNET_COUNT", uintValue[uint64]{&c.DataColumnSidecarSubnetCount}},
		{"MAX_REQUEST_DATA_COLUMN_SIDECARS", uintValue[uint64]{&c.MaxRequestDataColumnSidecars}},
		{"SAMPLES_PER_SLOT", uintValue[uint64]{&c.SamplesPerSlot}},
		{"CUSTODY_REQUIREMENT", uintValue[uint64]{&c.CustodyRequirement}},
		{"VALIDATOR_CUSTODY_REQUIREMENT", uintValue[uint64]{&c.ValidatorCustodyRequirement}},
		{"BALANCE_PER_ADDITIONAL_CUSTODY_GROUP", uintValue[primitives.Gwei]{&c.BalancePerAdditionalCustodyGroup}},
		{"MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS", uintValue[primitives.Epoch]{&c.MinEpochsForDataColumnSidecarsRequests}},

		{"MAX_REQUEST_PAYLOADS", uintValue[uint64]{&c.MaxRequestPayloads}},
		{"EPOCHS_PER_SHUFFLING_PHASE", uintValue[primitives.Epoch]{&c.EpochsPerShufflingPhase}},
		{"PROPOSER_SELECTION_GAP", uintValue[primitives.Epoch]{&c.ProposerSelectionGap}},
		{"MAX_REQUEST_INCLUSION_LIST", uintValue[uint64]{&c.MaxRequestInclusionList}},
		{"MAX_BYTES_PER_INCLUSION_LIST", uintValue[uint64]{&c.MaxBytesPerInclusionList}},

		{"BLOB_SCHEDULE", blobScheduleValue{&c.BlobSchedule}},
	}...)
}

// ConfigWarning is something a config file holds that Salamander accepts but the operator should hear about, such
// as a key this client does not know (other clients' config.yaml files carry extra and retired keys).
type ConfigWarning struct {
	Key     string
	Message string
}

func (w ConfigWarning) String() string { return w.Key + ": " + w.Message }

// MainnetConfig returns the consensus-specs v1.6.1 mainnet config.
func MainnetConfig() *ChainConfig { return mustEmbeddedConfig("mainnet") }

// MinimalConfig returns the consensus-specs v1.6.1 minimal config (the spec tests' network).
func MinimalConfig() *ChainConfig { return mustEmbeddedConfig("minimal") }

// mustEmbeddedConfig parses a config shipped in the binary. It cannot fail unless the embedded files are broken,
// which the package tests rule out, so a failure is a build defect and panics like regexp.MustCompile.
func mustEmbeddedConfig(name string) *ChainConfig {
	cfg, err := embeddedConfig(name)
	if err != nil {
		panic(fmt.Sprintf("params: embedded %s config: %v", name, err))
	}
	return cfg
}

func embeddedConfig(name string) (*ChainConfig, error) {
	data, err := specFiles.ReadFile("configs/" + name + ".yaml")
	if err != nil {
		return nil, err
	}
	pairs, err := yamlMapping(data)
	if err != nil {
		return nil, err
	}
	cfg := new(ChainConfig)
	byKey := fieldsByKey(cfg.fields())
	seen := make(map[string]bool, len(byKey))
	for _, pair := range pairs {
		key := pair[0].Value
		value, ok := byKey[key]
		if !ok {
			return nil, keyError(key, ErrUnknownKey)
		}
		seen[key] = true
		if err := value.parse(pair[1]); err != nil {
			return nil, keyError(key, err)
		}
	}
	for key := range byKey {
		if !seen[key] {
			return nil, keyError(key, ErrMissingKey)
		}
	}
	cfg.Forks[Phase0].Epoch = GenesisEpoch
	cfg.sortBlobSchedule()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// LoadConfigFile reads a network's config.yaml (as Prysm, Lighthouse and Lodestar accept it); see ParseConfig.
func LoadConfigFile(path string) (*ChainConfig, []ConfigWarning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load config: %w", err)
	}
	cfg, warnings, err := ParseConfig(data)
	if err != nil {
		return nil, nil, fmt.Errorf("load config %s: %w", path, err)
	}
	return cfg, warnings, nil
}

// ParseConfig parses a network's config.yaml. PRESET_BASE is required and must equal the compiled preset
// (ErrPresetMismatch otherwise). Keys the file leaves out keep the value of that preset's spec config, as other
// clients do with a devnet's partial config. Well-formed keys this client does not know are returned as warnings,
// because configs written by other clients carry retired and client-specific keys; malformed keys, duplicate keys
// and values that do not parse are errors naming the key. SECONDS_PER_SLOT and SLOT_DURATION_MS must agree when both
// are given; when only one is, the other follows it. The result is validated (see Validate).
func ParseConfig(data []byte) (*ChainConfig, []ConfigWarning, error) {
	pairs, err := yamlMapping(data)
	if err != nil {
		return nil, nil, err
	}
	presetBase := ""
	for _, pair := range pairs {
		if pair[0].Value == "PRESET_BASE" {
			if presetBase, err = scalarText(pair[1]); err != nil {
				return nil, nil, keyError("PRESET_BASE", err)
			}
		}
	}
	if presetBase == "" {
		return nil, nil, keyError("PRESET_BASE", ErrMissingKey)
	}
	if presetBase != PresetName {
		return nil, nil, keyError("PRESET_BASE", fmt.Errorf("%w: the config extends %q, this binary was built for %q (build with -tags minimal for the minimal preset)",
			ErrPresetMismatch, presetBase, PresetName))
	}
	cfg, err := embeddedConfig(PresetName)
	if err != nil {
		return nil, nil, fmt.Errorf("embedded %s config: %w", PresetName, err)
	}
	// Preset keys in a config file are accepted when they match the compiled preset: some networks publish one
	// file with both.
	preset, err := CompiledPreset()
	if err != nil {
		return nil, nil, err
	}
	presetFields := preset.fields()
	presetValues := make(map[string]string, len(presetFields))
	for _, f := range presetFields {
		presetValues[f.key] = f.value.render().(string)
	}

	byKey := fieldsByKey(cfg.fields())
	var warnings []ConfigWarning
	seen := make(map[string]bool, len(pairs))
	for _, pair := range pairs {
		key, node := pair[0].Value, pair[1]
		seen[key] = true
		if value, ok := byKey[key]; ok {
			if err := value.parse(node); err != nil {
				return nil, nil, keyError(key, err)
			}
			continue
		}
		if want, ok := presetValues[key]; ok {
			have, err := parseUint64(node)
			if err != nil {
				return nil, nil, keyError(key, err)
			}
			if strconv.FormatUint(have, 10) != want {
				return nil, nil, keyError(key, fmt.Errorf("%w: preset value %d differs from the compiled %s preset's %s", ErrPresetMismatch, have, PresetName, want))
			}
			continue
		}
		warnings = append(warnings, ConfigWarning{Key: key, Message: "unknown key, ignored"})
	}

	if !seen["CONFIG_NAME"] {
		cfg.ConfigName = "" // a file that does not name its network must not pass for the preset's own network
	}
	switch {
	case seen["SECONDS_PER_SLOT"] && !seen["SLOT_DURATION_MS"]:
		cfg.SlotDuration = time.Duration(cfg.SecondsPerSlot) * time.Second
	case seen["SLOT_DURATION_MS"] && !seen["SECONDS_PER_SLOT"]:
		if cfg.SlotDuration%time.Second != 0 {
			return nil, nil, keyError("SLOT_DURATION_MS", fmt.Errorf("%w: %v is not a whole number of seconds, which SECONDS_PER_SLOT needs", ErrInvalidValue, cfg.SlotDuration))
		}
		cfg.SecondsPerSlot = uint64(cfg.SlotDuration / time.Second)
	}
	cfg.sortBlobSchedule()
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	warnings = append(warnings, cfg.futureForkWarnings()...)
	return cfg, warnings, nil
}

// sortBlobSchedule orders the blob schedule by epoch, as get_blob_parameters reads it.
func (c *ChainConfig) sortBlobSchedule() {
	slices.SortStableFunc(c.BlobSchedule, func(a, b BlobScheduleEntry) int { return cmp.Compare(a.Epoch, b.Epoch) })
}

// Validate checks that the config is coherent: forks in order with distinct versions, slot timing consistent, and a
// blob schedule without duplicate epochs and within the preset's commitment limit.
func (c *ChainConfig) Validate() error {
	if c.Forks[Phase0].Epoch != 0 {
		return fmt.Errorf("%w: phase0 must start at epoch 0, not %d", ErrInvalidConfig, c.Forks[Phase0].Epoch)
	}
	for fork := Altair; fork <= LatestFork; fork++ {
		if c.Forks[fork].Epoch < c.Forks[fork-1].Epoch {
			return keyError(forkKeys[fork].epoch, fmt.Errorf("%w: %s at epoch %d comes before %s at epoch %d",
				ErrInvalidConfig, fork, c.Forks[fork].Epoch, fork-1, c.Forks[fork-1].Epoch))
		}
		for earlier := Phase0; earlier < fork; earlier++ {
			if c.Forks[fork].Version == c.Forks[earlier].Version {
				return keyError(forkKeys[fork].version, fmt.Errorf("%w: %s reuses %s's version %#x",
					ErrInvalidConfig, fork, earlier, c.Forks[fork].Version))
			}
		}
	}
	if c.SecondsPerSlot == 0 || c.SlotDuration != time.Duration(c.SecondsPerSlot)*time.Second {
		return keyError("SLOT_DURATION_MS", fmt.Errorf("%w: %v does not match SECONDS_PER_SLOT %d (both must be set and agree)",
			ErrInvalidConfig, c.SlotDuration, c.SecondsPerSlot))
	}
	if c.MaxBlobsPerBlockElectra > MaxBlobCommitmentsPerBlock {
		return keyError("MAX_BLOBS_PER_BLOCK_ELECTRA", fmt.Errorf("%w: %d exceeds MAX_BLOB_COMMITMENTS_PER_BLOCK %d",
			ErrInvalidValue, c.MaxBlobsPerBlockElectra, MaxBlobCommitmentsPerBlock))
	}
	for i, entry := range c.BlobSchedule {
		if entry.MaxBlobsPerBlock > MaxBlobCommitmentsPerBlock {
			return keyError("BLOB_SCHEDULE", fmt.Errorf("%w: epoch %d allows %d blobs, more than MAX_BLOB_COMMITMENTS_PER_BLOCK %d",
				ErrInvalidValue, entry.Epoch, entry.MaxBlobsPerBlock, MaxBlobCommitmentsPerBlock))
		}
		if i > 0 && entry.Epoch == c.BlobSchedule[i-1].Epoch {
			return keyError("BLOB_SCHEDULE", fmt.Errorf("%w: epoch %d is listed twice", ErrInvalidValue, entry.Epoch))
		}
	}
	return nil
}

// futureForkWarnings reports forks after Fulu that the config schedules: this client stops following the chain there.
func (c *ChainConfig) futureForkWarnings() []ConfigWarning {
	var warnings []ConfigWarning
	for _, fork := range []struct {
		key   string
		epoch primitives.Epoch
	}{
		{"GLOAS_FORK_EPOCH", c.GloasForkEpoch},
		{"EIP7441_FORK_EPOCH", c.EIP7441ForkEpoch},
		{"EIP7805_FORK_EPOCH", c.EIP7805ForkEpoch},
		{"EIP7928_FORK_EPOCH", c.EIP7928ForkEpoch},
	} {
		if fork.epoch != primitives.FarFutureEpoch {
			warnings = append(warnings, ConfigWarning{Key: fork.key, Message: fmt.Sprintf(
				"schedules a fork at epoch %d that Salamander does not implement; the node cannot follow the chain past it", fork.epoch)})
		}
	}
	return warnings
}

// Clone returns a deep copy, for callers that derive a config (tests, devnets) from an existing one.
func (c *ChainConfig) Clone() *ChainConfig {
	clone := *c
	clone.BlobSchedule = slices.Clone(c.BlobSchedule)
	return &clone
}

// Values renders every config key as the beacon API's /eth/v1/config/spec shows it: decimal or 0x-hex strings, and
// BLOB_SCHEDULE as a list of {EPOCH, MAX_BLOBS_PER_BLOCK} string maps.
func (c *ChainConfig) Values() map[string]any {
	fields := c.fields()
	values := make(map[string]any, len(fields))
	for _, f := range fields {
		values[f.key] = f.value.render()
	}
	return values
}
