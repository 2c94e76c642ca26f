package devnet_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/salamander-client/salamander/devnet"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

func openStore(t *testing.T, spec *params.Spec, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(dir, store.Options{Network: store.NetworkOf(spec), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestEnsureGenesisCreatesOnceThenContinues(t *testing.T) {
	spec, err := params.NewSpec(params.DevnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := openStore(t, spec, dir)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	at := time.Unix(1_800_000_000, 0)

	created, err := devnet.EnsureGenesis(logger, db, dir, devnet.GenesisOptions{Spec: spec, Validators: 16, GenesisTime: at})
	if err != nil {
		t.Fatal(err)
	}
	if !created.Created || created.Validators != 16 || !created.Time.Equal(at) {
		t.Fatalf("first call: %+v, want a new genesis of 16 validators at %v", created, at)
	}
	encoded, err := os.ReadFile(filepath.Join(dir, devnet.GenesisFileName))
	if err != nil {
		t.Fatal(err)
	}
	var state types.BeaconState
	if err := types.Unmarshal(encoded, &state); err != nil {
		t.Fatal(err)
	}
	anchor, err := db.Anchor()
	if err != nil {
		t.Fatal(err)
	}
	if anchor.StateRoot != state.HashTreeRoot() || anchor.StateSlot != 0 || len(state.Validators) != 16 {
		t.Fatalf("anchor %+v, genesis file of %d validators with root %#x", anchor, len(state.Validators), state.HashTreeRoot())
	}

	again, err := devnet.EnsureGenesis(logger, db, dir, devnet.GenesisOptions{Spec: spec, Validators: 64, GenesisTime: at.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.Validators != 16 || !again.Time.Equal(at) {
		t.Fatalf("second call: %+v, want the chain of the first", again)
	}

	engine, err := devnet.SeedEngine(db.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if engine.Head() != state.LatestExecutionPayloadHeader.BlockHash {
		t.Errorf("mock engine head %#x, want the execution genesis %#x", engine.Head(), state.LatestExecutionPayloadHeader.BlockHash)
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, ok, err := devnet.LoadSettings(dir); ok || err != nil {
		t.Fatalf("settings of an empty directory: ok %v, %v", ok, err)
	}
	want := devnet.Settings{Preset: params.PresetName, SecondsPerSlot: 2, Validators: 64}
	if err := devnet.SaveSettings(dir, want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := devnet.LoadSettings(dir)
	if err != nil || !ok || got != want {
		t.Fatalf("LoadSettings = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	if err := os.WriteFile(filepath.Join(dir, devnet.SettingsFileName), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := devnet.LoadSettings(dir); err == nil {
		t.Fatal("LoadSettings of a broken file: no error")
	}
}

func TestAssembleOpensSlashingProtectionOnlyWithValidators(t *testing.T) {
	spec, err := params.NewSpec(params.DevnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	reader := store.NewReader()
	node, err := devnet.Assemble(devnet.Options{Spec: spec, DataDir: dir, Reader: reader})
	if err != nil {
		t.Fatal(err)
	}
	if node.Chain.Validator != nil || node.Chain.Transition == nil || node.Chain.ForkChoice == nil || node.Chain.BlockSync.Reader != reader {
		t.Fatalf("without validators: %+v", node.Chain)
	}
	if err := node.Close(); err != nil {
		t.Fatal(err)
	}
	node, err = devnet.Assemble(devnet.Options{Spec: spec, DataDir: dir, Reader: reader, Validators: 4, NoSyncProtection: true})
	if err != nil {
		t.Fatal(err)
	}
	if node.Chain.Validator == nil || node.Chain.Validator.NewClient == nil {
		t.Fatal("with validators: no validator config")
	}
	if _, err := os.Stat(filepath.Join(dir, "slashing-protection.db")); err != nil {
		t.Fatal(err)
	}
	if err := node.Close(); err != nil {
		t.Fatal(err)
	}
}
