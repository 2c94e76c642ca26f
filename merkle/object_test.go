package merkle_test

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/holiman/uint256"
	"github.com/karalabe/ssz"
	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/merkle"
	"github.com/salamander-client/salamander/sszkit"
)

// The containers below exercise every Define* function. Their DefineTree methods mirror DefineSSZ the way
// package types' generated ones do; the tests check both against a reference hash tree built here from the spec's
// merkleization rules alone.

type small struct {
	A uint64
	B [32]byte
}

func (s *small) SizeSSZ(*ssz.Sizer) uint32 { return 40 }
func (s *small) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &s.A)
	ssz.DefineStaticBytes(c, &s.B)
}
func (s *small) DefineTree(f *merkle.Fields) {
	merkle.DefineUint64(f, "a", &s.A)
	merkle.DefineStaticBytes(f, "b", &s.B)
}

const (
	dataLimit  = 70
	bitsLimit  = 300
	bits2Limit = 20
	numsLimit  = 10
	keysLimit  = 6
	txsLimit   = 4
	txLimit    = 100
	smallLimit = 5
	innerLimit = 3
)

type inner struct {
	Flag   bool
	U8     uint8
	U16    uint16
	U32    uint32
	U64    uint64
	Big    *uint256.Int
	Addr   [20]byte
	Key    [48]byte
	Sig    [96]byte
	Bloom  [256]byte
	Data   []byte
	Bits   bitfield.Bitlist
	JBits  [1]byte
	Wide   [64]byte
	Nums   []uint64
	Fixed  [5]uint64
	Roots  [5][32]byte
	Keys   [][48]byte
	Txs    [][]byte
	Small  *small
	Smalls []*small
	Blob   [40]byte
	Bits2  bitfield.Bitlist
}

func (n *inner) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	size := uint32(1 + 1 + 2 + 4 + 8 + 32 + 20 + 48 + 96 + 256 + 4 + 4 + 1 + 64 + 4 + 40 + 160 + 4 + 4 + 40 + 4 + 40 + 4)
	if fixed {
		return size
	}
	return size + ssz.SizeDynamicBytes(s, n.Data) + ssz.SizeSliceOfBits(s, n.Bits) + ssz.SizeSliceOfBits(s, n.Bits2) +
		ssz.SizeSliceOfUint64s(s, n.Nums) +
		ssz.SizeSliceOfStaticBytes(s, n.Keys) + ssz.SizeSliceOfDynamicBytes(s, n.Txs) + ssz.SizeSliceOfStaticObjects(s, n.Smalls)
}

func (n *inner) DefineSSZ(c *ssz.Codec) {
	ssz.DefineBool(c, &n.Flag)
	ssz.DefineUint8(c, &n.U8)
	ssz.DefineUint16(c, &n.U16)
	ssz.DefineUint32(c, &n.U32)
	ssz.DefineUint64(c, &n.U64)
	ssz.DefineUint256(c, &n.Big)
	ssz.DefineStaticBytes(c, &n.Addr)
	ssz.DefineStaticBytes(c, &n.Key)
	ssz.DefineStaticBytes(c, &n.Sig)
	ssz.DefineStaticBytes(c, &n.Bloom)
	ssz.DefineDynamicBytesOffset(c, &n.Data, dataLimit)
	ssz.DefineSliceOfBitsOffset(c, &n.Bits, bitsLimit)
	ssz.DefineArrayOfBits(c, &n.JBits, 4)
	sszkit.DefineBitvector(c, n.Wide[:], 512)
	ssz.DefineSliceOfUint64sOffset(c, &n.Nums, numsLimit)
	sszkit.DefineUint64Vector(c, n.Fixed[:])
	ssz.DefineUnsafeArrayOfStaticBytes(c, n.Roots[:])
	ssz.DefineSliceOfStaticBytesOffset(c, &n.Keys, keysLimit)
	ssz.DefineSliceOfDynamicBytesOffset(c, &n.Txs, txsLimit, txLimit)
	ssz.DefineStaticObject(c, &n.Small)
	ssz.DefineSliceOfStaticObjectsOffset(c, &n.Smalls, smallLimit)
	sszkit.DefineByteVector(c, n.Blob[:])
	sszkit.DefineBitlistOffset(c, &n.Bits2, bits2Limit)

	ssz.DefineDynamicBytesContent(c, &n.Data, dataLimit)
	ssz.DefineSliceOfBitsContent(c, &n.Bits, bitsLimit)
	ssz.DefineSliceOfUint64sContent(c, &n.Nums, numsLimit)
	ssz.DefineSliceOfStaticBytesContent(c, &n.Keys, keysLimit)
	ssz.DefineSliceOfDynamicBytesContent(c, &n.Txs, txsLimit, txLimit)
	ssz.DefineSliceOfStaticObjectsContent(c, &n.Smalls, smallLimit)
	sszkit.DefineBitlistContent(c, &n.Bits2, bits2Limit)
}

