package blocksync

import (
	"errors"
	"testing"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/reqresp"
	"github.com/salamander-client/salamander/types"
)

func TestRangeSyncRequests(t *testing.T) {
	r := newRangeSync(64, 10)
	if start, count, ok := r.request(200, 0); !ok || start != 11 || count != 64 {
		t.Errorf("behind: [%d, +%d) %v, want [11, +64)", start, count, ok)
	}
	if start, count, ok := r.request(20, 0); !ok || start != 11 || count != 10 {
		t.Errorf("near the wall slot: [%d, +%d) %v, want [11, +10), up to the wall slot", start, count, ok)
	}
	if _, _, ok := r.request(10, 0); ok {
		t.Error("asked for slots after the wall slot")
	}
	// A peer whose status is a few slots old is asked from its reported head on.
	if start, count, ok := r.request(12, 8); !ok || start != 8 || count != 5 {
		t.Errorf("stale peer head: [%d, +%d) %v, want [8, +5)", start, count, ok)
	}
	// One a batch or more behind is not: the node asks for what it needs.
	if start, _, _ := newRangeSync(64, 100).request(300, 30); start != 101 {
		t.Errorf("far behind peer head: start %d, want 101", start)
	}
}

func TestRangeSyncCursor(t *testing.T) {
	r := newRangeSync(64, 0)
	r.imported(1, 64, 60, true, 200, 200)
	if r.cursor != 65 {
		t.Errorf("after a batch with blocks up to 60 whose slots are past: cursor %d, want 65", r.cursor)
	}
	r.imported(65, 64, 0, false, 100, 50)
	if r.cursor != 65 {
		t.Errorf("after an empty batch beyond the peer's head: cursor %d, want 65 (asked again)", r.cursor)
	}
	r.imported(65, 36, 0, false, 100, 100)
	if r.cursor != 65 {
		t.Errorf("after an empty batch up to the wall slot: cursor %d, want 65 (its block may come)", r.cursor)
	}
	r.imported(65, 36, 99, true, 100, 100)
	if r.cursor != 100 {
		t.Errorf("after a block at 99: cursor %d, want 100", r.cursor)
	}
	if d1, d2 := r.failed(), r.failed(); d1 != rangeBackoff || d2 != 2*rangeBackoff {
		t.Errorf("back-off %s then %s, want %s doubling", d1, d2, rangeBackoff)
	}
	for range 20 {
		r.failed()
	}
	if d := r.failed(); d != maxRangeBackoff {
		t.Errorf("back-off after many failures %s, want %s", d, maxRangeBackoff)
	}
	r.imported(100, 1, 100, true, 101, 101)
	if r.failures != 0 {
		t.Error("a good batch did not reset the failures")
	}
	r.restartFrom(42)
	if r.cursor != 43 {
		t.Errorf("restart from head 42: cursor %d", r.cursor)
	}
}

func testBlock(t *testing.T, slot primitives.Slot, parent primitives.Root) reqresp.Block {
	t.Helper()
	b := &types.BeaconBlock{Slot: slot, ParentRoot: parent, Body: &types.BeaconBlockBody{}}
	encoded, err := types.Marshal(&types.SignedBeaconBlock{Message: b})
	if err != nil {
		t.Fatal(err)
	}
	return reqresp.Block{Slot: slot, Root: types.HashTreeRoot(b), SSZ: encoded}
}

func TestCheckRange(t *testing.T) {
	b1 := testBlock(t, 1, primitives.Root{1})
	b3 := testBlock(t, 3, b1.Root)
	b4 := testBlock(t, 4, b3.Root)
	other := testBlock(t, 4, primitives.Root{2})
	items, err := checkRange(1, 4, []reqresp.Block{b1, b3, b4})
	if err != nil || len(items) != 3 || items[2].root != b4.Root || items[1].parentRoot != b1.Root {
		t.Fatalf("a good range with a gap: %v %v", items, err)
	}
	if items, err := checkRange(1, 4, nil); err != nil || len(items) != 0 {
		t.Errorf("an empty range: %v %v", items, err)
	}
	lying := b3
	lying.Slot = 2
	for name, blocks := range map[string][]reqresp.Block{
		"out of range":     {b1, b3, b4, testBlock(t, 5, b4.Root)},
		"out of order":     {b3, b1},
		"not a chain":      {b1, b3, other},
		"undecodable":      {{Slot: 1, SSZ: []byte{1, 2}}},
		"slot mismatch":    {b1, lying},
		"before the range": {testBlock(t, 0, primitives.Root{})},
	} {
		if _, err := checkRange(1, 4, blocks); !errors.Is(err, ErrBadBatch) {
			t.Errorf("%s: %v, want ErrBadBatch", name, err)
		}
	}
	if _, err := checkRoots([]primitives.Root{b1.Root}, []reqresp.Block{b1}); err != nil {
		t.Errorf("the root asked for: %v", err)
	}
	if _, err := checkRoots([]primitives.Root{b1.Root}, []reqresp.Block{b3}); !errors.Is(err, ErrBadBatch) {
		t.Errorf("a root not asked for: %v, want ErrBadBatch", err)
	}
}
