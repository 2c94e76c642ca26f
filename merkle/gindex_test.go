package merkle_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/salamander-client/salamander/merkle"
)

func TestGetPowerOfTwoCeil(t *testing.T) {
	// The examples of the spec's docstring.
	want := map[uint64]uint64{0: 1, 1: 1, 2: 2, 3: 4, 4: 4, 5: 8, 6: 8, 7: 8, 8: 8, 9: 16, 1 << 63: 1 << 63, 1<<63 + 1: 0}
	for x, w := range want {
		if got := merkle.GetPowerOfTwoCeil(x); got != w {
			t.Errorf("GetPowerOfTwoCeil(%d) = %d, want %d", x, got, w)
		}
	}
}

func TestGeneralizedIndexHelpers(t *testing.T) {
	for _, tc := range []struct {
		index  merkle.GeneralizedIndex
		length int
	}{{1, 0}, {2, 1}, {3, 1}, {4, 2}, {7, 2}, {169, 7}, {86, 6}, {1 << 63, 63}, {0, -1}} {
		if got := merkle.GetGeneralizedIndexLength(tc.index); got != tc.length {
			t.Errorf("GetGeneralizedIndexLength(%d) = %d, want %d", tc.index, got, tc.length)
		}
	}
	// 169 = 0b10101001: bit i tells whether the path turns right i levels above the node.
	var bits []bool
	for i := range 8 {
		bits = append(bits, merkle.GetGeneralizedIndexBit(169, i))
	}
	if want := []bool{true, false, false, true, false, true, false, true}; !slices.Equal(bits, want) {
		t.Errorf("bits of 169 = %v, want %v", bits, want)
	}
	if merkle.GetGeneralizedIndexBit(1<<63, 64) || merkle.GetGeneralizedIndexBit(1, -1) {
		t.Error("GetGeneralizedIndexBit reports a bit outside the index")
	}
	if s := merkle.GeneralizedIndexSibling(8); s != 9 {
		t.Errorf("sibling of 8 = %d", s)
	}
	if s := merkle.GeneralizedIndexSibling(9); s != 8 {
		t.Errorf("sibling of 9 = %d", s)
	}
	if c := merkle.GeneralizedIndexChild(5, false); c != 10 {
		t.Errorf("left child of 5 = %d", c)
	}
	if c := merkle.GeneralizedIndexChild(5, true); c != 11 {
		t.Errorf("right child of 5 = %d", c)
	}
	if p := merkle.GeneralizedIndexParent(11); p != 5 {
		t.Errorf("parent of 11 = %d", p)
	}
	// get_subtree_index, as the light client and blob sidecar checks use it.
	for index, want := range map[merkle.GeneralizedIndex]uint64{169: 41, 86: 22, 87: 23, 27: 11, 1: 0} {
		if got := merkle.GetSubtreeIndex(index); got != want {
			t.Errorf("GetSubtreeIndex(%d) = %d, want %d", index, got, want)
		}
	}
}

func TestConcatGeneralizedIndices(t *testing.T) {
	for _, tc := range []struct {
		indices []merkle.GeneralizedIndex
		want    merkle.GeneralizedIndex
	}{
		{nil, 1},
		{[]merkle.GeneralizedIndex{1}, 1},
		{[]merkle.GeneralizedIndex{7}, 7},
		{[]merkle.GeneralizedIndex{2, 3}, 5},
		{[]merkle.GeneralizedIndex{5, 6}, 0b10110},
		{[]merkle.GeneralizedIndex{1, 5, 1, 6}, 0b10110},
		// BeaconState.finalized_checkpoint (84) then Checkpoint.root (3) is FINALIZED_ROOT_GINDEX_ELECTRA.
		{[]merkle.GeneralizedIndex{84, 3}, 169},
		{[]merkle.GeneralizedIndex{1 << 62, 2}, 1 << 63},
	} {
		got, err := merkle.ConcatGeneralizedIndices(tc.indices...)
		if err != nil || got != tc.want {
			t.Errorf("ConcatGeneralizedIndices(%v) = %d, %v; want %d", tc.indices, got, err, tc.want)
		}
	}
	if _, err := merkle.ConcatGeneralizedIndices(1<<62, 4); !errors.Is(err, merkle.ErrGeneralizedIndexOverflow) {
		t.Errorf("64 levels deep: err = %v, want ErrGeneralizedIndexOverflow", err)
	}
	if _, err := merkle.ConcatGeneralizedIndices(5, 0); !errors.Is(err, merkle.ErrInvalidGeneralizedIndex) {
		t.Errorf("index 0: err = %v, want ErrInvalidGeneralizedIndex", err)
	}
}

func TestBranchPathAndHelperIndices(t *testing.T) {
	if got, want := merkle.GetBranchIndices(8), []merkle.GeneralizedIndex{9, 5, 3}; !slices.Equal(got, want) {
		t.Errorf("GetBranchIndices(8) = %v, want %v", got, want)
	}
	if got, want := merkle.GetPathIndices(8), []merkle.GeneralizedIndex{8, 4, 2}; !slices.Equal(got, want) {
		t.Errorf("GetPathIndices(8) = %v, want %v", got, want)
	}
	if got := merkle.GetBranchIndices(1); len(got) != 0 {
		t.Errorf("GetBranchIndices(1) = %v, want none", got)
	}
	// The spec's example: positions 0, 1 and 6 of an 8-leaf tree need the auxiliary nodes marked *:
	//        .
	//    .       .
	//  .   *   *   .
	// x x . . . . x *
	if got, want := merkle.GetHelperIndices([]merkle.GeneralizedIndex{8, 9, 14}), []merkle.GeneralizedIndex{15, 6, 5}; !slices.Equal(got, want) {
		t.Errorf("GetHelperIndices(8, 9, 14) = %v, want %v", got, want)
	}
	// For one index the helpers are its branch, in branch order.
	for _, index := range []merkle.GeneralizedIndex{2, 3, 13, 169, 1<<40 + 12345} {
		if got, want := merkle.GetHelperIndices([]merkle.GeneralizedIndex{index}), merkle.GetBranchIndices(index); !slices.Equal(got, want) {
			t.Errorf("GetHelperIndices(%d) = %v, want the branch %v", index, got, want)
		}
	}
}
