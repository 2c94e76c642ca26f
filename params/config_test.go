package params

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salamander-client/salamander/primitives"
)

func TestEmbeddedConfigs(t *testing.T) {
	mainnet := MainnetConfig()
	checks := []struct {
		name       string
		have, want any
	}{
		{"PRESET_BASE", mainnet.PresetBase, "mainnet"},
		{"CONFIG_NAME", mainnet.ConfigName, "mainnet"},
		{"TERMINAL_TOTAL_DIFFICULTY", mainnet.TerminalTotalDifficulty.Dec(), "58750000000000000000000"},
		{"GENESIS_FORK_VERSION", mainnet.ForkVersion(Phase0), primitives.Version{0, 0, 0, 0}},
		{"FULU_FORK_VERSION", mainnet.ForkVersion(Fulu), primitives.Version{6, 0, 0, 0}},
		{"ALTAIR_FORK_EPOCH", mainnet.ForkEpoch(Altair), primitives.Epoch(74240)},
		{"FULU_FORK_EPOCH", mainnet.ForkEpoch(Fulu), primitives.Epoch(411392)},
		{"GLOAS_FORK_EPOCH", mainnet.GloasForkEpoch, primitives.FarFutureEpoch},
		{"SECONDS_PER_SLOT", mainnet.SecondsPerSlot, uint64(12)},
		{"SLOT_DURATION_MS", mainnet.SlotDuration, 12 * time.Second},
		{"GENESIS_DELAY", mainnet.GenesisDelay, 7 * 24 * time.Hour},
		{"MAXIMUM_GOSSIP_CLOCK_DISPARITY", mainnet.MaximumGossipClockDisparity, 500 * time.Millisecond},
		{"EJECTION_BALANCE", mainnet.EjectionBalance, primitives.Gwei(16_000_000_000)},
		{"DEPOSIT_CONTRACT_ADDRESS", mainnet.DepositContractAddress, primitives.ExecutionAddress{
			0x00, 0x00, 0x00, 0x00, 0x21, 0x9a, 0xb5, 0x40, 0x35, 0x6c, 0xbb, 0x83, 0x9c, 0xbe, 0x05, 0x30, 0x3d, 0x77, 0x05, 0xfa}},
		{"MESSAGE_DOMAIN_VALID_SNAPPY", mainnet.MessageDomainValidSnappy, primitives.DomainType{1, 0, 0, 0}},
		{"MAX_BLOBS_PER_BLOCK_ELECTRA", mainnet.MaxBlobsPerBlockElectra, uint64(9)},
		{"BLOB_SCHEDULE", len(mainnet.BlobSchedule), 2},
		{"BLOB_SCHEDULE[1]", mainnet.BlobSchedule[1], BlobScheduleEntry{Epoch: 419072, MaxBlobsPerBlock: 21}},
	}
	for _, c := range checks {
		if c.have != c.want {
			t.Errorf("mainnet %s = %v, want %v", c.name, c.have, c.want)
		}
	}

	minimal := MinimalConfig()
	if minimal.PresetBase != "minimal" || minimal.SlotDuration != 6*time.Second || len(minimal.BlobSchedule) != 0 ||
		minimal.ForkEpoch(Fulu) != primitives.FarFutureEpoch || minimal.ForkVersion(Altair) != (primitives.Version{1, 0, 0, 1}) {
		t.Errorf("minimal config: %+v", minimal)
	}
	if have := minimal.TerminalTotalDifficulty.Dec(); have != "115792089237316195423570985008687907853269984665640564039457584007913129638912" {
		t.Errorf("minimal TERMINAL_TOTAL_DIFFICULTY = %s", have)
	}

	// Each call returns a fresh copy: changing one never leaks into the next.
	mainnet.BlobSchedule[0].MaxBlobsPerBlock = 99
	if MainnetConfig().BlobSchedule[0].MaxBlobsPerBlock != 15 {
		t.Error("MainnetConfig shares state between calls")
	}
}

