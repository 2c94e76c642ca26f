// Package checkpointsync_test runs checkpoint sync end to end against a real Prysm devnet on loopback, started by
// ../shared/peers/prysm-devnet.sh with its own run directory and ports.
package checkpointsync_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/salamander-client/salamander/checkpointsync"
	"github.com/salamander-client/salamander/e2e/prysmdevnet"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

// finalityEnv gates the long test that waits for Prysm's first finalized epoch (10-15 minutes).
const finalityEnv = "SALAMANDER_E2E_PRYSM_FINALITY"

func TestCheckpointSyncFromPrysm(t *testing.T) {
	d := startDevnet(t)
	ctx := context.Background()

	// Before the first finality Prysm's finalized state is its genesis.
	anchor := syncAndCompare(t, ctx, d)
	if anchor.BlockSlot != 0 {
		t.Logf("Prysm finalized past genesis already: anchor at slot %d", anchor.BlockSlot)
	}

	t.Run("from files", func(t *testing.T) {
		dir := t.TempDir()
		statePath, blockPath := filepath.Join(dir, "state.ssz"), filepath.Join(dir, "block.ssz")
		writeDownload(t, d.API+"/eth/v2/debug/beacon/states/finalized", statePath)
		hdr := d.finalizedHeader(t)
		writeDownload(t, fmt.Sprintf("%s/eth/v2/beacon/blocks/%s", d.API, hdr.Root), blockPath)
		db := openStore(t, d.Spec)
		res, err := checkpointsync.Sync(ctx, db, checkpointsync.Source{StatePath: statePath, BlockPath: blockPath}, checkpointsync.Options{Spec: d.Spec})
		if err != nil {
			t.Fatalf("sync from files: %v", err)
		}
		if got := fmt.Sprintf("%#x", res.Anchor.BlockRoot); got != hdr.Root {
			t.Fatalf("anchor block %s, Prysm's finalized header %s", got, hdr.Root)
		}
	})

	t.Run("weak subjectivity", func(t *testing.T) {
		good := store.Checkpoint{Epoch: primitives.Epoch(uint64(anchor.StateSlot) / params.SlotsPerEpoch), Root: anchor.BlockRoot}
		if _, err := checkpointsync.Fetch(ctx, d.API, checkpointsync.Options{Spec: d.Spec, WeakSubjectivity: &good}); err != nil {
			t.Fatalf("the right checkpoint %#x:%d: %v", good.Root, good.Epoch, err)
		}
		bad := good
		bad.Root[0] ^= 0xff
		_, err := checkpointsync.Fetch(ctx, d.API, checkpointsync.Options{Spec: d.Spec, WeakSubjectivity: &bad})
		if !errors.Is(err, checkpointsync.ErrWeakSubjectivity) {
			t.Fatalf("a wrong checkpoint root: %v, want ErrWeakSubjectivity", err)
		}
		t.Logf("wrong root refused: %v", err)
	})

	t.Run("other network refused", func(t *testing.T) {
		// The datadir of another devnet made from the same config: same fork versions, another genesis.
		db := openStore(t, d.Spec)
		p := otherGenesisAnchor(t, d.Spec)
		if err := db.SetAnchor(p); err != nil {
			t.Fatal(err)
		}
		_, err := checkpointsync.Sync(ctx, db, checkpointsync.Source{URL: d.API}, checkpointsync.Options{Spec: d.Spec})
		if !errors.Is(err, store.ErrWrongNetwork) {
			t.Fatalf("sync into another network's datadir: %v, want ErrWrongNetwork", err)
		}
		t.Logf("refused: %v", err)
	})

	if os.Getenv(finalityEnv) == "" {
		t.Logf("set %s=1 to also wait for Prysm's first finalized epoch (10-15 minutes) and anchor on it", finalityEnv)
		return
	}
	t.Run("after finality", func(t *testing.T) {
		deadline := time.Now().Add(25 * time.Minute)
		for {
			if epoch := d.finalizedEpoch(t); epoch > 0 {
				t.Logf("Prysm finalized epoch %d", epoch)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no finality within 25 minutes; see %s/beacon.log", d.RunDir)
			}
			time.Sleep(6 * time.Second)
		}
		a := syncAndCompare(t, ctx, d)
		if a.StateSlot == 0 {
			t.Fatal("anchored on genesis although Prysm finalized an epoch")
		}
	})
}

