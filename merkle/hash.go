package merkle

import (
	"encoding/binary"

	"github.com/prysmaticlabs/gohashtree"

	"github.com/salamander-client/salamander/sszkit"
)

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
		return sszkit.ZeroHash(height)
	}
	layer := nodes
	for level := from; level < height; level++ {
		if len(layer)%2 == 1 {
			layer = append(layer, sszkit.ZeroHash(level))
		}
		// Parent i overwrites child i, which it has already read: parents never run ahead of their children.
		gohashtree.HashChunks(layer, layer)
		layer = layer[:len(layer)/2]
	}
	return layer[0]
}
