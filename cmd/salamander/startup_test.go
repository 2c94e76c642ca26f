package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/salamander-client/salamander/checkpointsync"
	"github.com/salamander-client/salamander/config"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/supervisor"
	"github.com/salamander-client/salamander/types"
)

// syncBuffer is a bytes.Buffer safe for the node's logger and the test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logEntry is one JSON log line.
type logEntry map[string]any

func (e logEntry) msg() string { s, _ := e["msg"].(string); return s }

// str is attribute key as text; numbers as JSON writes them.
func (e logEntry) str(key string) string {
	switch v := e[key].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// entries parses JSON log lines.
func entries(logs string) []logEntry {
	var out []logEntry
	scanner := bufio.NewScanner(strings.NewReader(logs))
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		var e logEntry
		dec := json.NewDecoder(bytes.NewReader(scanner.Bytes()))
		dec.UseNumber() // slots as written, not as floats
		if dec.Decode(&e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// find returns the first log line with message msg.
func find(logs, msg string) (logEntry, bool) {
	for _, e := range entries(logs) {
		if e.msg() == msg {
			return e, true
		}
	}
	return nil, false
}

// runningNode is a command running in-process in the background.
type runningNode struct {
	t       *testing.T
	signals chan os.Signal
	stderr  *syncBuffer
	code    chan int
}

// startCommand runs the command line in the background, with JSON logs, without a debug server and with the
// network on free loopback ports.
func startCommand(t *testing.T, args ...string) *runningNode {
	t.Helper()
	r := &runningNode{t: t, signals: make(chan os.Signal, 2), stderr: &syncBuffer{}, code: make(chan int, 1)}
	a := app{stdout: &bytes.Buffer{}, stderr: r.stderr, signals: r.signals}
	args = append(args, "--log-format", "json", "--debug-listen", "")
	for _, flag := range []string{"--p2p-listen-tcp", "--p2p-listen-udp"} {
		if !slices.Contains(args, flag) {
			args = append(args, flag, "127.0.0.1:0")
		}
	}
	go func() { r.code <- a.main(args) }()
	return r
}

// waitFor waits for a log line with message msg and returns it; the command must not end first.
func (r *runningNode) waitFor(msg string) logEntry {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if e, ok := find(r.stderr.String(), msg); ok {
			return e
		}
		select {
		case code := <-r.code:
			r.t.Fatalf("exited %d before logging %q:\n%s", code, msg, r.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	r.t.Fatalf("no %q within 30s:\n%s", msg, r.stderr)
	return nil
}

// wait returns the command's exit code.
func (r *runningNode) wait() int {
	r.t.Helper()
	select {
	case code := <-r.code:
		return code
	case <-time.After(30 * time.Second):
		r.t.Fatalf("did not exit within 30s:\n%s", r.stderr)
		return -1
	}
}

// runUntilRunning runs a node until it logs "Node running", stops it with SIGINT and returns its logs.
func runUntilRunning(t *testing.T, args ...string) string {
	t.Helper()
	r := startCommand(t, args...)
	r.waitFor("Node running")
	r.signals <- os.Interrupt
	if code := r.wait(); code != exitOK {
		t.Fatalf("exit %d after SIGINT, want 0:\n%s", code, r.stderr)
	}
	return r.stderr.String()
}

// runToEnd runs a command that must end by itself and returns its exit code and logs.
func runToEnd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	r := startCommand(t, args...)
	code := r.wait()
	return code, r.stderr.String()
}

// testChain is the chain a test node follows: mainnet's built-in config with the mainnet preset, as a real node
// would; with the minimal preset, a devnet config file with every fork at genesis.
type testChain struct {
	spec *params.Spec
	args []string // the flags that select it
}

func newTestChain(t *testing.T) testChain {
	t.Helper()
	if params.PresetName == "mainnet" {
		spec, err := params.NewSpec(params.MainnetConfig())
		if err != nil {
			t.Fatal(err)
		}
		return testChain{spec: spec, args: []string{"--network", "mainnet"}}
	}
	return chainFromFile(t, "SECONDS_PER_SLOT: 6\n")
}

// chainFromFile is a devnet whose chain config file has every fork at genesis, and extra's keys.
func chainFromFile(t *testing.T, extra string) testChain {
	t.Helper()
	yaml := "PRESET_BASE: '" + params.PresetName + "'\nCONFIG_NAME: 'startup-test'\n" +
		"ALTAIR_FORK_EPOCH: 0\nBELLATRIX_FORK_EPOCH: 0\nCAPELLA_FORK_EPOCH: 0\nDENEB_FORK_EPOCH: 0\n" +
		"ELECTRA_FORK_EPOCH: 0\nFULU_FORK_EPOCH: 0\n" + extra
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := params.LoadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := params.NewSpec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return testChain{spec: spec, args: []string{"--network", "devnet", "--chain-config", path}}
}

// checkpoint is a finalized state at an epoch boundary and its block three slots earlier, as a Beacon API serves
// them: the post-state of the block, advanced through empty slots.
type checkpoint struct {
	state     *types.BeaconState
	block     *types.SignedBeaconBlock
	blockRoot primitives.Root // the root the state's latest block header names
	stateRoot primitives.Root // of the state at its own slot
	epoch     primitives.Epoch
}

const testGenesisTime = 1_606_824_023

func makeCheckpoint(t *testing.T, spec *params.Spec) checkpoint {
	t.Helper()
	epoch := spec.ForkEpoch(params.Fulu) + 2
	stateSlot := primitives.Slot(uint64(epoch) * params.SlotsPerEpoch)
	blockSlot := stateSlot - 3
	body := &types.BeaconBlockBody{Graffiti: primitives.Bytes32{'s', 'a', 'l'}}
	state := &types.BeaconState{
		GenesisTime:           testGenesisTime,
		GenesisValidatorsRoot: primitives.Root{0x4b, 0x36},
		Slot:                  blockSlot,
		Fork: &types.Fork{PreviousVersion: spec.ForkVersion(params.Electra), CurrentVersion: spec.ForkVersion(params.Fulu),
			Epoch: spec.ForkEpoch(params.Fulu)},
		LatestBlockHeader: &types.BeaconBlockHeader{Slot: blockSlot, ProposerIndex: 7, ParentRoot: primitives.Root{0x99},
			BodyRoot: types.HashTreeRoot(body)},
	}
	postRoot := primitives.Root(types.HashTreeRoot(state))
	block := &types.SignedBeaconBlock{Message: &types.BeaconBlock{
		Slot: blockSlot, ProposerIndex: 7, ParentRoot: primitives.Root{0x99}, StateRoot: postRoot, Body: body,
	}}
	blockRoot := primitives.Root(types.HashTreeRoot(block.Message))
	// process_slots through the empty slots: each records the previous state root and the block root.
	state.LatestBlockHeader.StateRoot = postRoot
	for s := blockSlot; s < stateSlot; s++ {
		root := postRoot
		if s != blockSlot {
			root = types.HashTreeRoot(state)
		}
		state.StateRoots[uint64(s)%params.SlotsPerHistoricalRoot] = root
		state.BlockRoots[uint64(s)%params.SlotsPerHistoricalRoot] = blockRoot
		state.Slot = s + 1
	}
	return checkpoint{state: state, block: block, blockRoot: blockRoot, stateRoot: types.HashTreeRoot(state), epoch: epoch}
}

// beaconAPI serves a checkpoint like a Beacon API and counts the requests it gets.
type beaconAPI struct {
	t                  *testing.T
	stateSSZ, blockSSZ []byte
	blockPath          string
	requests           atomic.Int32
}

func newBeaconAPI(t *testing.T, cp checkpoint) (*beaconAPI, *httptest.Server) {
	t.Helper()
	api := &beaconAPI{t: t}
	var err error
	if api.stateSSZ, err = types.Marshal(cp.state); err != nil {
		t.Fatal(err)
	}
	if api.blockSSZ, err = types.Marshal(cp.block); err != nil {
		t.Fatal(err)
	}
	// The block is served under the root the state names, as a real node finds it.
	header := *cp.state.LatestBlockHeader
	api.blockPath = fmt.Sprintf("/eth/v2/beacon/blocks/%#x", types.HashTreeRoot(&header))
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return api, srv
}

func (b *beaconAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.requests.Add(1)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Eth-Consensus-Version", "fulu")
	switch r.URL.Path {
	case "/eth/v2/debug/beacon/states/finalized":
		_, _ = w.Write(b.stateSSZ)
	case b.blockPath:
		_, _ = w.Write(b.blockSSZ)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"code":404,"message":"not found"}`)
	}
}

func TestRunCheckpointSyncsThenResumesWithoutDownloading(t *testing.T) {
	chain := newTestChain(t)
	cp := makeCheckpoint(t, chain.spec)
	api, srv := newBeaconAPI(t, cp)
	dataDir := filepath.Join(t.TempDir(), "data")
	args := append([]string{"run", "--data-dir", dataDir, "--checkpoint-sync-url", srv.URL,
		"--weak-subjectivity-checkpoint", fmt.Sprintf("%#x:%d", cp.blockRoot, cp.epoch)}, chain.args...)

	logs := runFollowing(t, cp, args...)
	if e, ok := find(logs, "Checkpoint sync"); !ok || e.str("source") != srv.URL {
		t.Errorf("no Checkpoint sync line naming the URL %s:\n%s", srv.URL, logs)
	}
	if e, ok := find(logs, "Checkpoint sync: downloading the finalized state"); !ok || e.str("url") != srv.URL {
		t.Errorf("no download line naming the URL:\n%s", logs)
	}
	stateSlot := fmt.Sprint(cp.state.Slot)
	verified, ok := find(logs, "Checkpoint sync: verified")
	if !ok || verified.str("slot") != stateSlot || verified.str("state_root") != fmt.Sprintf("%#x", cp.stateRoot) ||
		verified.str("block_root") != fmt.Sprintf("%#x", cp.blockRoot) {
		t.Errorf("verified line %v, want slot %s, state_root %#x, block_root %#x", verified, stateSlot, cp.stateRoot, cp.blockRoot)
	}
	if e, ok := find(logs, "Checkpoint sync complete"); !ok || e.str("slot") != stateSlot {
		t.Errorf("no completion line at slot %s:\n%s", stateSlot, logs)
	}
	// The clock runs on the checkpoint's genesis and the chain config's slot time.
	tree, ok := find(logs, "Starting the supervision tree")
	if want := time.Unix(testGenesisTime, 0).UTC().Format(time.RFC3339); !ok || tree.str("genesis_time") != want ||
		tree.str("seconds_per_slot") != fmt.Sprint(chain.spec.SecondsPerSlot) {
		t.Errorf("tree started with %v, want genesis %s and %d s slots", tree, want, chain.spec.SecondsPerSlot)
	}
	if got := api.requests.Load(); got != 2 {
		t.Errorf("checkpoint sync made %d requests, want 2 (the state and its block)", got)
	}

	// The database now holds the chain: a second start resumes from it and asks the server nothing.
	logs = runFollowing(t, cp, args...)
	resume, ok := find(logs, "Resuming from database")
	if !ok || resume.str("head_root") != fmt.Sprintf("%#x", cp.blockRoot) || resume.str("head_slot") != fmt.Sprint(cp.block.Message.Slot) ||
		resume.str("finalized_epoch") != fmt.Sprint(cp.epoch) {
		t.Errorf("resume line %v, want head %#x at slot %d and finalized epoch %d", resume, cp.blockRoot, cp.block.Message.Slot, cp.epoch)
	}
	if _, ok := find(logs, "Checkpoint sync"); ok {
		t.Errorf("checkpoint synced again:\n%s", logs)
	}
	if got := api.requests.Load(); got != 2 {
		t.Errorf("the resumed node made %d more requests, want none", got-2)
	}
}

// runFollowing runs a node anchored on the checkpoint cp until it runs and fork choice has built its store, then
// stops it and returns its logs. The checkpoint state is past its block (empty slots before the epoch), as a real
// checkpoint's usually is: fork choice must start from it (get_forkchoice_store: the anchor block as head, the
// checkpoint at the state's epoch justified and finalized), and no actor may fail on it.
func runFollowing(t *testing.T, cp checkpoint, args ...string) string {
	t.Helper()
	r := startCommand(t, args...)
	r.waitFor("Node running")
	built := r.waitFor("Built the store")
	r.signals <- os.Interrupt
	if code := r.wait(); code != exitOK {
		t.Fatalf("exit %d after SIGINT, want 0:\n%s", code, r.stderr)
	}
	logs := r.stderr.String()
	epoch := fmt.Sprint(cp.epoch)
	if built.str("actor") != "forkchoice" || built.str("head") != fmt.Sprintf("%#x", cp.blockRoot) ||
		built.str("slot") != fmt.Sprint(cp.block.Message.Slot) || built.str("justified") != epoch || built.str("finalized") != epoch {
		t.Errorf("fork choice built %v, want head %#x at slot %d, justified and finalized epoch %s", built, cp.blockRoot,
			cp.block.Message.Slot, epoch)
	}
	for _, e := range entries(logs) {
		if e.str("level") == "ERROR" || e.msg() == "Restarting actor" {
			t.Errorf("following from the checkpoint: %v", e)
		}
	}
	return logs
}

func TestRunCheckpointSyncFailuresNameTheCheck(t *testing.T) {
	chain := newTestChain(t)
	for _, c := range []struct {
		name  string
		mess  func(cp *checkpoint)
		ws    func(cp checkpoint) string
		msg   string
		check string
		words []string
	}{
		{
			name:  "wrong state root",
			mess:  func(cp *checkpoint) { cp.block.Message.StateRoot = primitives.Root{0xba, 0xd0} },
			msg:   "Checkpoint sync failed: state root check",
			check: "state root",
			words: []string{"state_root 0xbad0"},
		},
		{
			name:  "wrong fork version",
			mess:  func(cp *checkpoint) { cp.state.Fork.CurrentVersion = primitives.Version{0x0f, 0, 0, 0x01} },
			msg:   "Checkpoint sync failed: fork check",
			check: "fork",
			words: []string{"0x0f000001", "FULU_FORK_VERSION"},
		},
		{
			name:  "wrong weak subjectivity root",
			ws:    func(cp checkpoint) string { return fmt.Sprintf("0x%064x:%d", 0xabc, cp.epoch) },
			msg:   "Checkpoint sync failed: weak subjectivity checkpoint check",
			check: "weak subjectivity checkpoint",
			words: []string{"0x0000000000000000000000000000000000000000000000000000000000000abc"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			cp := makeCheckpoint(t, chain.spec)
			if c.mess != nil {
				c.mess(&cp)
			}
			_, srv := newBeaconAPI(t, cp)
			dataDir := t.TempDir()
			args := append([]string{"run", "--data-dir", dataDir, "--checkpoint-sync-url", srv.URL}, chain.args...)
			if c.ws != nil {
				args = append(args, "--weak-subjectivity-checkpoint", c.ws(cp))
			}
			code, logs := runToEnd(t, args...)
			if code != exitFailure {
				t.Fatalf("exit %d, want 1:\n%s", code, logs)
			}
			e, ok := find(logs, c.msg)
			if !ok || e.str("check") != c.check {
				t.Fatalf("no %q line with check %q:\n%s", c.msg, c.check, logs)
			}
			for _, w := range c.words {
				if !strings.Contains(e.str("err"), w) {
					t.Errorf("error %q does not mention %q", e.str("err"), w)
				}
			}
			if _, ok := find(logs, "Starting the supervision tree"); ok {
				t.Errorf("the tree started after a failed checkpoint sync:\n%s", logs)
			}
			// Nothing was written: the database is still empty.
			db, err := store.Open(dataDir, store.Options{Network: store.NetworkOf(chain.spec)})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = db.Close() }()
			if _, err := db.Anchor(); !errors.Is(err, store.ErrNoAnchor) {
				t.Errorf("database after a failed checkpoint sync: %v, want ErrNoAnchor", err)
			}
		})
	}
}

func TestRunFromGenesisStateWithChainConfig(t *testing.T) {
	chain := chainFromFile(t, "SECONDS_PER_SLOT: 3\n")
	fulu := chain.spec.ForkVersion(params.Fulu)
	genesis := &types.BeaconState{
		GenesisTime:           1_750_000_000,
		GenesisValidatorsRoot: primitives.Root{0x9e},
		Fork:                  &types.Fork{PreviousVersion: fulu, CurrentVersion: fulu},
		LatestBlockHeader:     &types.BeaconBlockHeader{BodyRoot: types.HashTreeRoot(&types.BeaconBlockBody{})},
	}
	genesisSSZ, err := types.Marshal(genesis)
	if err != nil {
		t.Fatal(err)
	}
	genesisPath := filepath.Join(t.TempDir(), "genesis.ssz")
	if err := os.WriteFile(genesisPath, genesisSSZ, 0o600); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	args := append([]string{"run", "--data-dir", dataDir, "--genesis-state", genesisPath}, chain.args...)

	logs := runUntilRunning(t, args...)
	if _, ok := find(logs, "Start from the genesis state complete"); !ok {
		t.Errorf("no genesis start line:\n%s", logs)
	}
	tree, _ := find(logs, "Starting the supervision tree")
	if tree.str("genesis_time") != time.Unix(1_750_000_000, 0).UTC().Format(time.RFC3339) || tree.str("seconds_per_slot") != "3" {
		t.Errorf("tree started with %v, want the genesis state's time and the config file's 3 s slots", tree)
	}
	if start, _ := find(logs, "Starting Salamander"); start.str("chain") != "startup-test" {
		t.Errorf("start line %v, want the config file's CONFIG_NAME", start)
	}
	// It follows the chain: blocksync runs on the store, optimistically since no execution client is configured.
	if e, ok := find(logs, optimisticWarning); !ok || e.str("level") != "WARN" {
		t.Errorf("no warning that the node follows the chain optimistically:\n%s", logs)
	}
	withChain := false
	for _, e := range entries(logs) {
		withChain = withChain || (e.msg() == "Started" && e.str("actor") == "blocksync" && e.str("head") != "")
	}
	if !withChain {
		t.Errorf("blocksync did not start on the chain:\n%s", logs)
	}
	// The network runs on the chain's digest: the config's Fulu fork and the genesis validators root.
	epoch := primitives.Epoch(uint64(time.Since(time.Unix(int64(genesis.GenesisTime), 0))/chain.spec.SlotDuration) / params.SlotsPerEpoch)
	wantDigest := fmt.Sprintf("%#x", chain.spec.ComputeForkDigest(genesis.GenesisValidatorsRoot, epoch))
	joining, _ := find(logs, "Joining the network")
	network, _ := find(logs, "Network running")
	peerID := network.str("peer_id")
	if joining.str("genesis_validators_root") != fmt.Sprintf("%#x", genesis.GenesisValidatorsRoot) ||
		network.str("fork_digest") != wantDigest || peerID == "" || !strings.HasPrefix(network.str("enr"), "enr:") {
		t.Errorf("network %v %v, want it on digest %s with an ENR:\n%s", joining, network, wantDigest, logs)
	}
	logs = runUntilRunning(t, args...)
	if _, ok := find(logs, "Resuming from database"); !ok {
		t.Errorf("second start did not resume:\n%s", logs)
	}
	// The node key lives in the data directory: the second start has the same peer ID.
	if network, _ := find(logs, "Network running"); network.str("peer_id") != peerID {
		t.Errorf("second start has peer id %q, the first had %q", network.str("peer_id"), peerID)
	}
}

func TestRunRefusesAnEmptyDatabaseWithoutStartState(t *testing.T) {
	chain := newTestChain(t)
	code, logs := runToEnd(t, append([]string{"run", "--data-dir", t.TempDir()}, chain.args...)...)
	if code != exitFailure {
		t.Fatalf("exit %d, want 1:\n%s", code, logs)
	}
	if _, ok := find(logs, "Database is empty and no start state is configured: set [sync] checkpoint_sync_url, "+
		"[sync] checkpoint_state and checkpoint_block, or [node] genesis_state"); !ok {
		t.Errorf("logs lack the reason:\n%s", logs)
	}
}

// A database the node cannot use stops start-up at once, with exit code 1 and the cause, before the tree starts.
func TestRunRefusesAnUnusableDatabase(t *testing.T) {
	chain := newTestChain(t)

	t.Run("locked by another process", func(t *testing.T) {
		dataDir := t.TempDir()
		db, err := store.Open(dataDir, store.Options{Network: store.NetworkOf(chain.spec)})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = db.Close() }()
		expectStartRefused(t, "Database is locked by another process", "another salamander",
			append([]string{"run", "--data-dir", dataDir}, chain.args...)...)
	})

	t.Run("another network's", func(t *testing.T) {
		other := chainFromFile(t, "FULU_FORK_VERSION: 0x70000099\n")
		dataDir := t.TempDir()
		db, err := store.Open(dataDir, store.Options{Network: store.NetworkOf(other.spec)})
		if err != nil {
			t.Fatal(err)
		}
		_, srv := newBeaconAPI(t, makeCheckpoint(t, other.spec))
		if _, err := checkpointsync.Sync(context.Background(), db, checkpointsync.Source{URL: srv.URL}, checkpointsync.Options{Spec: other.spec}); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		expectStartRefused(t, "Data directory belongs to another network", "FULU_FORK_VERSION",
			append([]string{"run", "--data-dir", dataDir}, chain.args...)...)
	})

	t.Run("read-only", func(t *testing.T) {
		dir := readOnlyDir(t)
		expectStartRefused(t, "Database location is not writable", filepath.Join(dir, "data"),
			append([]string{"run", "--data-dir", filepath.Join(dir, "data")}, chain.args...)...)
	})
}

// expectStartRefused runs args and checks that the node exits 1 with msg, whose error mentions word, without
// starting the tree.
func expectStartRefused(t *testing.T, msg, word string, args ...string) {
	t.Helper()
	code, logs := runToEnd(t, args...)
	if code != exitFailure {
		t.Fatalf("exit %d, want 1:\n%s", code, logs)
	}
	e, ok := find(logs, msg)
	if !ok || e.str("data_dir") == "" || !strings.Contains(e.str("err"), word) {
		t.Fatalf("no %q line with the data directory and an error mentioning %q:\n%s", msg, word, logs)
	}
	for _, unwanted := range []string{"Starting the supervision tree", "Restarting actor"} {
		if _, ok := find(logs, unwanted); ok {
			t.Errorf("logged %q: the tree must not start:\n%s", unwanted, logs)
		}
	}
}

// If the database becomes unusable between start-up's check and the store actor's open (here: another process
// takes its lock), the store fails fatally: the node stops at once, without restarting it, and names the cause.
func TestRunStopsWhenTheStoreCannotOpenInTheTree(t *testing.T) {
	chain := newTestChain(t)
	dataDir := t.TempDir()
	args := append([]string{"--data-dir", dataDir, "--log-format", "json", "--debug-listen", ""}, chain.args...)
	fs := (app{stderr: &bytes.Buffer{}}).newFlagSet("run", "")
	cfg := loadTestConfig(t, fs, args)

	var logs syncBuffer
	a := app{stdout: &bytes.Buffer{}, stderr: &logs, signals: make(chan os.Signal)}
	var thief *store.DB
	defer func() {
		if thief != nil {
			_ = thief.Close()
		}
	}()
	start := func(opts supervisor.Options) (node, error) {
		var err error
		if thief, err = store.Open(dataDir, store.Options{Network: opts.Store.Options.Network}); err != nil {
			t.Errorf("taking the lock: %v", err)
		}
		return startSupervisor(opts)
	}
	code := a.runNode(cfg, launch{devGenesis: time.Now(), start: start})
	if code != exitFailure {
		t.Fatalf("exit %d, want 1:\n%s", code, logs.String())
	}
	e, ok := find(logs.String(), "Database is locked by another process")
	if !ok || e.str("data_dir") != dataDir {
		t.Fatalf("logs lack the cause with the data directory:\n%s", logs.String())
	}
	if _, ok := find(logs.String(), "Restarting actor"); ok {
		t.Errorf("the store was restarted after a fatal failure:\n%s", logs.String())
	}
}

// loadTestConfig loads the configuration run would from args.
func loadTestConfig(t *testing.T, fs *pflag.FlagSet, args []string) config.Config {
	t.Helper()
	config.AddFlags(fs, nil)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Sources{Flags: fs})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// A signal during a checkpoint download abandons it: the node exits cleanly, without writing anything.
func TestRunInterruptedDuringCheckpointSync(t *testing.T) {
	chain := newTestChain(t)
	requested := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requested <- struct{}{}
		<-r.Context().Done() // a download that never ends
	}))
	t.Cleanup(srv.Close)
	dataDir := t.TempDir()
	r := startCommand(t, append([]string{"run", "--data-dir", dataDir, "--checkpoint-sync-url", srv.URL}, chain.args...)...)
	select {
	case <-requested:
	case <-time.After(30 * time.Second):
		t.Fatalf("no download started:\n%s", r.stderr)
	}
	r.signals <- os.Interrupt
	if code := r.wait(); code != exitOK {
		t.Fatalf("exit %d after SIGINT during checkpoint sync, want 0:\n%s", code, r.stderr)
	}
	logs := r.stderr.String()
	for _, want := range []string{"Shutting down before the node started", "Shutdown complete"} {
		if _, ok := find(logs, want); !ok {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if _, ok := find(logs, "Checkpoint sync failed"); ok {
		t.Errorf("an interrupted download was logged as a failure:\n%s", logs)
	}
}
