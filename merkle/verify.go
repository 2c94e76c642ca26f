package merkle

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/salamander-client/salamander/sszkit"
)

// GetBranchIndices is the spec's get_branch_indices: the generalized indices of the siblings along the path from
// treeIndex up to (not including) the root, bottom first.
func GetBranchIndices(treeIndex GeneralizedIndex) []GeneralizedIndex {
	if treeIndex <= 1 {
		return nil
	}
	o := make([]GeneralizedIndex, 0, GetGeneralizedIndexLength(treeIndex))
	for index := treeIndex; index > 1; index = GeneralizedIndexParent(index) {
		o = append(o, GeneralizedIndexSibling(index))
	}
	return o
}

// GetPathIndices is the spec's get_path_indices: the generalized indices of the nodes along the path from treeIndex
// up to (not including) the root, treeIndex first.
func GetPathIndices(treeIndex GeneralizedIndex) []GeneralizedIndex {
	if treeIndex <= 1 {
		return nil
	}
	o := make([]GeneralizedIndex, 0, GetGeneralizedIndexLength(treeIndex))
	for index := treeIndex; index > 1; index = GeneralizedIndexParent(index) {
		o = append(o, index)
	}
	return o
}

// GetHelperIndices is the spec's get_helper_indices: the generalized indices of the extra nodes needed to prove the
// nodes at indices, in decreasing order, which for a single index is the order of its Merkle branch.
func GetHelperIndices(indices []GeneralizedIndex) []GeneralizedIndex {
	helpers := make(map[GeneralizedIndex]struct{})
	paths := make(map[GeneralizedIndex]struct{})
	for _, index := range indices {
		for _, b := range GetBranchIndices(index) {
			helpers[b] = struct{}{}
		}
		for _, p := range GetPathIndices(index) {
			paths[p] = struct{}{}
		}
	}
	o := make([]GeneralizedIndex, 0, len(helpers))
	for h := range helpers {
		if _, onPath := paths[h]; !onPath {
			o = append(o, h)
		}
	}
	slices.SortFunc(o, func(a, b GeneralizedIndex) int { return cmp.Compare(b, a) })
	return o
}

// CalculateMerkleRoot is the spec's calculate_merkle_root: the root that leaf at index and its branch proof imply.
func CalculateMerkleRoot(leaf [32]byte, proof [][32]byte, index GeneralizedIndex) ([32]byte, error) {
	if index == 0 {
		return [32]byte{}, fmt.Errorf("calculate Merkle root: %w", ErrInvalidGeneralizedIndex)
	}
	if depth := GetGeneralizedIndexLength(index); len(proof) != depth {
		return [32]byte{}, fmt.Errorf("calculate Merkle root at index %d: %w: have %d nodes, want %d", index,
			ErrInvalidProof, len(proof), depth)
	}
	for i, h := range proof {
		if GetGeneralizedIndexBit(index, i) {
			leaf = sszkit.HashPair(h, leaf)
		} else {
			leaf = sszkit.HashPair(leaf, h)
		}
	}
	return leaf, nil
}

// VerifyMerkleProof is the spec's verify_merkle_proof: whether leaf at index and proof lead to root. A malformed
// proof does not verify.
func VerifyMerkleProof(leaf [32]byte, proof [][32]byte, index GeneralizedIndex, root [32]byte) bool {
	calculated, err := CalculateMerkleRoot(leaf, proof, index)
	return err == nil && calculated == root
}

