package store_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/store/internal/synth"
)

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// A far slot: keys there sort after every real one, so that every walk to the end of an index meets them.
const farSlot = 1 << 40

// storeCall is one operation that reads keys, run against a database with a planted bad key.
type storeCall struct {
	name string
	run  func(db *store.DB, anchor store.Anchor) error
}

var (
	callCanonicalRoot = storeCall{"CanonicalRoot", func(db *store.DB, _ store.Anchor) error {
		_, err := db.CanonicalRoot(farSlot)
		return err
	}}
	callCanonicalBlocks = storeCall{"CanonicalBlocks", func(db *store.DB, _ store.Anchor) error {
		_, err := db.CanonicalBlocks(0, math.MaxUint64, math.MaxUint64)
		return err
	}}
	callBlockSummaries = storeCall{"BlockSummaries", func(db *store.DB, _ store.Anchor) error {
		_, err := db.BlockSummaries(0, math.MaxUint64)
		return err
	}}
	callStatesAtSlots = storeCall{"StatesAtSlots", func(db *store.DB, _ store.Anchor) error {
		_, err := db.StatesAtSlots(0, math.MaxUint64)
		return err
	}}
	callLatestStateOfBlock = storeCall{"LatestStateOfBlock", func(db *store.DB, a store.Anchor) error {
		_, _, err := db.LatestStateOfBlock(a.BlockRoot, math.MaxUint64)
		return err
	}}
	callLoadChain = storeCall{"LoadChain", func(db *store.DB, _ store.Anchor) error {
		_, err := db.LoadChain()
		return err
	}}
	callPrune = storeCall{"Prune", func(db *store.DB, _ store.Anchor) error {
		_, err := db.Prune()
		return err
	}}
	callVerify = storeCall{"Verify", func(db *store.DB, _ store.Anchor) error {
		_, err := db.Verify(store.VerifyOptions{})
		return err
	}}
	allCalls = []storeCall{callCanonicalRoot, callCanonicalBlocks, callBlockSummaries, callStatesAtSlots,
		callLatestStateOfBlock, callLoadChain, callPrune, callVerify}
)

