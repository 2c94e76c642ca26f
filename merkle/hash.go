package merkle

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/prysmaticlabs/gohashtree"
)

// maxDepth is the deepest chunk tree a type can have: a limit of 2**64 chunks.
const maxDepth = 64

// zeroHashes[d] is the root of a depth-d tree of zero chunks. It is computed once and never written again.
var zeroHashes = func() (z [maxDepth + 1][32]byte) {
	for d := 1; d <= maxDepth; d++ {
		z[d] = hashPair(z[d-1], z[d-1])
	}
	return z
}()

// hashPair is the spec's hash(a + b) of two 32-byte nodes.
func hashPair(a, b [32]byte) [32]byte {
	var buf [64]byte
	copy(buf[:32], a[:])
	copy(buf[32:], b[:])
	return sha256.Sum256(buf[:])
}

// lengthChunk is the right child of a list's root: the length as a little-endian uint256.
func lengthChunk(length uint64) [32]byte {
	var chunk [32]byte
	binary.LittleEndian.PutUint64(chunk[:8], length)
	return chunk
}

// merkleizeInPlace returns the root of a subtree of the given height whose leftmost nodes at level from are nodes
// and whose other nodes at that level are zero subtrees. It uses nodes as scratch space, so nodes needs a spare
// element of capacity when its length is odd. len(nodes) must not exceed 2**(height-from).
func merkleizeInPlace(nodes [][32]byte, from, height int) [32]byte {
	if len(nodes) == 0 {
		return zeroHashes[height]
	}
	layer := nodes
	for level := from; level < height; level++ {
		if len(layer)%2 == 1 {
			layer = append(layer, zeroHashes[level])
		}
		// Parent i overwrites child i, which it has already read: parents never run ahead of their children.
		gohashtree.HashChunks(layer, layer)
		layer = layer[:len(layer)/2]
	}
	return layer[0]
}
