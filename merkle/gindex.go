package merkle

import (
	"fmt"
	"math/bits"
)

// GeneralizedIndex is the spec's GeneralizedIndex: the position 2**depth + index of a node in a binary Merkle tree,
// 1 being the root. A uint64 holds every node of a tree up to 63 levels deep, which covers every path into the
// Fulu containers (the deepest, a transaction byte inside an execution payload, is 57 levels below a block body).
type GeneralizedIndex uint64

// maxGeneralizedIndexLength is the deepest tree level a GeneralizedIndex can address.
const maxGeneralizedIndexLength = 63

// GetPowerOfTwoCeil is the spec's get_power_of_two_ceil: the smallest power of two >= x, with 0 and 1 mapping to 1.
// It returns 0 when the result does not fit a uint64 (x > 2**63).
func GetPowerOfTwoCeil(x uint64) uint64 {
	if x <= 1 {
		return 1
	}
	if x > 1<<63 {
		return 0
	}
	return 1 << bits.Len64(x-1)
}

// FloorLog2 is the spec's floorlog2(x) for x >= 1; it returns -1 for 0, which has no logarithm.
func FloorLog2(x uint64) int {
	return bits.Len64(x) - 1
}

// GetGeneralizedIndexLength is the spec's get_generalized_index_length: the length of the path from the root to
// index, which is also the length of index's Merkle branch. It returns -1 for the invalid index 0.
func GetGeneralizedIndexLength(index GeneralizedIndex) int {
	return FloorLog2(uint64(index))
}

// GetGeneralizedIndexBit is the spec's get_generalized_index_bit: bit position of index, which tells at level
// position above the node (0 = the node itself) whether the path goes right.
func GetGeneralizedIndexBit(index GeneralizedIndex, position int) bool {
	return position >= 0 && position < 64 && index&(1<<position) != 0
}

// GeneralizedIndexSibling is the spec's generalized_index_sibling.
func GeneralizedIndexSibling(index GeneralizedIndex) GeneralizedIndex {
	return index ^ 1
}

// GeneralizedIndexChild is the spec's generalized_index_child. The caller keeps index below 2**63.
func GeneralizedIndexChild(index GeneralizedIndex, rightSide bool) GeneralizedIndex {
	if rightSide {
		return index*2 + 1
	}
	return index * 2
}

// GeneralizedIndexParent is the spec's generalized_index_parent.
func GeneralizedIndexParent(index GeneralizedIndex) GeneralizedIndex {
	return index / 2
}

// GetSubtreeIndex is the spec's get_subtree_index: index's position among the nodes of its level, the index that
// is_valid_merkle_branch takes beside the depth.
func GetSubtreeIndex(index GeneralizedIndex) uint64 {
	if index == 0 {
		return 0
	}
	return uint64(index) &^ (1 << GetGeneralizedIndexLength(index))
}

// ConcatGeneralizedIndices is the spec's concat_generalized_indices: given the index A of node a in tree x, of b in
// the subtree rooted at a, and so on, it returns the index of the last node in x. It fails on an index 0 and when
// the result is deeper than a GeneralizedIndex can address.
func ConcatGeneralizedIndices(indices ...GeneralizedIndex) (GeneralizedIndex, error) {
	o := GeneralizedIndex(1)
	length := 0
	for _, index := range indices {
		if index == 0 {
			return 0, fmt.Errorf("concat generalized indices %v: %w", indices, ErrInvalidGeneralizedIndex)
		}
		depth := GetGeneralizedIndexLength(index)
		length += depth
		if length > maxGeneralizedIndexLength {
			return 0, fmt.Errorf("concat generalized indices %v: %w", indices, ErrGeneralizedIndexOverflow)
		}
		floor := GeneralizedIndex(1) << depth
		o = o*floor + (index - floor)
	}
	return o, nil
}
