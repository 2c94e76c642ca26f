package checkpointsync_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/salamander-client/salamander/checkpointsync"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

// genesisState is a Fulu genesis state of spec's chain, as a devnet's genesis tool writes it.
func genesisState(spec *params.Spec) *types.BeaconState {
	fulu := spec.ForkVersion(params.Fulu)
	return &types.BeaconState{
		GenesisTime:           1_700_000_000,
		GenesisValidatorsRoot: testGVR,
		Fork:                  &types.Fork{PreviousVersion: fulu, CurrentVersion: fulu},
		LatestBlockHeader:     &types.BeaconBlockHeader{BodyRoot: types.HashTreeRoot(&types.BeaconBlockBody{})},
	}
}

func TestGenesisAnchorsTheGenesisBlock(t *testing.T) {
	spec := testSpec(t)
	state := genesisState(spec)
	stateSSZ, err := types.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	a, err := checkpointsync.Genesis(stateSSZ, checkpointsync.Options{Spec: spec})
	if err != nil {
		t.Fatalf("genesis: %v", err)
	}
	// The genesis block is the state's latest block header with the state root filled in.
	header := *state.LatestBlockHeader
	header.StateRoot = types.HashTreeRoot(state)
	if a.Block.Root != primitives.Root(types.HashTreeRoot(&header)) || a.State.Root != header.StateRoot || a.State.Slot != 0 || a.GenesisTime != state.GenesisTime {
		t.Fatalf("anchor %+v", a)
	}

	path := filepath.Join(t.TempDir(), "genesis.ssz")
	if err := os.WriteFile(path, stateSSZ, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(t.TempDir(), store.Options{Network: store.NetworkOf(spec)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	res, err := checkpointsync.Sync(context.Background(), db, checkpointsync.Source{GenesisState: path}, checkpointsync.Options{Spec: spec})
	if err != nil || res.Anchor.BlockRoot != a.Block.Root {
		t.Fatalf("sync from the genesis state: %+v %v", res, err)
	}
	if id, ok, err := db.Identity(); err != nil || !ok || id.GenesisTime != state.GenesisTime {
		t.Fatalf("identity %+v %v %v", id, ok, err)
	}
}

func TestGenesisRefusesOtherStates(t *testing.T) {
	spec := testSpec(t)
	for _, c := range []struct {
		name  string
		mess  func(s *types.BeaconState)
		want  error
		check string
	}{
		{"a later state", func(s *types.BeaconState) { s.Slot = 5 }, checkpointsync.ErrNotGenesis, "genesis"},
		{"a header with a body", func(s *types.BeaconState) { s.LatestBlockHeader.BodyRoot = primitives.Root{1} }, checkpointsync.ErrNotGenesis, "genesis"},
		{"a header with a parent", func(s *types.BeaconState) { s.LatestBlockHeader.ParentRoot = primitives.Root{1} }, checkpointsync.ErrNotGenesis, "genesis"},
		{"another fork", func(s *types.BeaconState) { s.Fork.CurrentVersion = primitives.Version{9} }, checkpointsync.ErrWrongFork, "fork"},
	} {
		t.Run(c.name, func(t *testing.T) {
			state := genesisState(spec)
			c.mess(state)
			stateSSZ, err := types.Marshal(state)
			if err != nil {
				t.Fatal(err)
			}
			_, err = checkpointsync.Genesis(stateSSZ, checkpointsync.Options{Spec: spec})
			if !errors.Is(err, c.want) || checkpointsync.FailedCheck(err) != c.check {
				t.Fatalf("genesis: %v (check %q), want %v (check %q)", err, checkpointsync.FailedCheck(err), c.want, c.check)
			}
		})
	}
	if _, err := checkpointsync.Genesis([]byte{1, 2, 3}, checkpointsync.Options{Spec: spec}); !errors.Is(err, checkpointsync.ErrDecode) {
		t.Fatalf("garbage: %v, want ErrDecode", err)
	}
}

func TestFailedCheckNamesEveryCheck(t *testing.T) {
	for err, want := range map[error]string{
		checkpointsync.ErrStateRootMismatch:                  "state root",
		checkpointsync.ErrBlockRootMismatch:                  "block root",
		fmt.Errorf("x: %w", checkpointsync.ErrWrongFork):     "fork",
		fmt.Errorf("x: %w", store.ErrWrongNetwork):           "network",
		checkpointsync.ErrWeakSubjectivity:                   "weak subjectivity checkpoint",
		checkpointsync.ErrNotGenesis:                         "genesis",
		checkpointsync.ErrDecode:                             "decoding",
		checkpointsync.ErrTooLarge:                           "size",
		fmt.Errorf("download: %w", checkpointsync.ErrSource): "source",
		checkpointsync.ErrNoSource:                           "source",
		errors.New("unrelated"):                              "",
	} {
		if got := checkpointsync.FailedCheck(err); got != want {
			t.Errorf("FailedCheck(%v) = %q, want %q", err, got, want)
		}
	}
}
