package sszkit

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"

	"github.com/karalabe/ssz"
	"github.com/prysmaticlabs/gohashtree"
)

// maxTreeDepth is the depth of the deepest chunk tree a type can have: a limit of 2**64 chunks.
const maxTreeDepth = 64

// zeroHashes[d] is the root of a depth-d tree of zero chunks. It is computed once and never written again.
var zeroHashes = func() (z [maxTreeDepth + 1][32]byte) {
	for d := 1; d <= maxTreeDepth; d++ {
		z[d] = HashPair(z[d-1], z[d-1])
	}
	return z
}()

// ZeroHash is the root of a tree of the given depth whose leaves are all zero chunks, for depth up to 64.
func ZeroHash(depth int) [32]byte { return zeroHashes[depth] }

// HashPair is the spec's hash(a + b) of two 32-byte nodes: the parent of a and b in a hash tree.
func HashPair(a, b [32]byte) [32]byte {
	var buf [64]byte
	copy(buf[:32], a[:])
	copy(buf[32:], b[:])
	return sha256.Sum256(buf[:])
}

// TreeDepth returns the depth of the smallest binary tree with at least n leaves (0 for n <= 1): ceil(log2(n)).
func TreeDepth(n uint64) int {
	if n <= 1 {
		return 0
	}
	return bits.Len64(n - 1)
}

// Merkleize is the spec's merkleize(chunks, limit): the root of the chunks padded with zero chunks to
// next_pow_of_two(limit) leaves. A caller with more chunks than limit holds an object that violates its type; its
// chunks are then merkleized in the smallest tree that holds them, which is not a valid hash_tree_root.
func Merkleize(chunks [][32]byte, limit uint64) [32]byte {
	return merkleizeOwned(append([][32]byte(nil), chunks...), max(TreeDepth(limit), TreeDepth(uint64(len(chunks)))))
}

// merkleizeOwned merkleizes chunks into a tree of the given depth, using chunks as scratch space.
func merkleizeOwned(chunks [][32]byte, depth int) [32]byte {
	if len(chunks) == 0 {
		return zeroHashes[depth]
	}
	layer := chunks
	for d := range depth {
		if len(layer)%2 == 1 {
			layer = append(layer, zeroHashes[d])
		}
		// Parents overwrite the front of the layer, as the library's own hasher does with the same function.
		next := layer[:len(layer)/2]
		gohashtree.HashChunks(next, layer)
		layer = next
	}
	return layer[0]
}

// MerkleizeProgressive is the spec's merkleize_progressive(chunks) (EIP-7916): the first chunk in a 1-leaf subtree,
// the next 4 in a 4-leaf subtree, the next 16 in a 16-leaf one, and so on, each subtree hashed with the root of the
// rest.
func MerkleizeProgressive(chunks [][32]byte) [32]byte {
	return merkleizeProgressive(chunks, 1)
}

func merkleizeProgressive(chunks [][32]byte, leaves uint64) [32]byte {
	if len(chunks) == 0 {
		return [32]byte{}
	}
	n := min(uint64(len(chunks)), leaves)
	rest := merkleizeProgressive(chunks[n:], leaves*4)
	return HashPair(rest, merkleizeOwned(append([][32]byte(nil), chunks[:n]...), TreeDepth(leaves)))
}

// MixInLength is the spec's mix_in_length(root, length).
func MixInLength(root [32]byte, length uint64) [32]byte {
	var n [32]byte
	binary.LittleEndian.PutUint64(n[:], length)
	return HashPair(root, n)
}

// Pack is the spec's pack for already serialized basic values: the bytes right-padded with zeroes to whole chunks.
func Pack(serialized []byte) [][32]byte {
	chunks := make([][32]byte, (len(serialized)+31)/32)
	for i := range chunks {
		copy(chunks[i][:], serialized[i*32:])
	}
	return chunks
}

// HashRoot hands a precomputed hash_tree_root to the library's hasher as the next field's root, for a DefineHasher
// hook of a field whose shape the library cannot hash itself. A 32-byte static blob is a single leaf whose root is
// the blob itself, so this is exact.
func HashRoot(has *ssz.Hasher, root [32]byte) {
	ssz.HashStaticBytes(has, &root)
}