// TestConfigRoundTrip renders the embedded config and parses the rendering back.
func TestConfigRoundTrip(t *testing.T) {
	base := defaultConfig(t)
	var sb strings.Builder
	for _, f := range base.fields() {
		switch v := f.value.render().(type) {
		case string:
			sb.WriteString(f.key + ": '" + v + "'\n")
		case []map[string]string:
			sb.WriteString(f.key + ":\n")
			for _, entry := range v {
				sb.WriteString("  - EPOCH: " + entry["EPOCH"] + "\n    MAX_BLOBS_PER_BLOCK: " + entry["MAX_BLOBS_PER_BLOCK"] + "\n")
			}
			if len(v) == 0 {
				sb.WriteString("  []\n")
			}
		}
	}
	parsed, warnings, err := ParseConfig([]byte(sb.String()))
	if err != nil {
		t.Fatalf("parse rendered config: %v\n%s", err, sb.String())
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if have, want := parsed.Values(), base.Values(); len(have) != len(want) {
		t.Errorf("round trip: %d values, want %d", len(have), len(want))
	}
	for key, want := range base.Values() {
		if s, ok := want.(string); ok && parsed.Values()[key] != s {
			t.Errorf("%s: round trip %v, want %v", key, parsed.Values()[key], s)
		}
	}
}

// defaultConfig is the embedded config of the compiled preset.
func defaultConfig(t *testing.T) *ChainConfig {
	t.Helper()
	cfg, err := embeddedConfig(PresetName)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestLoadPrysmDevnetConfig(t *testing.T) {
	cfg, warnings, err := LoadConfigFile(filepath.Join("testdata", "prysm-fulu-devnet.yaml"))
	if PresetName != "mainnet" {
		if !errors.Is(err, ErrPresetMismatch) {
			t.Fatalf("a mainnet config in a %s build: err %v, want ErrPresetMismatch", PresetName, err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ConfigName != "prysm-probe-fulu" || cfg.ForkVersion(Fulu) != (primitives.Version{0x70, 0, 0, 0x38}) ||
		cfg.ForkEpoch(Fulu) != 0 || cfg.DepositChainID != 32382 || cfg.MinGenesisTime != 0 || cfg.GenesisDelay != 0 {
		t.Errorf("devnet values not applied: %+v", cfg)
	}
	// SECONDS_PER_SLOT alone sets the slot duration too.
	if cfg.SecondsPerSlot != 6 || cfg.SlotDuration != 6*time.Second {
		t.Errorf("slot: %d s, %v", cfg.SecondsPerSlot, cfg.SlotDuration)
	}
	// Keys the file leaves out keep mainnet's values.
	if cfg.MaxRequestBlocksDeneb != 128 || cfg.NumberOfCustodyGroups != 128 {
		t.Errorf("defaults lost: %+v", cfg)
	}
	if cfg.ForkAtEpoch(0) != Fulu {
		t.Errorf("ForkAtEpoch(0) = %s, want fulu", cfg.ForkAtEpoch(0))
	}
	if have := cfg.GetBlobParameters(5); have != (BlobParameters{Epoch: 0, MaxBlobsPerBlock: 9}) {
		t.Errorf("GetBlobParameters(5) = %+v", have)
	}
	// TARGET_BLOBS_PER_BLOCK_ELECTRA was dropped from the spec; Prysm still accepts it.
	if len(warnings) != 1 || warnings[0].Key != "TARGET_BLOBS_PER_BLOCK_ELECTRA" {
		t.Errorf("warnings = %v, want one for TARGET_BLOBS_PER_BLOCK_ELECTRA", warnings)
	}
	if _, err := NewSpec(cfg); err != nil {
		t.Errorf("NewSpec: %v", err)
	}
}

func TestForkKeys(t *testing.T) {
	for fork := Phase0; fork <= LatestFork; fork++ {
		if !fork.Valid() || forkKeys[fork].version == "" || (fork != Phase0) != (forkKeys[fork].epoch != "") {
			t.Errorf("%s: config keys %+v", fork, forkKeys[fork])
		}
	}
	if (LatestFork + 1).Valid() {
		t.Error("a fork past LatestFork is valid")
	}
}

func TestLoadConfigFileMissing(t *testing.T) {
	_, _, err := LoadConfigFile(filepath.Join(t.TempDir(), "absent.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want os.ErrNotExist", err)
	}
}

func TestParseConfigErrors(t *testing.T) {
	base := "PRESET_BASE: " + PresetName + "\n"
	other := map[string]string{"mainnet": "minimal", "minimal": "mainnet"}[PresetName]
	cases := []struct {
		name, yaml string
		key        string // the key the error must name; "" for errors not about one key
		want       error
	}{
		{"no preset base", "CONFIG_NAME: x\n", "PRESET_BASE", ErrMissingKey},
		{"other preset", "PRESET_BASE: " + other + "\n", "PRESET_BASE", ErrPresetMismatch},
		{"not a mapping", "- a\n- b\n", "", ErrInvalidConfig},
		{"not yaml", "PRESET_BASE: [\n", "", ErrInvalidConfig},
		{"lower-case key", base + "seconds_per_slot: 12\n", "seconds_per_slot", ErrMalformedKey},
		{"key with space", base + "\"SECONDS PER SLOT\": 12\n", "SECONDS PER SLOT", ErrMalformedKey},
		{"duplicate key", base + "ALTAIR_FORK_EPOCH: 1\nALTAIR_FORK_EPOCH: 2\n", "ALTAIR_FORK_EPOCH", ErrDuplicateKey},
		{"negative epoch", base + "ALTAIR_FORK_EPOCH: -1\n", "ALTAIR_FORK_EPOCH", ErrInvalidValue},
		{"epoch overflow", base + "ALTAIR_FORK_EPOCH: 18446744073709551616\n", "ALTAIR_FORK_EPOCH", ErrInvalidValue},
		{"hex epoch", base + "ALTAIR_FORK_EPOCH: 0x10\n", "ALTAIR_FORK_EPOCH", ErrInvalidValue},
		{"empty value", base + "ALTAIR_FORK_EPOCH:\n", "ALTAIR_FORK_EPOCH", ErrInvalidValue},
		{"list value", base + "EJECTION_BALANCE: [1]\n", "EJECTION_BALANCE", ErrInvalidValue},
		{"short version", base + "ALTAIR_FORK_VERSION: 0x010000\n", "ALTAIR_FORK_VERSION", ErrInvalidValue},
		{"version without 0x", base + "ALTAIR_FORK_VERSION: 01000000\n", "ALTAIR_FORK_VERSION", ErrInvalidValue},
		{"version not hex", base + "ALTAIR_FORK_VERSION: 0x0100000g\n", "ALTAIR_FORK_VERSION", ErrInvalidValue},
		{"short address", base + "DEPOSIT_CONTRACT_ADDRESS: 0x1234\n", "DEPOSIT_CONTRACT_ADDRESS", ErrInvalidValue},
		{"bad difficulty", base + "TERMINAL_TOTAL_DIFFICULTY: 1e10\n", "TERMINAL_TOTAL_DIFFICULTY", ErrInvalidValue},
		{"difficulty overflow", base + "TERMINAL_TOTAL_DIFFICULTY: 115792089237316195423570985008687907853269984665640564039457584007913129639936\n", "TERMINAL_TOTAL_DIFFICULTY", ErrInvalidValue},
		{"huge duration", base + "GENESIS_DELAY: 18446744073709551615\n", "GENESIS_DELAY", ErrInvalidValue},
		{"slot timing conflict", base + "SECONDS_PER_SLOT: 6\nSLOT_DURATION_MS: 12000\n", "SLOT_DURATION_MS", ErrInvalidConfig},
		{"zero slot", base + "SECONDS_PER_SLOT: 0\n", "SLOT_DURATION_MS", ErrInvalidConfig},
		{"sub-second slot", base + "SLOT_DURATION_MS: 1500\n", "SLOT_DURATION_MS", ErrInvalidValue},
		{"forks out of order", base + "ALTAIR_FORK_EPOCH: 10\nBELLATRIX_FORK_EPOCH: 5\nCAPELLA_FORK_EPOCH: 20\nDENEB_FORK_EPOCH: 20\nELECTRA_FORK_EPOCH: 20\nFULU_FORK_EPOCH: 20\n", "BELLATRIX_FORK_EPOCH", ErrInvalidConfig},
		{"version reused", base + "CAPELLA_FORK_VERSION: 0x77777777\nDENEB_FORK_VERSION: 0x77777777\n", "DENEB_FORK_VERSION", ErrInvalidConfig},
		{"blob schedule not a list", base + "BLOB_SCHEDULE: 5\n", "BLOB_SCHEDULE", ErrInvalidValue},
		{"blob entry missing max", base + "BLOB_SCHEDULE:\n  - EPOCH: 5\n", "BLOB_SCHEDULE", ErrInvalidValue},
		{"blob entry extra field", base + "BLOB_SCHEDULE:\n  - EPOCH: 5\n    MAX_BLOBS_PER_BLOCK: 1\n    TARGET: 1\n", "BLOB_SCHEDULE", ErrInvalidValue},
		{"blob entry twice the epoch", base + "BLOB_SCHEDULE:\n  - EPOCH: 5\n    EPOCH: 6\n    MAX_BLOBS_PER_BLOCK: 1\n", "BLOB_SCHEDULE", ErrInvalidValue},
		{"blob entry bad epoch", base + "BLOB_SCHEDULE:\n  - EPOCH: x\n    MAX_BLOBS_PER_BLOCK: 1\n", "BLOB_SCHEDULE", ErrInvalidValue},
		{"blob epochs twice", base + "BLOB_SCHEDULE:\n  - {EPOCH: 5, MAX_BLOBS_PER_BLOCK: 1}\n  - {EPOCH: 5, MAX_BLOBS_PER_BLOCK: 2}\n", "BLOB_SCHEDULE", ErrInvalidValue},
		{"too many blobs", base + "BLOB_SCHEDULE:\n  - {EPOCH: 5, MAX_BLOBS_PER_BLOCK: 4097}\n", "BLOB_SCHEDULE", ErrInvalidValue},
		{"too many electra blobs", base + "MAX_BLOBS_PER_BLOCK_ELECTRA: 5000\n", "MAX_BLOBS_PER_BLOCK_ELECTRA", ErrInvalidValue},
		{"preset value differs", base + "SLOTS_PER_EPOCH: 3\n", "SLOTS_PER_EPOCH", ErrPresetMismatch},
		{"preset value not a number", base + "SLOTS_PER_EPOCH: many\n", "SLOTS_PER_EPOCH", ErrInvalidValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ParseConfig([]byte(c.yaml))
			t.Log(err)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			var keyErr *KeyError
			if c.key != "" && (!errors.As(err, &keyErr) || keyErr.Key != c.key) {
				t.Errorf("err = %v, want it to name key %s", err, c.key)
			}
		})
	}
}

func TestParseConfigAccepts(t *testing.T) {
	base := "PRESET_BASE: '" + PresetName + "'\n"
	t.Run("quoted numbers and sorted blob schedule", func(t *testing.T) {
		cfg, warnings, err := ParseConfig([]byte(base + "ALTAIR_FORK_EPOCH: '3'\nSLOT_DURATION_MS: 4000\n" +
			"BLOB_SCHEDULE:\n  - {EPOCH: 20, MAX_BLOBS_PER_BLOCK: 12}\n  - {EPOCH: 10, MAX_BLOBS_PER_BLOCK: 10}\n"))
		if err != nil {
			t.Fatal(err)
		}
		if len(warnings) != 0 {
			t.Errorf("warnings: %v", warnings)
		}
		if cfg.ConfigName != "" {
			t.Errorf("CONFIG_NAME %q inherited from the base config", cfg.ConfigName)
		}
		if cfg.ForkEpoch(Altair) != 3 || cfg.SecondsPerSlot != 4 || cfg.SlotDuration != 4*time.Second {
			t.Errorf("values: altair %d, %d s, %v", cfg.ForkEpoch(Altair), cfg.SecondsPerSlot, cfg.SlotDuration)
		}
		want := []BlobScheduleEntry{{10, 10}, {20, 12}}
		if len(cfg.BlobSchedule) != 2 || cfg.BlobSchedule[0] != want[0] || cfg.BlobSchedule[1] != want[1] {
			t.Errorf("blob schedule %v, want %v", cfg.BlobSchedule, want)
		}
	})
	t.Run("matching preset key", func(t *testing.T) {
		p, err := CompiledPreset()
		if err != nil {
			t.Fatal(err)
		}
		_, warnings, err := ParseConfig([]byte(base + "SLOTS_PER_EPOCH: " + p.fields()[11].value.render().(string) + "\n"))
		if p.fields()[11].key != "SLOTS_PER_EPOCH" {
			t.Fatalf("field 11 is %s", p.fields()[11].key)
		}
		if err != nil || len(warnings) != 0 {
			t.Errorf("err %v, warnings %v", err, warnings)
		}
	})
	t.Run("unknown keys and future forks warn", func(t *testing.T) {
		_, warnings, err := ParseConfig([]byte(base + "SOME_CLIENT_FLAG: true\nGLOAS_FORK_EPOCH: 500000\n"))
		if err != nil {
			t.Fatal(err)
		}
		if len(warnings) != 2 || warnings[0].Key != "SOME_CLIENT_FLAG" || warnings[1].Key != "GLOAS_FORK_EPOCH" {
			t.Errorf("warnings = %v", warnings)
		}
	})
	t.Run("empty document", func(t *testing.T) {
		if _, _, err := ParseConfig(nil); !errors.Is(err, ErrMissingKey) {
			t.Errorf("err = %v, want ErrMissingKey", err)
		}
	})
}

func TestNewSpec(t *testing.T) {
	spec, err := NewSpec(defaultConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	if spec.Preset.Name != PresetName || spec.SlotsPerEpoch != SlotsPerEpoch || spec.MaxEffectiveBalanceElectra != MaxEffectiveBalanceElectra {
		t.Errorf("spec preset: %+v", spec.Preset)
	}
	values := spec.Values()
	if values["SLOTS_PER_EPOCH"] != "32" && values["SLOTS_PER_EPOCH"] != "8" || values["CONFIG_NAME"] != PresetName {
		t.Errorf("values: SLOTS_PER_EPOCH %v CONFIG_NAME %v", values["SLOTS_PER_EPOCH"], values["CONFIG_NAME"])
	}
	if len(values) != len(spec.ChainConfig.fields())+len(spec.Preset.fields()) {
		t.Errorf("values has %d keys", len(values))
	}

	other := map[string]func() *ChainConfig{"mainnet": MinimalConfig, "minimal": MainnetConfig}[PresetName]()
	if _, err := NewSpec(other); !errors.Is(err, ErrPresetMismatch) {
		t.Errorf("NewSpec with the other preset's config: err %v, want ErrPresetMismatch", err)
	}
	broken := defaultConfig(t)
	broken.SlotDuration = time.Second
	if _, err := NewSpec(broken); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("NewSpec with a broken config: err %v, want ErrInvalidConfig", err)
	}
}

func TestSlotComponentDuration(t *testing.T) {
	cfg := MainnetConfig()
	if have := cfg.SlotComponentDuration(cfg.AttestationDueBPS); have != 3999*time.Millisecond {
		t.Errorf("attestation due = %v, want 3.999s", have)
	}
	if have := cfg.SlotComponentDuration(BasisPoints); have != cfg.SlotDuration {
		t.Errorf("whole slot = %v", have)
	}
}
