package main

import (
	"strings"
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

// newTestStore makes a database in dataDir anchored on a small genesis, plus a dozen filler states that it then
// drops again, so that the file holds free pages.
func newTestStore(t *testing.T, dataDir string) *store.DB {
	t.Helper()
	cfg := params.MainnetConfig()
	if params.PresetName == "minimal" {
		cfg = params.MinimalConfig()
	}
	spec, err := params.NewSpec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dataDir, store.Options{Network: store.NetworkOf(spec)})
	if err != nil {
		t.Fatal(err)
	}
	body := &types.BeaconBlockBody{}
	st := &types.BeaconState{
		GenesisTime: 7,
		Fork:        &types.Fork{PreviousVersion: spec.ForkVersion(params.Fulu), CurrentVersion: spec.ForkVersion(params.Fulu)},
		LatestBlockHeader: &types.BeaconBlockHeader{
			BodyRoot: types.HashTreeRoot(body),
		},
	}
	stateSSZ, err := types.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	sr := primitives.Root(types.HashTreeRoot(st))
	blk := &types.SignedBeaconBlock{Message: &types.BeaconBlock{StateRoot: sr, Body: body}}
	blockSSZ, err := types.Marshal(blk)
	if err != nil {
		t.Fatal(err)
	}
	br := primitives.Root(types.HashTreeRoot(blk.Message))
	if err := db.SetAnchor(store.AnchorInput{
		Block: store.BlockBlob{Root: br, SSZ: blockSSZ},
		State: store.StateBlob{Root: sr, BlockRoot: br, SSZ: stateSSZ},
	}); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestDBCompactAndVerify(t *testing.T) {
	dir := t.TempDir()
	db := newTestStore(t, dir)

	// With the node (here: the test) holding the database, both refuse and say why.
	code, _, stderr := run(t, nil, "db", "compact", "--data-dir", dir)
	if code != exitFailure || !strings.Contains(stderr, "stop the node") {
		t.Fatalf("compact of an open database = %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = run(t, nil, "db", "verify", "--data-dir", dir)
	if code != exitFailure || !strings.Contains(stderr, "locked") {
		t.Fatalf("verify of an open database = %d, stderr:\n%s", code, stderr)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := run(t, nil, "db", "compact", "--data-dir", dir)
	if code != exitOK || !strings.Contains(stdout, "Compacted "+store.Path(dir)) {
		t.Fatalf("compact = %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, []string{"SALAMANDER_NODE_DATA_DIR=" + dir}, "db", "verify")
	if code != exitOK || !strings.Contains(stdout, ": ok: 1 blocks (1 canonical), 1 states") {
		t.Fatalf("verify after compact = %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
}

func TestDBUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"db"}, {"db", "shrink"}, {"db", "compact", "extra"}, {"db", "verify", "--no-such-flag"}} {
		if code, _, _ := run(t, nil, args...); code != exitUsage {
			t.Errorf("%q = %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, stderr := run(t, nil, "db", "compact", "--data-dir", t.TempDir()); code != exitFailure || !strings.Contains(stderr, "no database") {
		t.Errorf("compact of an empty directory = %d, stderr:\n%s", code, stderr)
	}
}