// syncAndCompare checkpoint-syncs a fresh store from Prysm and checks the anchor against Prysm's finalized state
// root, reopens the store and checks the node would resume from it without downloading.
func syncAndCompare(t *testing.T, ctx context.Context, d *devnet) store.Anchor {
	t.Helper()
	for attempt := 0; ; attempt++ {
		before := d.finalizedEpoch(t)
		dir := t.TempDir()
		db, err := store.Open(dir, store.Options{Network: store.NetworkOf(d.Spec)})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res, err := checkpointsync.Sync(ctx, db, checkpointsync.Source{URL: d.API}, checkpointsync.Options{Spec: d.Spec})
		if err != nil {
			t.Fatalf("checkpoint sync from Prysm: %v", err)
		}
		took := time.Since(start)
		wantRoot := d.finalizedStateRoot(t)
		if d.finalizedEpoch(t) != before && attempt < 3 {
			_ = db.Close() // finality moved during the download: compare again on a fresh store
			continue
		}
		if got := fmt.Sprintf("%#x", res.Anchor.StateRoot); got != wantRoot {
			t.Fatalf("anchor state root %s, Prysm's finalized state root %s", got, wantRoot)
		}
		hdr := d.finalizedHeader(t)
		if got := fmt.Sprintf("%#x", res.Anchor.BlockRoot); got != hdr.Root {
			t.Fatalf("anchor block root %s, Prysm's finalized block %s", got, hdr.Root)
		}
		t.Logf("anchored on Prysm's finalized state %s (slot %d, epoch %d) and block %s in %s",
			wantRoot, res.Anchor.StateSlot, before, hdr.Root, took.Round(time.Millisecond))

		// Restart: the store resumes on its own, the configured URL is still checked to be the same network.
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db, err = store.Open(dir, store.Options{Network: store.NetworkOf(d.Spec)})
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		again, err := checkpointsync.Sync(ctx, db, checkpointsync.Source{URL: d.API}, checkpointsync.Options{Spec: d.Spec})
		if err != nil || !again.Resumed || again.Anchor != res.Anchor {
			t.Fatalf("restart: %+v %v, want the same anchor, resumed", again, err)
		}
		ch, err := db.LoadChain()
		if err != nil || ch.Head.Root != res.Anchor.BlockRoot {
			t.Fatalf("load chain after restart: %+v %v", ch, err)
		}
		rep, err := db.Verify(store.VerifyOptions{StateRoot: stateRoot, BlockRoot: blockRoot, AllStates: true})
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		_ = db.Close()
		t.Logf("store verified: %d block, %d state, head %#x at slot %d", rep.Blocks, rep.States, rep.Head.Root, rep.Head.Slot)
		return res.Anchor
	}
}

func stateRoot(ssz []byte) (primitives.Root, error) {
	var s types.BeaconState
	if err := types.Unmarshal(ssz, &s); err != nil {
		return primitives.Root{}, err
	}
	return types.HashTreeRootConcurrent(&s), nil
}

func blockRoot(ssz []byte) (primitives.Root, error) {
	var b types.SignedBeaconBlock
	if err := types.Unmarshal(ssz, &b); err != nil {
		return primitives.Root{}, err
	}
	return types.HashTreeRoot(b.Message), nil
}

