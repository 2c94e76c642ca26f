package sszkit

import (
	"crypto/sha256"
	"encoding/binary"
)

// A deliberately naive transcription of the SSZ spec's merkleization, independent of merkle.go, that the helpers'
// roots are checked against.

func refHash(a, b [32]byte) [32]byte {
	return sha256.Sum256(append(a[:], b[:]...))
}

func refNextPow2(n int) int {
	p := 1
	for p < n {
		p *= 2
	}
	return p
}

// refMerkleize pads chunks to next_pow_of_two(limit) (or of len(chunks) when limit < 0) and hashes pairwise.
func refMerkleize(chunks [][32]byte, limit int) [32]byte {
	width := refNextPow2(len(chunks))
	if limit >= 0 {
		width = refNextPow2(limit)
	}
	layer := make([][32]byte, width)
	copy(layer, chunks)
	for len(layer) > 1 {
		next := make([][32]byte, len(layer)/2)
		for i := range next {
			next[i] = refHash(layer[2*i], layer[2*i+1])
		}
		layer = next
	}
	return layer[0]
}

func refProgressive(chunks [][32]byte, leaves int) [32]byte {
	if len(chunks) == 0 {
		return [32]byte{}
	}
	n := min(len(chunks), leaves)
	return refHash(refProgressive(chunks[n:], leaves*4), refMerkleize(chunks[:n], leaves))
}

func refMixIn(root [32]byte, n int) [32]byte {
	var length [32]byte
	binary.LittleEndian.PutUint64(length[:], uint64(n))
	return refHash(root, length)
}

func refPack(b []byte) [][32]byte {
	var chunks [][32]byte
	for len(b) > 0 {
		var c [32]byte
		n := copy(c[:], b)
		chunks = append(chunks, c)
		b = b[n:]
	}
	return chunks
}

// refBitlistBits returns the bits of a serialized bitlist without its delimiter, packed, and their count.
func refBitlistBits(b []byte) ([]byte, int) {
	n := 0
	for i := len(b)*8 - 1; i >= 0; i-- {
		if b[i/8]&(1<<(i%8)) != 0 {
			n = i
			break
		}
	}
	packed := make([]byte, (n+7)/8)
	for i := range n {
		if b[i/8]&(1<<(i%8)) != 0 {
			packed[i/8] |= 1 << (i % 8)
		}
	}
	return packed, n
}

func le16(n uint16) []byte { return binary.LittleEndian.AppendUint16(nil, n) }
func le32(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }
func le64(n uint64) []byte { return binary.LittleEndian.AppendUint64(nil, n) }
