package merkle_test

import (
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/salamander-client/salamander/merkle"
)

func hash(a, b [32]byte) [32]byte {
	return sha256.Sum256(append(a[:], b[:]...))
}

// specMerkleTree is the spec's merkle_tree: o[i] is the node at generalized index i of a tree over leaves, padded
// with zero leaves to a power of two.
func specMerkleTree(leaves [][32]byte) [][32]byte {
	bottom := int(merkle.GetPowerOfTwoCeil(uint64(len(leaves))))
	o := make([][32]byte, 2*bottom)
	copy(o[bottom:], leaves)
	for i := bottom - 1; i > 0; i-- {
		o[i] = hash(o[2*i], o[2*i+1])
	}
	return o
}

func randomChunks(rng *rand.Rand, n int) [][32]byte {
	chunks := make([][32]byte, n)
	for i := range chunks {
		for j := range chunks[i] {
			chunks[i][j] = byte(rng.UintN(256))
		}
	}
	return chunks
}

func TestSingleProofsOnRandomTrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		tree := specMerkleTree(randomChunks(rng, 1+rng.IntN(40)))
		root := tree[1]
		for index := merkle.GeneralizedIndex(1); index < merkle.GeneralizedIndex(len(tree)); index++ {
			var proof [][32]byte
			for _, b := range merkle.GetBranchIndices(index) {
				proof = append(proof, tree[b])
			}
			if !merkle.VerifyMerkleProof(tree[index], proof, index, root) {
				t.Fatalf("proof of node %d does not verify", index)
			}
			depth := uint64(merkle.GetGeneralizedIndexLength(index))
			if !merkle.IsValidMerkleBranch(tree[index], proof, depth, merkle.GetSubtreeIndex(index), root) {
				t.Fatalf("is_valid_merkle_branch rejects node %d", index)
			}
			if !merkle.IsValidNormalizedMerkleBranch(tree[index], append([][32]byte{{}, {}}, proof...), index, root) {
				t.Fatalf("is_valid_normalized_merkle_branch rejects node %d with two leading zero nodes", index)
			}
			if index > 1 {
				bad := slices.Clone(proof)
				bad[rng.IntN(len(bad))][0] ^= 1
				if merkle.VerifyMerkleProof(tree[index], bad, index, root) {
					t.Fatalf("tampered proof of node %d verifies", index)
				}
				if merkle.VerifyMerkleProof(tree[index], proof, merkle.GeneralizedIndexSibling(index), root) &&
					tree[index] != tree[merkle.GeneralizedIndexSibling(index)] {
					t.Fatalf("proof of node %d verifies at its sibling's index", index)
				}
				if merkle.IsValidNormalizedMerkleBranch(tree[index], append([][32]byte{{1}}, proof...), index, root) {
					t.Fatalf("normalized branch of node %d with a non-zero leading node verifies", index)
				}
			}
		}
	}
}

func TestMultiproofsOnRandomTrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		tree := specMerkleTree(randomChunks(rng, 1+rng.IntN(64)))
		root := tree[1]
		// A random set of distinct nodes, any of which may be an ancestor of another.
		var indices []merkle.GeneralizedIndex
		for range 1 + rng.IntN(6) {
			index := merkle.GeneralizedIndex(1 + rng.IntN(len(tree)-1))
			if !slices.Contains(indices, index) {
				indices = append(indices, index)
			}
		}
		leaves := make([][32]byte, len(indices))
		for i, index := range indices {
			leaves[i] = tree[index]
		}
		helpers := merkle.GetHelperIndices(indices)
		proof := make([][32]byte, len(helpers))
		for i, h := range helpers {
			proof[i] = tree[h]
		}
		if !merkle.VerifyMerkleMultiproof(leaves, proof, indices, root) {
			t.Fatalf("multiproof of %v (helpers %v) does not verify", indices, helpers)
		}
		if len(indices) == 1 {
			if !slices.Equal(helpers, merkle.GetBranchIndices(indices[0])) {
				t.Fatalf("helpers of %d = %v, want its branch", indices[0], helpers)
			}
		}
		// Changing a leaf or helper node changes the root, unless that node is below another proven leaf: then it
		// takes no part in the calculation.
		shadowed := func(index merkle.GeneralizedIndex) bool {
			for _, other := range indices {
				if isAncestorOf(other, index) {
					return true
				}
			}
			return false
		}
		if len(proof) > 0 {
			h := rng.IntN(len(proof))
			bad := slices.Clone(proof)
			bad[h][31] ^= 0x80
			if got := merkle.VerifyMerkleMultiproof(leaves, bad, indices, root); got != shadowed(helpers[h]) {
				t.Fatalf("multiproof of %v with helper %d changed: verifies = %v", indices, helpers[h], got)
			}
		}
		i := rng.IntN(len(leaves))
		bad := slices.Clone(leaves)
		bad[i][0] ^= 1
		if got := merkle.VerifyMerkleMultiproof(bad, proof, indices, root); got != shadowed(indices[i]) {
			t.Fatalf("multiproof of %v with leaf %d changed: verifies = %v", indices, indices[i], got)
		}
	}
}