// otherGenesisAnchor is a consistent Fulu genesis of the same config with another genesis validators root.
func otherGenesisAnchor(t *testing.T, spec *params.Spec) store.AnchorInput {
	t.Helper()
	body := &types.BeaconBlockBody{}
	st := &types.BeaconState{
		GenesisTime:           42,
		GenesisValidatorsRoot: primitives.Root{0x0e, 0x0e},
		Fork:                  &types.Fork{PreviousVersion: spec.ForkVersion(params.Fulu), CurrentVersion: spec.ForkVersion(params.Fulu)},
		LatestBlockHeader:     &types.BeaconBlockHeader{BodyRoot: types.HashTreeRoot(body)},
	}
	stSSZ, err := types.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	sr := primitives.Root(types.HashTreeRoot(st))
	blk := &types.SignedBeaconBlock{Message: &types.BeaconBlock{StateRoot: sr, Body: body}}
	blkSSZ, err := types.Marshal(blk)
	if err != nil {
		t.Fatal(err)
	}
	br := primitives.Root(types.HashTreeRoot(blk.Message))
	return store.AnchorInput{
		Block: store.BlockBlob{Root: br, SSZ: blkSSZ},
		State: store.StateBlob{Root: sr, BlockRoot: br, SSZ: stSSZ},
	}
}

func openStore(t *testing.T, spec *params.Spec) *store.DB {
	t.Helper()
	db, err := store.Open(t.TempDir(), store.Options{Network: store.NetworkOf(spec)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// devnet is a running Prysm devnet, with the finality queries of this test.
type devnet struct{ *prysmdevnet.Devnet }

// startDevnet brings up a fresh Prysm devnet and waits until its Beacon API serves the finalized header, which it
// does from genesis on.
func startDevnet(t *testing.T) *devnet {
	t.Helper()
	d := &devnet{prysmdevnet.Start(t)}
	var r struct{}
	deadline := time.Now().Add(3 * time.Minute)
	for d.GetJSON(t, "/eth/v1/beacon/headers/finalized", &r) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("Prysm's Beacon API at %s does not serve the finalized header", d.API)
		}
		time.Sleep(time.Second)
	}
	return d
}

func (d *devnet) finalizedEpoch(t *testing.T) uint64 {
	var r struct {
		Data struct {
			Finalized struct{ Epoch string } `json:"finalized"`
		} `json:"data"`
	}
	if code := d.GetJSON(t, "/eth/v1/beacon/states/head/finality_checkpoints", &r); code != http.StatusOK {
		t.Fatalf("finality_checkpoints: HTTP %d", code)
	}
	e, err := strconv.ParseUint(r.Data.Finalized.Epoch, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// finalizedStateRoot is Prysm's /eth/v1/beacon/states/finalized/root. Before the first finality Prysm answers it
// with an error (its finalized checkpoint root is zero), so then the genesis state root stands in for it.
func (d *devnet) finalizedStateRoot(t *testing.T) string {
	var r struct {
		Data struct{ Root string } `json:"data"`
	}
	if code := d.GetJSON(t, "/eth/v1/beacon/states/finalized/root", &r); code == http.StatusOK {
		return r.Data.Root
	}
	if d.finalizedEpoch(t) != 0 {
		t.Fatal("Prysm has no finalized state root although it finalized an epoch")
	}
	if code := d.GetJSON(t, "/eth/v1/beacon/states/genesis/root", &r); code != http.StatusOK {
		t.Fatalf("genesis state root: HTTP %d", code)
	}
	return r.Data.Root
}

type header struct {
	Root string
	Slot string
}

func (d *devnet) finalizedHeader(t *testing.T) header {
	var r struct {
		Data struct {
			Root   string
			Header struct {
				Message struct{ Slot string } `json:"message"`
			} `json:"header"`
		} `json:"data"`
	}
	if code := d.GetJSON(t, "/eth/v1/beacon/headers/finalized", &r); code != http.StatusOK {
		t.Fatalf("finalized header: HTTP %d", code)
	}
	return header{Root: r.Data.Root, Slot: r.Data.Header.Message.Slot}
}

func writeDownload(t *testing.T, url, path string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, resp.Body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d %v", url, resp.StatusCode, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