func (n *inner) DefineTree(f *merkle.Fields) {
	merkle.DefineBool(f, "flag", &n.Flag)
	merkle.DefineUint8(f, "u8", &n.U8)
	merkle.DefineUint16(f, "u16", &n.U16)
	merkle.DefineUint32(f, "u32", &n.U32)
	merkle.DefineUint64(f, "u64", &n.U64)
	merkle.DefineUint256(f, "big", &n.Big)
	merkle.DefineStaticBytes(f, "addr", &n.Addr)
	merkle.DefineStaticBytes(f, "key", &n.Key)
	merkle.DefineStaticBytes(f, "sig", &n.Sig)
	merkle.DefineStaticBytes(f, "bloom", &n.Bloom)
	merkle.DefineDynamicBytesOffset(f, "data", &n.Data, dataLimit)
	merkle.DefineSliceOfBitsOffset(f, "bits", &n.Bits, bitsLimit)
	merkle.DefineArrayOfBits(f, "j_bits", &n.JBits, 4)
	merkle.DefineBitvector(f, "wide", n.Wide[:], 512)
	merkle.DefineSliceOfUint64sOffset(f, "nums", &n.Nums, numsLimit)
	merkle.DefineUint64Vector(f, "fixed", n.Fixed[:])
	merkle.DefineUnsafeArrayOfStaticBytes(f, "roots", n.Roots[:])
	merkle.DefineSliceOfStaticBytesOffset(f, "keys", &n.Keys, keysLimit)
	merkle.DefineSliceOfDynamicBytesOffset(f, "txs", &n.Txs, txsLimit, txLimit)
	merkle.DefineStaticObject(f, "small", &n.Small)
	merkle.DefineSliceOfStaticObjectsOffset(f, "smalls", &n.Smalls, smallLimit)
	merkle.DefineByteVector(f, "blob", n.Blob[:])
	merkle.DefineBitlistOffset(f, "bits2", &n.Bits2, bits2Limit)
}

// single has one field, so its root is that field's root and its generalized indices are its field's.
type single struct {
	List []uint16
}

func (s *single) SizeSSZ(sz *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 4
	}
	return 4 + uint32(2*len(s.List))
}
func (s *single) DefineSSZ(c *ssz.Codec) {
	sszkit.DefineUintListOffset(c, &s.List, 20)
	sszkit.DefineUintListContent(c, &s.List, 20)
}
func (s *single) DefineTree(f *merkle.Fields) {
	merkle.DefineUintListOffset(f, "list", &s.List, 20)
}

type outer struct {
	Inner  *inner
	Inners []*inner
	Single *single
	Tail   uint64
	Small  *small
	Vec32  [3]uint32
	Vec16  [3]uint16
	Vec8   [3]uint8
}

func (o *outer) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 4 + 4 + 4 + 8 + 40 + 12 + 6 + 3
	}
	return 4 + 4 + 4 + 8 + 40 + 12 + 6 + 3 + ssz.SizeDynamicObject(s, o.Inner) + ssz.SizeSliceOfDynamicObjects(s, o.Inners) +
		ssz.SizeDynamicObject(s, o.Single)
}