// isAncestorOf reports whether a is a proper ancestor of b.
func isAncestorOf(a, b merkle.GeneralizedIndex) bool {
	if b <= a {
		return false
	}
	for b > a {
		b /= 2
	}
	return a == b
}

func TestMerkleRootErrors(t *testing.T) {
	var leaf [32]byte
	if _, err := merkle.CalculateMerkleRoot(leaf, make([][32]byte, 2), 4); err != nil {
		t.Errorf("a branch of the right length: %v", err)
	}
	if _, err := merkle.CalculateMerkleRoot(leaf, make([][32]byte, 3), 4); !errors.Is(err, merkle.ErrInvalidProof) {
		t.Errorf("a branch too long: err = %v, want ErrInvalidProof", err)
	}
	if _, err := merkle.CalculateMerkleRoot(leaf, nil, 0); !errors.Is(err, merkle.ErrInvalidGeneralizedIndex) {
		t.Errorf("index 0: err = %v, want ErrInvalidGeneralizedIndex", err)
	}
	if root, err := merkle.CalculateMerkleRoot(leaf, nil, 1); err != nil || root != leaf {
		t.Errorf("the root proves itself: %x, %v", root, err)
	}
	if _, err := merkle.CalculateMultiMerkleRoot(make([][32]byte, 2), nil, []merkle.GeneralizedIndex{2}); !errors.Is(err, merkle.ErrInvalidProof) {
		t.Errorf("2 leaves for 1 index: err = %v, want ErrInvalidProof", err)
	}
	if _, err := merkle.CalculateMultiMerkleRoot(make([][32]byte, 1), make([][32]byte, 2), []merkle.GeneralizedIndex{2}); !errors.Is(err, merkle.ErrInvalidProof) {
		t.Errorf("a proof too long: err = %v, want ErrInvalidProof", err)
	}
	if _, err := merkle.CalculateMultiMerkleRoot(nil, nil, nil); !errors.Is(err, merkle.ErrInvalidProof) {
		t.Errorf("nothing to prove: err = %v, want ErrInvalidProof", err)
	}
	if _, err := merkle.CalculateMultiMerkleRoot(make([][32]byte, 1), nil, []merkle.GeneralizedIndex{0}); !errors.Is(err, merkle.ErrInvalidGeneralizedIndex) {
		t.Errorf("index 0: err = %v, want ErrInvalidGeneralizedIndex", err)
	}
	if merkle.VerifyMerkleProof(leaf, nil, 2, leaf) {
		t.Error("a malformed proof verifies")
	}
	if merkle.IsValidMerkleBranch(leaf, nil, 1, 0, leaf) {
		t.Error("a branch shorter than its depth verifies")
	}
	if merkle.IsValidNormalizedMerkleBranch(leaf, nil, 2, leaf) || merkle.IsValidNormalizedMerkleBranch(leaf, nil, 0, leaf) {
		t.Error("a normalized branch shorter than its depth verifies")
	}
}
