package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/salamander-client/salamander/config"
	"github.com/salamander-client/salamander/devnet"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
)

// ExportManifestName is the manifest salamander db export-chain writes beside the SSZ files.
const ExportManifestName = "manifest.json"

// exportManifest describes an exported chain: the state it starts from and its canonical blocks, with what a
// replay needs to know of the chain config. Roots are 0x-prefixed hex.
type exportManifest struct {
	Preset                string        `json:"preset"`
	ConfigName            string        `json:"config_name"`
	SecondsPerSlot        uint64        `json:"seconds_per_slot"`
	GenesisValidatorsRoot string        `json:"genesis_validators_root"`
	GenesisTime           uint64        `json:"genesis_time"`
	Anchor                exportedState `json:"anchor"`
	Blocks                []exportedBlk `json:"blocks"`
}

type exportedState struct {
	File      string          `json:"file"`
	Slot      primitives.Slot `json:"slot"`
	StateRoot string          `json:"state_root"`
	BlockRoot string          `json:"block_root"`
}

type exportedBlk struct {
	File      string          `json:"file"`
	Slot      primitives.Slot `json:"slot"`
	Root      string          `json:"root"`
	StateRoot string          `json:"state_root"` // the block's state_root: the post-state root the node checked
}

// exportBatch is how many blocks export-chain reads per read transaction.
const exportBatch = 256

func (a app) dbExportChainCommand(args []string) int {
	fs := a.newFlagSet("db export-chain", "salamander db export-chain DIR [--config FILE] [flags]")
	configFile := fs.String("config", "", "TOML configuration file whose data_dir to use")
	config.AddFlags(fs, nil)
	if code, ok := a.parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(a.stderr, "salamander db export-chain: want one DIR")
		return exitUsage
	}
	cfg, err := config.Load(config.Sources{File: *configFile, Environ: a.environ, Flags: fs})
	if err != nil {
		fmt.Fprintln(a.stderr, err)
		return exitUsage
	}
	out := fs.Arg(0)
	start := time.Now()
	m, err := exportChain(cfg, out)
	if err != nil {
		fmt.Fprintf(a.stderr, "salamander db export-chain: %v\n", err)
		if errors.Is(err, store.ErrLocked) {
			fmt.Fprintln(a.stderr, "The database is in use: stop the node, then export.")
		}
		return exitFailure
	}
	last := m.Anchor.Slot
	if n := len(m.Blocks); n > 0 {
		last = m.Blocks[n-1].Slot
	}
	fmt.Fprintf(a.stdout, "Exported to %s: the state at slot %d and %d canonical blocks up to slot %d (%s)\n",
		out, m.Anchor.Slot, len(m.Blocks), last, time.Since(start).Round(time.Millisecond))
	return exitOK
}

// exportChain writes the chain of cfg's data directory to out: the origin state (the genesis of a devnet, or the
// checkpoint-sync state), every canonical block since, and the manifest.
func exportChain(cfg config.Config, out string) (*exportManifest, error) {
	dataDir := cfg.Node.DataDir
	reader, closeDB, err := store.OpenReadOnly(dataDir, 2*time.Second)
	if err != nil {
		return nil, err
	}
	defer func() { _ = closeDB() }()

	id, ok, err := reader.Identity()
	if err == nil && !ok {
		err = store.ErrNoAnchor
	}
	if err != nil {
		return nil, fmt.Errorf("read the chain's identity: %w", err)
	}
	if id.Preset != params.PresetName {
		return nil, fmt.Errorf("%w: the database is of the %s preset, this binary of the %s preset", store.ErrWrongNetwork, id.Preset, params.PresetName)
	}
	secondsPerSlot := cfg.Chain.Spec.SecondsPerSlot
	if s, ok, err := devnet.LoadSettings(dataDir); err != nil {
		return nil, err
	} else if ok {
		secondsPerSlot = s.SecondsPerSlot // a devnet's own slot time
	}
	origin, err := reader.Origin()
	if err != nil {
		return nil, fmt.Errorf("read the origin: %w", err)
	}
	head, err := reader.Head()
	if err != nil {
		return nil, fmt.Errorf("read the head: %w", err)
	}
	state, err := reader.State(origin.StateRoot)
	if err != nil {
		return nil, fmt.Errorf("read the origin state: %w", err)
	}

	if err := os.MkdirAll(filepath.Join(out, "blocks"), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", out, err)
	}
	if _, err := os.Stat(filepath.Join(out, ExportManifestName)); err == nil {
		return nil, fmt.Errorf("%s holds an export already: %w", out, fs.ErrExist)
	}
	m := &exportManifest{
		Preset:                params.PresetName,
		ConfigName:            id.ConfigName,
		SecondsPerSlot:        secondsPerSlot,
		GenesisValidatorsRoot: hexRoot(id.GenesisValidatorsRoot),
		GenesisTime:           id.GenesisTime,
		Anchor: exportedState{File: "genesis.ssz", Slot: origin.StateSlot, StateRoot: hexRoot(origin.StateRoot),
			BlockRoot: hexRoot(origin.BlockRoot)},
	}
	if origin.StateSlot != 0 {
		m.Anchor.File = "anchor_state.ssz"
	}
	if err := os.WriteFile(filepath.Join(out, m.Anchor.File), state, 0o644); err != nil {
		return nil, fmt.Errorf("write the origin state: %w", err)
	}
	for from := origin.BlockSlot + 1; from <= head.Slot; from += exportBatch {
		blocks, err := reader.CanonicalBlocks(from, exportBatch, exportBatch)
		if err != nil {
			return nil, fmt.Errorf("read blocks from slot %d: %w", from, err)
		}
		for _, b := range blocks {
			file := filepath.Join("blocks", fmt.Sprintf("%08d.ssz", b.Slot))
			if err := os.WriteFile(filepath.Join(out, file), b.SSZ, 0o644); err != nil {
				return nil, fmt.Errorf("write block %#x: %w", b.Root, err)
			}
			m.Blocks = append(m.Blocks, exportedBlk{File: file, Slot: b.Slot, Root: hexRoot(b.Root), StateRoot: hexRoot(b.StateRoot)})
		}
	}
	encoded, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, ExportManifestName), append(encoded, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write the manifest: %w", err)
	}
	return m, nil
}

func hexRoot(root primitives.Root) string { return fmt.Sprintf("%#x", root) }
