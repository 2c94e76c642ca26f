package sszkit

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/karalabe/ssz"
	"github.com/prysmaticlabs/go-bitfield"
)

func randomChunks(rng *rand.Rand, n int) [][32]byte {
	chunks := make([][32]byte, n)
	for i := range chunks {
		for j := range chunks[i] {
			chunks[i][j] = byte(rng.Uint32())
		}
	}
	return chunks
}

func TestMerkleizeMatchesSpec(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for n := range 20 {
		chunks := randomChunks(rng, n)
		for _, limit := range []int{n, n + 1, 2 * n, 33, 1024} {
			if limit < n {
				continue
			}
			if got, want := Merkleize(chunks, uint64(limit)), refMerkleize(chunks, limit); got != want {
				t.Fatalf("merkleize(%d chunks, limit %d) = %x, want %x", n, limit, got, want)
			}
		}
	}
	// The documented fallback for chunks beyond the limit: the smallest tree that holds them.
	chunks := randomChunks(rng, 5)
	if Merkleize(chunks, 2) != refMerkleize(chunks, -1) {
		t.Fatal("over-limit chunks are not merkleized in the smallest tree")
	}
	// Merkleize must not write to its input.
	before := append([][32]byte(nil), chunks...)
	Merkleize(chunks, 8)
	for i := range chunks {
		if chunks[i] != before[i] {
			t.Fatal("Merkleize modified its input")
		}
	}
}

// ZeroHash and TreeDepth are the pieces merkle and statecache build their own trees with.
func TestZeroHashAndTreeDepth(t *testing.T) {
	for depth := range 11 {
		if got, want := ZeroHash(depth), refMerkleize(nil, 1<<depth); got != want {
			t.Errorf("ZeroHash(%d) = %x, want %x", depth, got, want)
		}
	}
	if ZeroHash(64) != HashPair(ZeroHash(63), ZeroHash(63)) {
		t.Error("ZeroHash(64) is not the parent of two ZeroHash(63)")
	}
	for n, want := range map[uint64]int{0: 0, 1: 0, 2: 1, 3: 2, 4: 2, 5: 3, 1 << 40: 40, 1<<40 + 1: 41, math.MaxUint64: 64} {
		if got := TreeDepth(n); got != want {
			t.Errorf("TreeDepth(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestMerkleizeProgressiveMatchesSpec(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	zero := [32]byte{}
	a, b := randomChunks(rng, 1)[0], randomChunks(rng, 1)[0]
	// Written out by hand from merkleize_progressive's definition.
	if got := MerkleizeProgressive(nil); got != zero {
		t.Fatalf("empty: %x", got)
	}
	if got, want := MerkleizeProgressive([][32]byte{a}), refHash(zero, a); got != want {
		t.Fatalf("one chunk: %x, want %x", got, want)
	}
	four := refHash(refHash(b, zero), refHash(zero, zero))
	if got, want := MerkleizeProgressive([][32]byte{a, b}), refHash(refHash(zero, four), a); got != want {
		t.Fatalf("two chunks: %x, want %x", got, want)
	}
	for _, n := range []int{3, 5, 6, 20, 21, 22, 85, 86, 300} {
		chunks := randomChunks(rng, n)
		if got, want := MerkleizeProgressive(chunks), refProgressive(chunks, 1); got != want {
			t.Fatalf("%d chunks: %x, want %x", n, got, want)
		}
	}
}

// bitlistField lets the library hash a Bitlist[maxBits] so BitlistRoot can be compared with it.
type bitlistField struct {
	bits    bitfield.Bitlist
	maxBits uint64
}

func (b *bitlistField) SizeSSZ(siz *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 4
	}
	return 4 + ssz.SizeSliceOfBits(siz, b.bits)
}

func (b *bitlistField) DefineSSZ(c *ssz.Codec) {
	ssz.DefineSliceOfBitsOffset(c, &b.bits, b.maxBits)
	ssz.DefineSliceOfBitsContent(c, &b.bits, b.maxBits)
}

func TestBitlistRootMatchesLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, maxBits := range []uint64{1, 7, 8, 255, 256, 257, 2048} {
		for _, n := range []uint64{0, 1, maxBits / 2, maxBits} {
			bits := bitfield.NewBitlist(n)
			for i := range n {
				bits.SetBitAt(i, rng.IntN(2) == 1)
			}
			// A single-field container's root is its field's root.
			want := ssz.HashSequential(&bitlistField{bits, maxBits})
			if got := BitlistRoot(bits, maxBits); got != want {
				t.Fatalf("Bitlist[%d] of %d bits: %x, want %x", maxBits, n, got, want)
			}
		}
	}
}