func (o *outer) DefineSSZ(c *ssz.Codec) {
	ssz.DefineDynamicObjectOffset(c, &o.Inner)
	ssz.DefineSliceOfDynamicObjectsOffset(c, &o.Inners, innerLimit)
	ssz.DefineDynamicObjectOffset(c, &o.Single)
	ssz.DefineUint64(c, &o.Tail)
	ssz.DefineStaticObject(c, &o.Small)
	sszkit.DefineUint32Vector(c, o.Vec32[:])
	sszkit.DefineUint16Vector(c, o.Vec16[:])
	sszkit.DefineUint8Vector(c, o.Vec8[:])

	ssz.DefineDynamicObjectContent(c, &o.Inner)
	ssz.DefineSliceOfDynamicObjectsContent(c, &o.Inners, innerLimit)
	ssz.DefineDynamicObjectContent(c, &o.Single)
}

func (o *outer) DefineTree(f *merkle.Fields) {
	merkle.DefineDynamicObjectOffset(f, "inner", &o.Inner)
	merkle.DefineSliceOfDynamicObjectsOffset(f, "inners", &o.Inners, innerLimit)
	merkle.DefineDynamicObjectOffset(f, "single", &o.Single)
	merkle.DefineUint64(f, "tail", &o.Tail)
	merkle.DefineStaticObject(f, "small", &o.Small)
	merkle.DefineUint32Vector(f, "vec32", o.Vec32[:])
	merkle.DefineUint16Vector(f, "vec16", o.Vec16[:])
	merkle.DefineUint8Vector(f, "vec8", o.Vec8[:])
}

func randomBytes(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
}

func randomSmall(rng *rand.Rand) *small {
	s := &small{A: rng.Uint64()}
	randomBytes(rng, s.B[:])
	return s
}

func randomInner(rng *rand.Rand) *inner {
	n := &inner{
		Flag: rng.IntN(2) == 1, U8: uint8(rng.UintN(256)), U16: uint16(rng.UintN(1 << 16)), U32: rng.Uint32(),
		U64: rng.Uint64(), Big: uint256.NewInt(rng.Uint64()), Small: randomSmall(rng),
	}
	n.Big.Lsh(n.Big, uint(rng.IntN(190)))
	for _, b := range [][]byte{n.Addr[:], n.Key[:], n.Sig[:], n.Bloom[:], n.Wide[:], n.Blob[:]} {
		randomBytes(rng, b)
	}
	n.JBits[0] = byte(rng.UintN(16))
	n.Data = make([]byte, rng.IntN(dataLimit+1))
	randomBytes(rng, n.Data)
	n.Bits = bitfield.NewBitlist(uint64(rng.IntN(bitsLimit + 1)))
	for i := range n.Bits.Len() {
		n.Bits.SetBitAt(i, rng.IntN(2) == 1)
	}
	n.Bits2 = bitfield.NewBitlist(uint64(rng.IntN(bits2Limit + 1)))
	for i := range n.Bits2.Len() {
		n.Bits2.SetBitAt(i, rng.IntN(2) == 1)
	}
	for range rng.IntN(numsLimit + 1) {
		n.Nums = append(n.Nums, rng.Uint64())
	}
	for i := range n.Fixed {
		n.Fixed[i] = rng.Uint64()
		randomBytes(rng, n.Roots[i][:])
	}
	n.Keys = make([][48]byte, rng.IntN(keysLimit+1))
	for i := range n.Keys {
		randomBytes(rng, n.Keys[i][:])
	}
	n.Txs = make([][]byte, rng.IntN(txsLimit+1))
	for i := range n.Txs {
		n.Txs[i] = make([]byte, rng.IntN(txLimit+1))
		randomBytes(rng, n.Txs[i])
	}
	for range rng.IntN(smallLimit + 1) {
		n.Smalls = append(n.Smalls, randomSmall(rng))
	}
	return n
}

func randomOuter(rng *rand.Rand) *outer {
	o := &outer{Inner: randomInner(rng), Single: &single{}, Tail: rng.Uint64(), Small: randomSmall(rng)}
	for range rng.IntN(innerLimit + 1) {
		o.Inners = append(o.Inners, randomInner(rng))
	}
	for range rng.IntN(21) {
		o.Single.List = append(o.Single.List, uint16(rng.UintN(1<<16)))
	}
	for i := range o.Vec32 {
		o.Vec32[i] = rng.Uint32()
		o.Vec16[i] = uint16(rng.Uint32())
		o.Vec8[i] = uint8(rng.Uint32())
	}
	return o
}