// CalculateMultiMerkleRoot is the spec's calculate_multi_merkle_root: the root that leaves at indices and the
// multiproof proof (the nodes at GetHelperIndices(indices), in that order) imply.
func CalculateMultiMerkleRoot(leaves, proof [][32]byte, indices []GeneralizedIndex) ([32]byte, error) {
	if len(leaves) != len(indices) {
		return [32]byte{}, fmt.Errorf("calculate multi Merkle root: %w: %d leaves for %d indices", ErrInvalidProof,
			len(leaves), len(indices))
	}
	if len(indices) == 0 {
		return [32]byte{}, fmt.Errorf("calculate multi Merkle root: %w: no leaves", ErrInvalidProof)
	}
	for _, index := range indices {
		if index == 0 {
			return [32]byte{}, fmt.Errorf("calculate multi Merkle root: %w", ErrInvalidGeneralizedIndex)
		}
	}
	helpers := GetHelperIndices(indices)
	if len(proof) != len(helpers) {
		return [32]byte{}, fmt.Errorf("calculate multi Merkle root: %w: have %d nodes, want %d", ErrInvalidProof,
			len(proof), len(helpers))
	}
	objects := make(map[GeneralizedIndex][32]byte, len(indices)+len(helpers))
	for i, index := range indices {
		objects[index] = leaves[i]
	}
	for i, index := range helpers {
		objects[index] = proof[i]
	}
	keys := make([]GeneralizedIndex, 0, len(objects))
	for k := range objects {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b GeneralizedIndex) int { return cmp.Compare(b, a) })
	// As in the spec, parents are appended behind the sorted keys and visited in turn, so each pair of siblings is
	// hashed once, bottom up.
	for pos := 0; pos < len(keys); pos++ {
		k := keys[pos]
		_, have := objects[k]
		sibling, haveSibling := objects[GeneralizedIndexSibling(k)]
		parent := GeneralizedIndexParent(k)
		_, haveParent := objects[parent]
		if !have || !haveSibling || haveParent || k <= 1 {
			continue
		}
		if k%2 == 0 {
			objects[parent] = sszkit.HashPair(objects[k], sibling)
		} else {
			objects[parent] = sszkit.HashPair(sibling, objects[k])
		}
		keys = append(keys, parent)
	}
	root, ok := objects[1]
	if !ok {
		return [32]byte{}, fmt.Errorf("calculate multi Merkle root: %w: the nodes do not reach the root", ErrInvalidProof)
	}
	return root, nil
}

// VerifyMerkleMultiproof is the spec's verify_merkle_multiproof. A malformed proof does not verify.
func VerifyMerkleMultiproof(leaves, proof [][32]byte, indices []GeneralizedIndex, root [32]byte) bool {
	calculated, err := CalculateMultiMerkleRoot(leaves, proof, indices)
	return err == nil && calculated == root
}

// IsValidMerkleBranch is the beacon chain's is_valid_merkle_branch: whether leaf, at position index among the
// 2**depth nodes of its level, and branch (at least depth nodes, bottom first) lead to root.
func IsValidMerkleBranch(leaf [32]byte, branch [][32]byte, depth uint64, index uint64, root [32]byte) bool {
	if uint64(len(branch)) < depth {
		return false
	}
	value := leaf
	for i := range depth {
		if (index>>i)&1 == 1 {
			value = sszkit.HashPair(branch[i], value)
		} else {
			value = sszkit.HashPair(value, branch[i])
		}
	}
	return value == root
}

// IsValidNormalizedMerkleBranch is the light client's is_valid_normalized_merkle_branch: IsValidMerkleBranch for the
// node at gindex, with a branch that may be longer than gindex is deep (a branch normalized to a later fork's
// depth) as long as its extra leading nodes are zero.
func IsValidNormalizedMerkleBranch(leaf [32]byte, branch [][32]byte, gindex GeneralizedIndex, root [32]byte) bool {
	if gindex == 0 {
		return false
	}
	depth := GetGeneralizedIndexLength(gindex)
	extra := len(branch) - depth
	if extra < 0 {
		return false
	}
	for _, node := range branch[:extra] {
		if node != ([32]byte{}) {
			return false
		}
	}
	return IsValidMerkleBranch(leaf, branch[extra:], uint64(depth), GetSubtreeIndex(gindex), root)
}
