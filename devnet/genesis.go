// Package devnet assembles salamander dev: a local devnet out of the box. It makes the interop genesis of N
// validators in the data directory (or continues the chain the directory holds), seeds the embedded mock
// execution engine with the chain's payloads, and configures the chain's actors — the chain transition, fork
// choice rebuilt from the store, the import pipeline, and the in-process validator duties on the interop keys
// with slashing protection — for the supervision tree.
package devnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/salamander-client/salamander/checkpointsync"
	"github.com/salamander-client/salamander/genesis"
	"github.com/salamander-client/salamander/internal/atomicfile"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// GenesisFileName is the genesis state (SSZ) written into the data directory with a new devnet.
const GenesisFileName = "genesis.ssz"

// DefaultGenesisDelay is how long after start-up a new devnet's genesis is: time to build the tree before slot 0.
const DefaultGenesisDelay = 3 * time.Second

// GenesisOptions describe a new devnet's genesis.
type GenesisOptions struct {
	Spec *params.Spec
	// Validators is the number of interop validators; 0 is genesis.DefaultValidatorCount.
	Validators uint64
	// GenesisTime is the chain's genesis time; truncated to whole seconds.
	GenesisTime time.Time
}

// Genesis describes the chain a data directory holds after EnsureGenesis.
type Genesis struct {
	Time       time.Time
	Validators uint64 // validators in the genesis state
	Created    bool   // this call made the chain; false: the directory held one already
}

// EnsureGenesis makes db, an empty database, the start of a new devnet: the interop genesis state of
// opts.Validators validators with the mock engine's genesis block as its execution genesis, anchored in the store
// and written to <dataDir>/genesis.ssz. A database that holds a chain is left as it is: the devnet continues it.
func EnsureGenesis(logger *slog.Logger, db *store.DB, dataDir string, opts GenesisOptions) (Genesis, error) {
	if _, err := db.Anchor(); err == nil {
		state, err := anchorGenesis(db)
		if err != nil {
			return Genesis{}, err
		}
		return Genesis{Time: time.Unix(int64(state.GenesisTime), 0), Validators: uint64(len(state.Validators))}, nil
	} else if !errors.Is(err, store.ErrNoAnchor) {
		return Genesis{}, fmt.Errorf("devnet genesis: %w", err)
	}

	start := time.Now()
	count := opts.Validators
	if count == 0 {
		count = genesis.DefaultValidatorCount
	}
	genesisTime := uint64(opts.GenesisTime.Unix())
	env := helpers.NewEnv(opts.Spec, helpers.NewCaches())
	state, err := genesis.InteropState(env, genesis.Options{GenesisTime: genesisTime, ValidatorCount: count})
	if err != nil {
		return Genesis{}, fmt.Errorf("devnet genesis: %w", err)
	}
	encoded, err := types.Marshal(state)
	if err != nil {
		return Genesis{}, fmt.Errorf("devnet genesis: encode the state: %w", err)
	}
	anchor, err := checkpointsync.Genesis(encoded, checkpointsync.Options{Spec: opts.Spec})
	if err != nil {
		return Genesis{}, fmt.Errorf("devnet genesis: %w", err)
	}
	path := filepath.Join(dataDir, GenesisFileName)
	if err := atomicfile.Write(path, encoded, 0o644); err != nil {
		return Genesis{}, fmt.Errorf("devnet genesis: %w", err)
	}
	if err := db.SetAnchor(anchor.Input()); err != nil {
		return Genesis{}, fmt.Errorf("devnet genesis: %w", err)
	}
	logger.Info("Created the devnet's genesis", "validators", count, "genesis_time", time.Unix(int64(genesisTime), 0).Format(time.RFC3339),
		"genesis_validators_root", fmt.Sprintf("%#x", state.GenesisValidatorsRoot),
		"execution_genesis", fmt.Sprintf("%#x", state.LatestExecutionPayloadHeader.BlockHash), "path", path,
		"took", time.Since(start).Round(time.Millisecond))
	return Genesis{Time: time.Unix(int64(genesisTime), 0), Validators: count, Created: true}, nil
}

// anchorGenesis reads the genesis time and validator count of the chain db holds from its anchor state.
func anchorGenesis(db *store.DB) (*types.BeaconState, error) {
	_, encoded, err := db.FinalizedState()
	if err != nil {
		return nil, fmt.Errorf("devnet: read the anchor state: %w", err)
	}
	state := new(types.BeaconState)
	if err := types.Unmarshal(encoded, state); err != nil {
		return nil, fmt.Errorf("devnet: %w: anchor state: %w", store.ErrCorrupt, err)
	}
	return state, nil
}

// SettingsFileName holds, in the data directory, the settings a devnet was created with.
const SettingsFileName = "devnet.json"

// Settings are what a devnet is created with and keeps for its whole life: its chain's timestamps depend on the
// slot time, and its validators are the genesis state's.
type Settings struct {
	Preset         string `json:"preset"`
	SecondsPerSlot uint64 `json:"seconds_per_slot"`
	Validators     uint64 `json:"validators"`
}

// SaveSettings writes the settings of the devnet in dataDir.
func SaveSettings(dataDir string, s Settings) error {
	encoded, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("devnet settings: %w", err)
	}
	return atomicfile.Write(filepath.Join(dataDir, SettingsFileName), append(encoded, '\n'), 0o644)
}

// LoadSettings reads the settings of the devnet in dataDir; ok is false when there are none.
func LoadSettings(dataDir string) (s Settings, ok bool, err error) {
	encoded, err := os.ReadFile(filepath.Join(dataDir, SettingsFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return Settings{}, false, nil
	}
	if err != nil {
		return Settings{}, false, fmt.Errorf("devnet settings: %w", err)
	}
	if err := json.Unmarshal(encoded, &s); err != nil {
		return Settings{}, false, fmt.Errorf("devnet settings %s: %w", filepath.Join(dataDir, SettingsFileName), err)
	}
	return s, true, nil
}
