package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salamander-client/salamander/params"
)

func TestBuiltinChainConfigs(t *testing.T) {
	devnet := mustLoad(t, Sources{Defaults: map[string]any{"node.network": "devnet"}})
	spec := devnet.Chain.Spec
	if spec == nil || spec.ConfigName != "devnet" || spec.PresetBase != params.PresetName {
		t.Fatalf("devnet chain %v", devnet.Chain)
	}
	for fork := params.Phase0; fork <= params.LatestFork; fork++ {
		if spec.ForkEpoch(fork) != 0 {
			t.Errorf("devnet %s at epoch %d, want every fork at genesis", fork, spec.ForkEpoch(fork))
		}
	}
	if params.PresetName == "mainnet" {
		mainnet := mustLoad(t, Sources{Defaults: map[string]any{"node.network": "mainnet"}})
		if mainnet.Chain.Spec.ConfigName != "mainnet" || mainnet.Chain.Spec.ForkVersion(params.Fulu) != params.MainnetConfig().ForkVersion(params.Fulu) {
			t.Errorf("mainnet chain %v", mainnet.Chain)
		}
	}
}

func TestChainConfigFile(t *testing.T) {
	file := writeFile(t, "config.yaml", "PRESET_BASE: '"+params.PresetName+"'\nCONFIG_NAME: 'testnet'\n"+
		"SECONDS_PER_SLOT: 4\nFULU_FORK_EPOCH: 0\nELECTRA_FORK_EPOCH: 0\nDENEB_FORK_EPOCH: 0\nCAPELLA_FORK_EPOCH: 0\n"+
		"BELLATRIX_FORK_EPOCH: 0\nALTAIR_FORK_EPOCH: 0\nSOME_CLIENT_KEY: 7\n")
	cfg := mustLoad(t, Sources{Flags: parsedFlags(t, "--network", "devnet", "--chain-config", file)})
	if cfg.Node.ChainConfig != file || cfg.Chain.String() != "testnet" {
		t.Fatalf("chain config %q, chain %v", cfg.Node.ChainConfig, cfg.Chain)
	}
	if cfg.Chain.Spec.SecondsPerSlot != 4 || cfg.Chain.Spec.SlotDuration != 4*time.Second {
		t.Errorf("slot time %d s / %v, want the file's 4 s", cfg.Chain.Spec.SecondsPerSlot, cfg.Chain.Spec.SlotDuration)
	}
	if len(cfg.Chain.Warnings) != 1 || cfg.Chain.Warnings[0].Key != "SOME_CLIENT_KEY" {
		t.Errorf("warnings %v, want the unknown key", cfg.Chain.Warnings)
	}

	other := "mainnet"
	if params.PresetName == "mainnet" {
		other = "minimal"
	}
	for _, c := range []struct {
		name, path string
		want       error
		words      []string
	}{
		{"another preset", writeFile(t, "other.yaml", "PRESET_BASE: '"+other+"'\n"), params.ErrPresetMismatch, []string{"PRESET_BASE"}},
		{"a bad value", writeFile(t, "bad.yaml", "PRESET_BASE: '"+params.PresetName+"'\nSECONDS_PER_SLOT: soon\n"), ErrInvalidValue, []string{"SECONDS_PER_SLOT"}},
		{"a missing file", filepath.Join(t.TempDir(), "absent.yaml"), ErrInvalidValue, []string{"no such file"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := []string{"SALAMANDER_NODE_NETWORK=devnet", "SALAMANDER_NODE_CHAIN_CONFIG=" + c.path}
			_, err := Load(Sources{Environ: env})
			if !errors.Is(err, c.want) || !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("Load: %v, want %v", err, c.want)
			}
			for _, w := range append(c.words, "env SALAMANDER_NODE_CHAIN_CONFIG: node.chain_config") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestGenesisStateConflictsWithCheckpointSync(t *testing.T) {
	dir := t.TempDir()
	genesis := filepath.Join(dir, "genesis.ssz")
	cfg := mustLoad(t, Sources{Flags: parsedFlags(t, "--genesis-state", genesis)})
	if cfg.Node.GenesisState != genesis {
		t.Errorf("genesis state %q, want %q", cfg.Node.GenesisState, genesis)
	}
	for _, flags := range [][]string{
		{"--genesis-state", genesis, "--checkpoint-sync-url", "http://127.0.0.1:5052"},
		{"--genesis-state", genesis, "--checkpoint-state", filepath.Join(dir, "s.ssz"), "--checkpoint-block", filepath.Join(dir, "b.ssz")},
	} {
		_, err := Load(Sources{Flags: parsedFlags(t, flags...)})
		if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "flag --genesis-state: node.genesis_state") {
			t.Errorf("%q: %v, want a conflict naming node.genesis_state", flags, err)
		}
	}
}