// refTree is a reference hash tree: every node of an object's hash tree by generalized index, root at 1, built
// from the spec's rules with the spec's merkle_tree; padding chunks are leaves.
type refTree map[merkle.GeneralizedIndex][32]byte

// graft puts sub's nodes below node at of t.
func (t refTree) graft(at merkle.GeneralizedIndex, sub refTree) {
	for g, node := range sub {
		depth := merkle.GetGeneralizedIndexLength(g)
		t[at<<depth|(g-1<<depth)] = node
	}
}

// refMerkleize builds the tree of chunks padded to limit chunks, grafting each chunk's own subtree below it.
func refMerkleize(chunks [][32]byte, subtrees []refTree, limit uint64) refTree {
	padded := make([][32]byte, merkle.GetPowerOfTwoCeil(max(limit, uint64(len(chunks)))))
	copy(padded, chunks)
	nodes := specMerkleTree(padded)
	t := make(refTree)
	for g := 1; g < len(nodes); g++ {
		t[merkle.GeneralizedIndex(g)] = nodes[g]
	}
	for i, sub := range subtrees {
		t.graft(merkle.GeneralizedIndex(len(padded)+i), sub)
	}
	return t
}

func refMixIn(data refTree, length uint64) refTree {
	var n [32]byte
	binary.LittleEndian.PutUint64(n[:], length)
	t := refTree{1: hash(data[1], n), 3: n}
	t.graft(2, data)
	return t
}

func refPack(b []byte) [][32]byte {
	chunks := make([][32]byte, (len(b)+31)/32)
	for i := range chunks {
		copy(chunks[i][:], b[i*32:])
	}
	return chunks
}

func refChunk(b ...byte) refTree {
	var c [32]byte
	copy(c[:], b)
	return refTree{1: c}
}

func refUint(n uint64, size int) refTree {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], n)
	return refChunk(b[:size]...)
}

func refBytes(b []byte) refTree { return refMerkleize(refPack(b), nil, uint64(len(b)+31)/32) }

func refByteList(b []byte, limit uint64) refTree {
	return refMixIn(refMerkleize(refPack(b), nil, (limit+31)/32), uint64(len(b)))
}

func refContainer(fields ...refTree) refTree {
	roots := make([][32]byte, len(fields))
	for i, f := range fields {
		roots[i] = f[1]
	}
	return refMerkleize(roots, fields, uint64(len(fields)))
}

func refComposite(elems []refTree, limit uint64, list bool) refTree {
	roots := make([][32]byte, len(elems))
	for i, e := range elems {
		roots[i] = e[1]
	}
	data := refMerkleize(roots, elems, limit)
	if !list {
		return data
	}
	return refMixIn(data, uint64(len(elems)))
}

func refUint64s(ns []uint64) []byte {
	b := make([]byte, 8*len(ns))
	for i, n := range ns {
		binary.LittleEndian.PutUint64(b[8*i:], n)
	}
	return b
}

func refSmall(s *small) refTree { return refContainer(refUint(s.A, 8), refChunk(s.B[:]...)) }

// refBitlist is the reference tree of a Bitlist[limit].
func refBitlist(b bitfield.Bitlist, limit uint64) refTree {
	bits := make([]byte, (b.Len()+7)/8)
	for i := range b.Len() {
		if b.BitAt(i) {
			bits[i/8] |= 1 << (i % 8)
		}
	}
	return refMixIn(refMerkleize(refPack(bits), nil, (limit+255)/256), b.Len())
}

