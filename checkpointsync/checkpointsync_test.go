package checkpointsync_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salamander-client/salamander/checkpointsync"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

// testSpec is the compiled preset's config with every fork at genesis, like a devnet.
func testSpec(t *testing.T) *params.Spec {
	t.Helper()
	cfg := params.MainnetConfig().Clone()
	if params.PresetName == "minimal" {
		cfg = params.MinimalConfig().Clone()
	}
	cfg.ConfigName = "checkpoint-test"
	for f := range cfg.Forks {
		cfg.Forks[f].Epoch = 0
	}
	spec, err := params.NewSpec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

var testGVR = primitives.Root{0x11, 0x22}

// Slots the tests use, in epochs of the compiled preset.
var (
	epoch2 = primitives.Slot(2 * params.SlotsPerEpoch)
	epoch3 = primitives.Slot(3 * params.SlotsPerEpoch)
)

// pair is a state and its block, consistent unless a test breaks them.
type pair struct {
	state     *types.BeaconState
	block     *types.SignedBeaconBlock
	blockRoot primitives.Root
	stateRoot primitives.Root // of the block's post-state
}

// makePair builds the post-state of a block at blockSlot, advanced through empty slots to stateSlot.
func makePair(t *testing.T, spec *params.Spec, blockSlot, stateSlot primitives.Slot) pair {
	t.Helper()
	body := &types.BeaconBlockBody{Graffiti: primitives.Bytes32{0x5a}}
	state := &types.BeaconState{
		GenesisTime:           1_700_000_000,
		GenesisValidatorsRoot: testGVR,
		Slot:                  blockSlot,
		Fork:                  &types.Fork{PreviousVersion: spec.ForkVersion(params.Electra), CurrentVersion: spec.ForkVersion(params.Fulu)},
		LatestBlockHeader: &types.BeaconBlockHeader{
			Slot: blockSlot, ProposerIndex: 3, ParentRoot: primitives.Root{0x99}, BodyRoot: types.HashTreeRoot(body),
		},
	}
	postRoot := primitives.Root(types.HashTreeRoot(state))
	block := &types.SignedBeaconBlock{Message: &types.BeaconBlock{
		Slot: blockSlot, ProposerIndex: 3, ParentRoot: primitives.Root{0x99}, StateRoot: postRoot, Body: body,
	}}
	blockRoot := primitives.Root(types.HashTreeRoot(block.Message))
	// process_slots through the empty slots: record the roots, fill in the header's state root.
	for s := blockSlot; s < stateSlot; s++ {
		if s == blockSlot {
			state.StateRoots[uint64(s)%params.SlotsPerHistoricalRoot] = postRoot
			state.LatestBlockHeader.StateRoot = postRoot
		} else {
			state.StateRoots[uint64(s)%params.SlotsPerHistoricalRoot] = primitives.Root{0xee, byte(s)}
		}
		state.BlockRoots[uint64(s)%params.SlotsPerHistoricalRoot] = blockRoot
		state.Slot = s + 1
	}
	return pair{state: state, block: block, blockRoot: blockRoot, stateRoot: postRoot}
}

func (p pair) ssz(t *testing.T) (state, block []byte) {
	t.Helper()
	state, err := types.Marshal(p.state)
	if err != nil {
		t.Fatal(err)
	}
	block, err = types.Marshal(p.block)
	if err != nil {
		t.Fatal(err)
	}
	return state, block
}

func TestVerifyAcceptsAlignedAndAdvancedStates(t *testing.T) {
	spec := testSpec(t)
	for _, c := range []struct {
		name                 string
		blockSlot, stateSlot primitives.Slot
	}{
		{"state at its block's slot", epoch2, epoch2},
		{"state advanced to the epoch start", epoch2 - 3, epoch2},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := makePair(t, spec, c.blockSlot, c.stateSlot)
			stateSSZ, blockSSZ := p.ssz(t)
			a, err := checkpointsync.Verify(stateSSZ, blockSSZ, checkpointsync.Options{Spec: spec})
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if a.Block.Root != p.blockRoot || a.State.BlockRoot != p.blockRoot || a.State.Slot != c.stateSlot || a.GenesisValidatorsRoot != testGVR {
				t.Fatalf("anchor %+v", a)
			}
			// The store takes it as it is.
			db, err := store.Open(t.TempDir(), store.Options{Network: store.NetworkOf(spec)})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = db.Close() }()
			if err := db.SetAnchor(a.Input()); err != nil {
				t.Fatalf("store refused the verified anchor: %v", err)
			}
		})
	}
}