// TestBadKeysAreCorruptNotPanics plants one key or index entry of the wrong length (or naming nothing) at a time
// in a database, with bbolt directly: every Reader call, Prune and Verify that meets it must report ErrCorrupt
// naming the bucket and the key, and none may panic; the calls that do not read it keep working.
func TestBadKeysAreCorruptNotPanics(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bucket string
		// key and value build the planted record from the database's anchor.
		key, value func(anchor store.Anchor) []byte
		fail       []storeCall
	}{
		{
			name: "canonical key of 7 bytes", bucket: "canonical",
			key:   func(store.Anchor) []byte { return []byte{0, 0, 0, 0, 0, 0, 1} },
			value: func(a store.Anchor) []byte { return a.BlockRoot[:] },
			fail:  []storeCall{callCanonicalBlocks, callVerify},
		},
		{
			name: "canonical entry of 3 bytes", bucket: "canonical",
			key:   func(store.Anchor) []byte { return be64(farSlot) },
			value: func(store.Anchor) []byte { return []byte{1, 2, 3} },
			fail:  []storeCall{callCanonicalRoot, callCanonicalBlocks, callVerify},
		},
		{
			name: "block slot index key of 5 bytes", bucket: "blocks_by_slot",
			key:  func(store.Anchor) []byte { return []byte{0, 0, 0, 0, 1} },
			fail: []storeCall{callBlockSummaries, callLoadChain, callPrune, callVerify},
		},
		{
			name: "block slot index key of 43 bytes", bucket: "blocks_by_slot",
			key:  func(a store.Anchor) []byte { return append(append(be64(farSlot), a.BlockRoot[:]...), 1, 2, 3) },
			fail: []storeCall{callBlockSummaries, callLoadChain, callPrune, callVerify},
		},
		{
			name: "state slot index key of 7 bytes", bucket: "states_by_slot",
			key:  func(store.Anchor) []byte { return []byte{0, 0, 0, 0, 0, 0, 1} },
			fail: []storeCall{callStatesAtSlots, callPrune, callVerify},
		},
		{
			name: "state slot index entry of a missing state", bucket: "states_by_slot",
			key:  func(store.Anchor) []byte { return append(be64(farSlot), bytes.Repeat([]byte{0xee}, 32)...) },
			fail: []storeCall{callStatesAtSlots, callPrune, callVerify},
		},
		{
			name: "state block index key of 45 bytes", bucket: "states_by_block",
			key:  func(a store.Anchor) []byte { return append(append(a.BlockRoot[:], be64(0)...), 1, 2, 3, 4, 5) },
			fail: []storeCall{callLatestStateOfBlock, callVerify},
		},
		{
			name: "block blob key of 1 byte", bucket: "blocks",
			key:  func(store.Anchor) []byte { return []byte{1} },
			fail: []storeCall{callVerify},
		},
		{
			name: "state blob key of a missing state", bucket: "states",
			key:  func(store.Anchor) []byte { return bytes.Repeat([]byte{0xee}, 32) },
			fail: []storeCall{callVerify},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := openTest(t, dir, store.Options{})
			importBlocks(t, db, synth.New(testConfig(11)), 3*int(params.SlotsPerEpoch))
			anchor, err := db.Anchor()
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range allCalls {
				if err := c.run(db, anchor); err != nil && !(c.name == "CanonicalRoot" && errors.Is(err, store.ErrNotFound)) {
					t.Fatalf("%s on the sound database: %v", c.name, err)
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			key := tc.key(anchor)
			var value []byte
			if tc.value != nil {
				value = tc.value(anchor)
			}
			plant(t, dir, tc.bucket, key, value)

			db = openTest(t, dir, store.Options{})
			for _, c := range allCalls {
				err := c.run(db, anchor)
				if !slices.ContainsFunc(tc.fail, func(f storeCall) bool { return f.name == c.name }) {
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						t.Errorf("%s does not read the planted key, yet: %v", c.name, err)
					}
					continue
				}
				if !errors.Is(err, store.ErrCorrupt) {
					t.Errorf("%s: %v, want ErrCorrupt", c.name, err)
					continue
				}
				if msg, hexKey := err.Error(), fmt.Sprintf("%#x", key); !strings.Contains(msg, "bucket "+tc.bucket) || !strings.Contains(msg, hexKey) {
					t.Errorf("%s: %q names not the bucket %s and key %s", c.name, msg, tc.bucket, hexKey)
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := store.VerifyDir(dir, 0, store.VerifyOptions{}); !errors.Is(err, store.ErrCorrupt) {
				t.Errorf("VerifyDir: %v, want ErrCorrupt", err)
			}
		})
	}
}

// plant puts one record into a bucket of the closed database in dir, bypassing the store.
func plant(t *testing.T, dir, bucket string, key, value []byte) {
	t.Helper()
	bdb, err := bbolt.Open(store.Path(dir), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte(bucket)).Put(key, value) })
	if closeErr := bdb.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		t.Fatalf("plant %#x in %s: %v", key, bucket, err)
	}
}

// TestFinalizingPastABadStateIndexKeyIsCorrupt plants a bad states_by_block key under the block that finality
// is about to reach: the commit that finalizes it must fail with ErrCorrupt, not panic or finalize on garbage.
func TestFinalizingPastABadStateIndexKeyIsCorrupt(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, store.Options{})
	g := synth.New(testConfig(13))
	importBlocks(t, db, g, 2*int(params.SlotsPerEpoch))
	blocks, err := db.BlockSummaries(0, math.MaxUint64)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Every stored block's states get a short key in front of them: whichever block finality reaches has one.
	bdb, err := bbolt.Open(store.Path(dir), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		for _, b := range blocks {
			if err := tx.Bucket([]byte("states_by_block")).Put(append(b.Root[:], 0), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if closeErr := bdb.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		t.Fatal(err)
	}

	db = openTest(t, dir, store.Options{})
	before, err := db.Finalized()
	if err != nil {
		t.Fatal(err)
	}
	for range 4 * params.SlotsPerEpoch {
		b := g.Next()
		if _, err := db.Commit(b); err != nil {
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("commit: %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), "bucket states_by_block") {
				t.Fatalf("commit: %q does not name the bucket", err)
			}
			if after, err := db.Finalized(); err != nil || after != before {
				t.Fatalf("finalized checkpoint moved from %+v to %+v (%v) in a failed commit", before, after, err)
			}
			return
		}
	}
	t.Fatal("four epochs committed without ErrCorrupt: finality never reached a block with a bad state index key")
}