func refInner(n *inner) refTree {
	var roots, keys, txs, smalls []refTree
	for i := range n.Roots {
		roots = append(roots, refChunk(n.Roots[i][:]...))
	}
	for i := range n.Keys {
		keys = append(keys, refBytes(n.Keys[i][:]))
	}
	for _, tx := range n.Txs {
		txs = append(txs, refByteList(tx, txLimit))
	}
	for _, s := range n.Smalls {
		smalls = append(smalls, refSmall(s))
	}
	var big [32]byte
	n.Big.MarshalSSZInto(big[:])
	flag := byte(0)
	if n.Flag {
		flag = 1
	}
	return refContainer(
		refChunk(flag), refUint(uint64(n.U8), 1), refUint(uint64(n.U16), 2), refUint(uint64(n.U32), 4),
		refUint(n.U64, 8), refChunk(big[:]...),
		refBytes(n.Addr[:]), refBytes(n.Key[:]), refBytes(n.Sig[:]), refBytes(n.Bloom[:]),
		refByteList(n.Data, dataLimit),
		refBitlist(n.Bits, bitsLimit),
		refChunk(n.JBits[0]),
		refBytes(n.Wide[:]),
		refMixIn(refMerkleize(refPack(refUint64s(n.Nums)), nil, (numsLimit*8+31)/32), uint64(len(n.Nums))),
		refBytes(refUint64s(n.Fixed[:])),
		refComposite(roots, uint64(len(roots)), false),
		refComposite(keys, keysLimit, true),
		refComposite(txs, txsLimit, true),
		refSmall(n.Small),
		refComposite(smalls, smallLimit, true),
		refBytes(n.Blob[:]),
		refBitlist(n.Bits2, bits2Limit),
	)
}

func refOuter(o *outer) refTree {
	var inners []refTree
	for _, n := range o.Inners {
		inners = append(inners, refInner(n))
	}
	list := make([]byte, 2*len(o.Single.List))
	for i, n := range o.Single.List {
		binary.LittleEndian.PutUint16(list[2*i:], n)
	}
	vec32, vec16 := make([]byte, 12), make([]byte, 6)
	for i := range o.Vec32 {
		binary.LittleEndian.PutUint32(vec32[4*i:], o.Vec32[i])
		binary.LittleEndian.PutUint16(vec16[2*i:], o.Vec16[i])
	}
	return refContainer(
		refInner(o.Inner),
		refComposite(inners, innerLimit, true),
		refContainer(refMixIn(refMerkleize(refPack(list), nil, (20*2+31)/32), uint64(len(o.Single.List)))),
		refUint(o.Tail, 8),
		refSmall(o.Small),
		refBytes(vec32),
		refBytes(vec16),
		refBytes(o.Vec8[:]),
	)
}

func TestReferenceTreeMatchesLibraryRoot(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		o := randomOuter(rng)
		if ref, lib := refOuter(o)[1], ssz.HashSequential(o); ref != lib {
			t.Fatalf("reference root %x, karalabe/ssz root %x", ref, lib)
		}
	}
}

// TestProofsMatchReferenceTree checks every node of random objects' hash trees, and the proof of every node,
// against the reference tree.
func TestProofsMatchReferenceTree(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 8 {
		o := randomOuter(rng)
		ref := refOuter(o)
		shared := merkle.NewTree(o)
		if root := shared.Root(); root != ref[1] {
			t.Fatalf("tree root %x, want %x", root, ref[1])
		}
		indices := make([]merkle.GeneralizedIndex, 0, len(ref))
		for g := range ref {
			indices = append(indices, g)
		}
		slices.Sort(indices)
		for _, g := range indices {
			node, err := shared.Node(g)
			if err != nil || node != ref[g] {
				t.Fatalf("node %d = %x, %v; want %x", g, node, err, ref[g])
			}
			// A fresh tree for every other node, so that both the remembered and the fresh paths are checked.
			tree := shared
			if g%2 == 0 {
				tree = merkle.NewTree(o)
			}
			proof, err := merkle.ComputeMerkleProof(tree, g)
			if err != nil {
				t.Fatalf("proof of node %d: %v", g, err)
			}
			for i, b := range merkle.GetBranchIndices(g) {
				if proof[i] != ref[b] {
					t.Fatalf("proof of node %d: node %d of the branch = %x, want %x", g, b, proof[i], ref[b])
				}
			}
			if !merkle.VerifyMerkleProof(ref[g], proof, g, ref[1]) {
				t.Fatalf("proof of node %d does not verify", g)
			}
			if root := tree.Root(); root != ref[1] {
				t.Fatalf("after proving node %d the root is %x, want %x", g, root, ref[1])
			}
			// Below a leaf of the reference tree there is nothing to prove.
			if _, isInner := ref[2*g]; !isInner && g < 1<<40 {
				if _, err := merkle.ComputeMerkleProof(tree, 2*g+1); !errors.Is(err, merkle.ErrNoSuchNode) {
					t.Fatalf("proof below leaf %d: err = %v, want ErrNoSuchNode", g, err)
				}
			}
		}
	}
}