func TestVerifyNamesTheFailedCheck(t *testing.T) {
	spec := testSpec(t)
	otherGVR := primitives.Root{0x01}
	cases := []struct {
		name  string
		mess  func(p *pair)
		opts  checkpointsync.Options
		want  error
		words []string
	}{
		{"state root", func(p *pair) { p.block.Message.StateRoot = primitives.Root{0xba, 0xd0} }, checkpointsync.Options{},
			checkpointsync.ErrStateRootMismatch, []string{"state_root 0xbad0", "hash_tree_root(state)"}},
		{"other block", func(p *pair) { p.block.Message.ProposerIndex = 9 }, checkpointsync.Options{},
			checkpointsync.ErrBlockRootMismatch, []string{fmt.Sprintf("latest_block_header (slot %d)", epoch2)}},
		{"fork version", func(p *pair) { p.state.Fork.CurrentVersion = primitives.Version{0x0f, 0, 0, 0} }, checkpointsync.Options{},
			checkpointsync.ErrWrongFork, []string{"0x0f000000", fmt.Sprintf("%#x", spec.ForkVersion(params.Fulu)), "FULU_FORK_VERSION"}},
		{"previous fork version", func(p *pair) { p.state.Fork.PreviousVersion = primitives.Version{9, 9, 9, 9} }, checkpointsync.Options{},
			checkpointsync.ErrWrongFork, []string{"previous_version", "0x09090909"}},
		{"fork epoch", func(p *pair) { p.state.Fork.Epoch = 5 }, checkpointsync.Options{},
			checkpointsync.ErrWrongFork, []string{"FULU_FORK_EPOCH 0"}},
		{"genesis", func(*pair) {}, checkpointsync.Options{GenesisValidatorsRoot: &otherGVR},
			store.ErrWrongNetwork, []string{"genesis_validators_root", "0x1122"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := makePair(t, spec, epoch2, epoch2)
			c.mess(&p)
			stateSSZ, blockSSZ := p.ssz(t)
			c.opts.Spec = spec
			_, err := checkpointsync.Verify(stateSSZ, blockSSZ, c.opts)
			if !errors.Is(err, c.want) {
				t.Fatalf("verify: %v, want %v", err, c.want)
			}
			for _, w := range c.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}

	// A block whose header matches but whose state is another: the state root check fails.
	p := makePair(t, spec, epoch2, epoch2)
	p.state.Balances = []primitives.Gwei{1}
	stateSSZ, blockSSZ := p.ssz(t)
	if _, err := checkpointsync.Verify(stateSSZ, blockSSZ, checkpointsync.Options{Spec: spec}); !errors.Is(err, checkpointsync.ErrStateRootMismatch) {
		t.Fatalf("other state: %v, want ErrStateRootMismatch", err)
	}
	// An advanced state that recorded another root for its block's slot.
	p = makePair(t, spec, epoch2-3, epoch2)
	p.state.StateRoots[uint64(epoch2-3)%params.SlotsPerHistoricalRoot] = primitives.Root{0x01}
	stateSSZ, blockSSZ = p.ssz(t)
	if _, err := checkpointsync.Verify(stateSSZ, blockSSZ, checkpointsync.Options{Spec: spec}); !errors.Is(err, checkpointsync.ErrStateRootMismatch) {
		t.Fatalf("advanced state with another recorded root: %v, want ErrStateRootMismatch", err)
	}
	if _, err := checkpointsync.Verify(stateSSZ[:1000], blockSSZ, checkpointsync.Options{Spec: spec}); !errors.Is(err, checkpointsync.ErrDecode) {
		t.Fatalf("truncated state: %v, want ErrDecode", err)
	}
	if _, err := checkpointsync.Verify(stateSSZ, blockSSZ[:50], checkpointsync.Options{Spec: spec}); !errors.Is(err, checkpointsync.ErrDecode) {
		t.Fatalf("truncated block: %v, want ErrDecode", err)
	}
}

func TestWeakSubjectivityCheckpoint(t *testing.T) {
	spec := testSpec(t)
	p := makePair(t, spec, epoch3-1, epoch3) // the state of epoch 3's checkpoint, its block one slot before
	stateSSZ, blockSSZ := p.ssz(t)
	ancestor := primitives.Root{0xa0}
	p.state.BlockRoots[uint64(epoch2)%params.SlotsPerHistoricalRoot] = ancestor
	olderSSZ, _ := p.ssz(t)
	for _, c := range []struct {
		name  string
		state []byte
		ws    store.Checkpoint
		want  error
	}{
		{"the anchor itself", stateSSZ, store.Checkpoint{Epoch: 3, Root: p.blockRoot}, nil},
		{"an ancestor in the state's block roots", olderSSZ, store.Checkpoint{Epoch: 2, Root: ancestor}, nil},
		{"another root at the anchor's epoch", stateSSZ, store.Checkpoint{Epoch: 3, Root: primitives.Root{1}}, checkpointsync.ErrWeakSubjectivity},
		{"another ancestor", stateSSZ, store.Checkpoint{Epoch: 2, Root: ancestor}, checkpointsync.ErrWeakSubjectivity},
		{"a checkpoint after the anchor", stateSSZ, store.Checkpoint{Epoch: 9, Root: primitives.Root{1}}, checkpointsync.ErrWeakSubjectivity},
		{"the anchor block named for an earlier epoch", stateSSZ, store.Checkpoint{Epoch: 1, Root: p.blockRoot}, checkpointsync.ErrWeakSubjectivity},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := checkpointsync.Verify(c.state, blockSSZ, checkpointsync.Options{Spec: spec, WeakSubjectivity: &c.ws})
			if !errors.Is(err, c.want) && (c.want != nil || err != nil) {
				t.Fatalf("verify: %v, want %v", err, c.want)
			}
		})
	}
	// Too old: more than SLOTS_PER_HISTORICAL_ROOT behind the state.
	far := makePair(t, spec, primitives.Slot(params.SlotsPerHistoricalRoot)+epoch3, primitives.Slot(params.SlotsPerHistoricalRoot)+epoch3)
	farState, farBlock := far.ssz(t)
	ws := store.Checkpoint{Epoch: 1, Root: primitives.Root{1}}
	_, err := checkpointsync.Verify(farState, farBlock, checkpointsync.Options{Spec: spec, WeakSubjectivity: &ws})
	if !errors.Is(err, checkpointsync.ErrWeakSubjectivity) || !strings.Contains(err.Error(), "more recent checkpoint") {
		t.Fatalf("too old a checkpoint: %v", err)
	}
}

