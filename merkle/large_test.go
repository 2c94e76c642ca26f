package merkle_test

import (
	"math/rand/v2"
	"testing"

	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/merkle"
)

// large holds lists long enough to be merkleized in blocks and on several goroutines.
type large struct {
	Nums   []uint64
	Smalls []*small
	Roots  [][32]byte
	Tail   uint64
}

const (
	largeNumsLimit  = 1 << 40
	largeSmallLimit = 1 << 20
	largeRootsLimit = 1 << 24
)

func (l *large) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 4 + 4 + 4 + 8
	}
	return 4 + 4 + 4 + 8 + ssz.SizeSliceOfUint64s(s, l.Nums) + ssz.SizeSliceOfStaticObjects(s, l.Smalls) +
		ssz.SizeSliceOfStaticBytes(s, l.Roots)
}

func (l *large) DefineSSZ(c *ssz.Codec) {
	ssz.DefineSliceOfUint64sOffset(c, &l.Nums, largeNumsLimit)
	ssz.DefineSliceOfStaticObjectsOffset(c, &l.Smalls, largeSmallLimit)
	ssz.DefineSliceOfStaticBytesOffset(c, &l.Roots, largeRootsLimit)
	ssz.DefineUint64(c, &l.Tail)

	ssz.DefineSliceOfUint64sContent(c, &l.Nums, largeNumsLimit)
	ssz.DefineSliceOfStaticObjectsContent(c, &l.Smalls, largeSmallLimit)
	ssz.DefineSliceOfStaticBytesContent(c, &l.Roots, largeRootsLimit)
}

func (l *large) DefineTree(f *merkle.Fields) {
	merkle.DefineSliceOfUint64sOffset(f, "nums", &l.Nums, largeNumsLimit)
	merkle.DefineSliceOfStaticObjectsOffset(f, "smalls", &l.Smalls, largeSmallLimit)
	merkle.DefineSliceOfStaticBytesOffset(f, "roots", &l.Roots, largeRootsLimit)
	merkle.DefineUint64(f, "tail", &l.Tail)
}

func TestLargeListProofs(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	l := &large{Tail: 7}
	// 2**19 + 3 numbers are 2**17 + 1 chunks: three blocks, the last one partial.
	for range 1<<19 + 3 {
		l.Nums = append(l.Nums, rng.Uint64())
	}
	// More elements than a block holds, hashed on several goroutines.
	for range 1<<16 + 1000 {
		l.Smalls = append(l.Smalls, randomSmall(rng))
	}
	l.Roots = randomChunks(rng, 3000)
	want := ssz.HashSequential(l)

	typ := merkle.TypeOf(l)
	var indices []merkle.GeneralizedIndex
	for _, path := range [][]merkle.PathElement{
		{merkle.Field("nums"), merkle.Index(0)},
		{merkle.Field("nums"), merkle.Index(1<<19 + 2)},
		{merkle.Field("nums"), merkle.Index(1 << 30)},
		{merkle.Field("nums"), merkle.Len},
		{merkle.Field("smalls"), merkle.Index(1<<16 + 999), merkle.Field("b")},
		{merkle.Field("smalls"), merkle.Index(12345)},
		{merkle.Field("roots"), merkle.Index(2999)},
		{merkle.Field("tail")},
	} {
		g, err := merkle.GetGeneralizedIndex(typ, path...)
		if err != nil {
			t.Fatalf("GetGeneralizedIndex(%v): %v", path, err)
		}
		indices = append(indices, g)

		tree := merkle.NewTree(l)
		proof, err := merkle.ComputeMerkleProof(tree, g)
		if err != nil {
			t.Fatalf("proof of %v: %v", path, err)
		}
		leaf, err := tree.Node(g)
		if err != nil {
			t.Fatalf("node at %v: %v", path, err)
		}
		if !merkle.VerifyMerkleProof(leaf, proof, g, want) {
			t.Fatalf("proof of %v does not verify against the library's root", path)
		}
		if root := tree.Root(); root != want {
			t.Fatalf("root after proving %v = %x, want %x", path, root, want)
		}
	}
	tree := merkle.NewTree(l)
	proof, err := merkle.ComputeMerkleMultiproof(tree, indices)
	if err != nil {
		t.Fatalf("multiproof: %v", err)
	}
	leaves := make([][32]byte, len(indices))
	for i, g := range indices {
		if leaves[i], err = tree.Node(g); err != nil {
			t.Fatalf("node %d: %v", g, err)
		}
	}
	if !merkle.VerifyMerkleMultiproof(leaves, proof, indices, want) {
		t.Fatal("multiproof does not verify against the library's root")
	}
}