func TestMultiproofsOfObjects(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for range 10 {
		o := randomOuter(rng)
		ref := refOuter(o)
		all := make([]merkle.GeneralizedIndex, 0, len(ref))
		for g := range ref {
			all = append(all, g)
		}
		slices.Sort(all)
		tree := merkle.NewTree(o)
		for range 30 {
			var indices []merkle.GeneralizedIndex
			for range 1 + rng.IntN(8) {
				if g := all[rng.IntN(len(all))]; !slices.Contains(indices, g) {
					indices = append(indices, g)
				}
			}
			proof, err := merkle.ComputeMerkleMultiproof(tree, indices)
			if err != nil {
				t.Fatalf("multiproof of %v: %v", indices, err)
			}
			leaves := make([][32]byte, len(indices))
			for i, g := range indices {
				leaves[i] = ref[g]
			}
			if !merkle.VerifyMerkleMultiproof(leaves, proof, indices, ssz.HashSequential(o)) {
				t.Fatalf("multiproof of %v does not verify", indices)
			}
		}
	}
}

func TestGetGeneralizedIndex(t *testing.T) {
	typ := merkle.TypeOf((*outer)(nil))
	for _, tc := range []struct {
		path []merkle.PathElement
		want merkle.GeneralizedIndex
	}{
		{nil, 1},
		// outer has 8 fields: a depth-3 tree.
		{[]merkle.PathElement{merkle.Field("inner")}, 8},
		{[]merkle.PathElement{merkle.Index(3)}, 11},
		{[]merkle.PathElement{merkle.Field("tail")}, 11},
		// inner has 23 fields: depth 5. Its u64 is field 4.
		{[]merkle.PathElement{merkle.Field("inner"), merkle.Field("u64")}, 8<<5 + 4},
		// data: ByteList[70] is 3 chunks padded to 4 beside its length.
		{[]merkle.PathElement{merkle.Field("inner"), merkle.Field("data"), merkle.Len}, (8<<5+10)*2 + 1},
		{[]merkle.PathElement{merkle.Field("inner"), merkle.Field("data"), merkle.Index(69)}, (8<<5+10)*2*4 + 2},
		// nums: List[uint64, 10] packs 4 to a chunk: 3 chunks.
		{[]merkle.PathElement{merkle.Field("inner"), merkle.Field("nums"), merkle.Index(9)}, (8<<5+14)*2*4 + 2},
		// keys: List[ByteVector[48], 6], then byte 40 of a key is in its second chunk.
		{[]merkle.PathElement{merkle.Field("inner"), merkle.Field("keys"), merkle.Index(5), merkle.Index(40)}, ((8<<5+17)*2*8+5)*2 + 1},
		// bits: Bitlist[300], bit 299 is in chunk 1 of 2.
		{[]merkle.PathElement{merkle.Field("inner"), merkle.Field("bits"), merkle.Index(299)}, (8<<5+11)*2*2 + 1},
		// inners: List[inner, 3], element 2's smalls' element 4's b.
		{[]merkle.PathElement{merkle.Field("inners"), merkle.Index(2), merkle.Field("smalls"), merkle.Index(4), merkle.Field("b")},
			((((9*2*4+2)<<5+20)*2*8+4)*2 + 1)},
		// single has one field: its root is the list's root.
		{[]merkle.PathElement{merkle.Field("single"), merkle.Field("list"), merkle.Len}, 10*2 + 1},
		{[]merkle.PathElement{merkle.Field("single"), merkle.Index(0), merkle.Index(19)}, 10*2*2 + 1},
	} {
		got, err := merkle.GetGeneralizedIndex(typ, tc.path...)
		if err != nil || got != tc.want {
			t.Errorf("GetGeneralizedIndex(outer, %v) = %d, %v; want %d", tc.path, got, err, tc.want)
		}
	}
	for _, path := range [][]merkle.PathElement{
		{merkle.Field("nope")},
		{merkle.Index(8)},
		{merkle.Field("tail"), merkle.Index(0)},
		{merkle.Len},
		{merkle.Field("inner"), merkle.Field("nums"), merkle.Index(10)},
		{merkle.Field("inner"), merkle.Field("fixed"), merkle.Len},
		{merkle.Field("inner"), merkle.Field("bits"), merkle.Index(3), merkle.Index(0)},
		{merkle.Field("inners"), merkle.Field("x")},
	} {
		if got, err := merkle.GetGeneralizedIndex(typ, path...); !errors.Is(err, merkle.ErrInvalidPath) {
			t.Errorf("GetGeneralizedIndex(outer, %v) = %d, %v; want ErrInvalidPath", path, got, err)
		}
	}
}