// beaconAPI serves a state and its block like a Beacon API; hooks let a test break it.
type beaconAPI struct {
	state, block []byte
	blockRoot    primitives.Root
	gvr          primitives.Root
	version      string
	statusState  int
}

func (b *beaconAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Accept") == "application/octet-stream" {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Eth-Consensus-Version", b.version)
	}
	switch r.URL.Path {
	case "/eth/v2/debug/beacon/states/finalized":
		if b.statusState != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(b.statusState)
			fmt.Fprint(w, `{"code":503,"message":"beacon node is syncing"}`)
			return
		}
		_, _ = w.Write(b.state)
	case fmt.Sprintf("/eth/v2/beacon/blocks/%#x", b.blockRoot):
		_, _ = w.Write(b.block)
	case "/eth/v1/beacon/genesis":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data":{"genesis_time":"1700000000","genesis_validators_root":"%#x","genesis_fork_version":"0x10000038"}}`, b.gvr)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"code":404,"message":"not found"}`)
	}
}

func TestFetchAndSync(t *testing.T) {
	spec := testSpec(t)
	p := makePair(t, spec, epoch2-3, epoch2)
	stateSSZ, blockSSZ := p.ssz(t)
	api := &beaconAPI{state: stateSSZ, block: blockSSZ, blockRoot: p.blockRoot, gvr: testGVR, version: "fulu"}
	srv := httptest.NewServer(api)
	defer srv.Close()
	ctx := context.Background()
	opts := checkpointsync.Options{Spec: spec}

	a, err := checkpointsync.Fetch(ctx, srv.URL, opts)
	if err != nil || a.Block.Root != p.blockRoot {
		t.Fatalf("fetch: %v", err)
	}

	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{Network: store.NetworkOf(spec)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	res, err := checkpointsync.Sync(ctx, db, checkpointsync.Source{URL: srv.URL}, opts)
	if err != nil || res.Resumed || res.Anchor.BlockRoot != p.blockRoot || res.Anchor.StateSlot != epoch2 {
		t.Fatalf("sync: %+v %v", res, err)
	}
	if got, err := db.State(res.Anchor.StateRoot); err != nil || string(got) != string(stateSSZ) {
		t.Fatalf("stored state: %v", err)
	}
	// Again: the database has a chain, the node resumes from it.
	res, err = checkpointsync.Sync(ctx, db, checkpointsync.Source{URL: srv.URL}, opts)
	if err != nil || !res.Resumed {
		t.Fatalf("second sync: %+v %v", res, err)
	}
	// A checkpoint URL of another network is refused even then.
	api.gvr = primitives.Root{0x77}
	if _, err := checkpointsync.Sync(ctx, db, checkpointsync.Source{URL: srv.URL}, opts); !errors.Is(err, store.ErrWrongNetwork) {
		t.Fatalf("sync against another network's node: %v, want ErrWrongNetwork", err)
	}
	api.gvr = testGVR

	// Server-side failures.
	api.statusState = http.StatusServiceUnavailable
	_, err = checkpointsync.Fetch(ctx, srv.URL, opts)
	if !errors.Is(err, checkpointsync.ErrSource) || !strings.Contains(err.Error(), "beacon node is syncing") {
		t.Fatalf("503: %v", err)
	}
	api.statusState = 0
	small := opts
	small.MaxStateBytes = 1000
	if _, err := checkpointsync.Fetch(ctx, srv.URL, small); !errors.Is(err, checkpointsync.ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	api.version = "electra"
	if _, err := checkpointsync.Fetch(ctx, srv.URL, opts); !errors.Is(err, checkpointsync.ErrWrongFork) {
		t.Fatalf("electra header: %v", err)
	}
	api.version = "fulu"
	api.blockRoot = primitives.Root{0x42} // the server does not have the state's block
	if _, err := checkpointsync.Fetch(ctx, srv.URL, opts); !errors.Is(err, checkpointsync.ErrSource) || !strings.Contains(err.Error(), "404") {
		t.Fatalf("missing block: %v", err)
	}
	if _, err := checkpointsync.Fetch(ctx, "ftp://example", opts); !errors.Is(err, checkpointsync.ErrSource) {
		t.Fatalf("bad URL: %v", err)
	}
}

func TestSyncFromFiles(t *testing.T) {
	spec := testSpec(t)
	p := makePair(t, spec, epoch2, epoch2)
	stateSSZ, blockSSZ := p.ssz(t)
	dir := t.TempDir()
	statePath, blockPath := filepath.Join(dir, "state.ssz"), filepath.Join(dir, "block.ssz")
	if err := os.WriteFile(statePath, stateSSZ, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blockPath, blockSSZ, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(dir, "data"), store.Options{Network: store.NetworkOf(spec)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	opts := checkpointsync.Options{Spec: spec}
	if _, err := checkpointsync.Sync(context.Background(), db, checkpointsync.Source{StatePath: statePath, BlockPath: filepath.Join(dir, "missing")}, opts); !errors.Is(err, checkpointsync.ErrSource) {
		t.Fatalf("missing file: %v, want ErrSource", err)
	}
	if _, err := checkpointsync.Sync(context.Background(), db, checkpointsync.Source{}, opts); !errors.Is(err, checkpointsync.ErrNoSource) {
		t.Fatalf("no source: %v, want ErrNoSource", err)
	}
	res, err := checkpointsync.Sync(context.Background(), db, checkpointsync.Source{StatePath: statePath, BlockPath: blockPath}, opts)
	if err != nil || res.Anchor.BlockRoot != p.blockRoot {
		t.Fatalf("sync from files: %+v %v", res, err)
	}
	id, ok, err := db.Identity()
	if err != nil || !ok || id.GenesisValidatorsRoot != testGVR || id.FuluForkVersion != spec.ForkVersion(params.Fulu) {
		t.Fatalf("identity after sync: %+v %v %v", id, ok, err)
	}
}