// TestGeneralizedIndicesLeadToTheirNodes checks that the index GetGeneralizedIndex computes for a path is where the
// tree holds the value at the end of that path.
func TestGeneralizedIndicesLeadToTheirNodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	o := randomOuter(rng)
	for len(o.Inners) < 3 {
		o.Inners = append(o.Inners, randomInner(rng))
	}
	o.Inners[2].Smalls = []*small{randomSmall(rng)}
	tree := merkle.NewTree(o)
	typ := merkle.TypeOf(o)
	for _, tc := range []struct {
		path []merkle.PathElement
		want [32]byte
	}{
		{[]merkle.PathElement{merkle.Field("inner")}, ssz.HashSequential(o.Inner)},
		{[]merkle.PathElement{merkle.Field("inner"), merkle.Field("small")}, ssz.HashSequential(o.Inner.Small)},
		{[]merkle.PathElement{merkle.Field("inners"), merkle.Index(2), merkle.Field("smalls"), merkle.Index(0), merkle.Field("b")}, o.Inners[2].Smalls[0].B},
		{[]merkle.PathElement{merkle.Field("inners"), merkle.Len}, refUint(uint64(len(o.Inners)), 8)[1]},
		{[]merkle.PathElement{merkle.Field("inner"), merkle.Field("roots"), merkle.Index(3)}, o.Inner.Roots[3]},
	} {
		g, err := merkle.GetGeneralizedIndex(typ, tc.path...)
		if err != nil {
			t.Fatalf("GetGeneralizedIndex(%v): %v", tc.path, err)
		}
		if node, err := tree.Node(g); err != nil || node != tc.want {
			t.Errorf("node at %v (%d) = %x, %v; want %x", tc.path, g, node, err, tc.want)
		}
	}
}

func TestObjectsThatBreakTheirType(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	o := randomOuter(rng)
	o.Inner.Nums = make([]uint64, numsLimit+1)
	tree := merkle.NewTree(o)
	// The inner object's own fields are unreachable; the rest of the tree is fine.
	if _, err := merkle.ComputeMerkleProof(tree, 8<<5+14); !errors.Is(err, merkle.ErrInvalidObject) {
		t.Errorf("proof into an over-long list: err = %v, want ErrInvalidObject", err)
	}
	if _, err := merkle.ComputeMerkleProof(tree, 11); err != nil {
		t.Errorf("proof beside an over-long list: %v", err)
	}
	o = randomOuter(rng)
	o.Inner.Bits = bitfield.Bitlist{0x01, 0x00}
	if _, err := merkle.ComputeMerkleProof(merkle.NewTree(o), 8<<5); !errors.Is(err, merkle.ErrInvalidObject) {
		t.Errorf("proof into a bitlist without its length bit: err = %v, want ErrInvalidObject", err)
	}
	if _, err := merkle.ComputeMerkleProof(merkle.NewTree(o), 0); !errors.Is(err, merkle.ErrInvalidGeneralizedIndex) {
		t.Errorf("proof of index 0: err = %v, want ErrInvalidGeneralizedIndex", err)
	}
}

func TestTreeConcurrentUse(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	o := randomOuter(rng)
	ref := refOuter(o)
	tree := merkle.NewTree(o)
	indices := make([]merkle.GeneralizedIndex, 0, len(ref))
	for g := range ref {
		indices = append(indices, g)
	}
	errs := make(chan error, 4)
	for w := range 4 {
		go func() {
			for i := w; i < len(indices); i += 4 {
				g := indices[i]
				proof, err := merkle.ComputeMerkleProof(tree, g)
				if err == nil && !merkle.VerifyMerkleProof(ref[g], proof, g, ref[1]) {
					err = errors.New("a proof does not verify")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
