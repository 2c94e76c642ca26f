package sszkit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/karalabe/ssz"
	"github.com/prysmaticlabs/go-bitfield"
)

type pair struct {
	X uint16
	Y uint64
}

func (p *pair) SizeSSZ(*ssz.Sizer) uint32 { return 10 }
func (p *pair) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint16(c, &p.X)
	ssz.DefineUint64(c, &p.Y)
}

func (p *pair) root() [32]byte {
	var x, y [32]byte
	copy(x[:], le16(p.X))
	copy(y[:], le64(p.Y))
	return refMerkleize([][32]byte{x, y}, -1)
}

// leaf is a dynamic container: {N: uint8, B: List[byte, 10]}.
type leaf struct {
	N uint8
	B []byte
}

func (l *leaf) SizeSSZ(_ *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 5
	}
	return 5 + uint32(len(l.B))
}

func (l *leaf) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint8(c, &l.N)
	ssz.DefineDynamicBytesOffset(c, &l.B, 10)
	ssz.DefineDynamicBytesContent(c, &l.B, 10)
}

func (l *leaf) serialize() []byte {
	return append(append([]byte{l.N}, le32(5)...), l.B...)
}

func (l *leaf) root() [32]byte {
	var n [32]byte
	n[0] = l.N
	return refMerkleize([][32]byte{n, refMixIn(refMerkleize(refPack(l.B), 1), len(l.B))}, -1)
}

// dynamicKit holds one field of every variable-size helper.
type dynamicKit struct {
	A     uint16
	L16   []uint16         // List[uint16, 5]
	L32   []uint32         // List[uint32, 40]
	L8    []uint8          // List[uint8, 3]
	L64   []gwei           // List[uint64, 7]
	PB    []byte           // ProgressiveList[byte]
	P16   []uint16         // ProgressiveList[uint16]
	PBits bitfield.Bitlist // ProgressiveBitlist
	PObj  []*pair          // ProgressiveList[pair]
	PDyn  []*leaf          // ProgressiveList[leaf]
}

const dynamicKitFixed = 2 + 9*4

func (d *dynamicKit) SizeSSZ(siz *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return dynamicKitFixed
	}
	return dynamicKitFixed + SizeUintList(d.L16) + SizeUintList(d.L32) + SizeUintList(d.L8) + SizeUintList(d.L64) +
		ssz.SizeDynamicBytes(siz, d.PB) + SizeUintList(d.P16) + ssz.SizeSliceOfBits(siz, d.PBits) +
		ssz.SizeSliceOfStaticObjects(siz, d.PObj) + ssz.SizeSliceOfDynamicObjects(siz, d.PDyn)
}

func (d *dynamicKit) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint16(c, &d.A)
	DefineUintListOffset(c, &d.L16, 5)
	DefineUintListOffset(c, &d.L32, 40)
	DefineUintListOffset(c, &d.L8, 3)
	DefineUintListOffset(c, &d.L64, 7)
	DefineProgressiveByteListOffset(c, &d.PB)
	DefineProgressiveUintListOffset(c, &d.P16)
	DefineProgressiveBitlistOffset(c, &d.PBits)
	DefineProgressiveStaticObjectsOffset(c, &d.PObj)
	DefineProgressiveDynamicObjectsOffset(c, &d.PDyn)

	DefineUintListContent(c, &d.L16, 5)
	DefineUintListContent(c, &d.L32, 40)
	DefineUintListContent(c, &d.L8, 3)
	DefineUintListContent(c, &d.L64, 7)
	DefineProgressiveByteListContent(c, &d.PB)
	DefineProgressiveUintListContent(c, &d.P16)
	DefineProgressiveBitlistContent(c, &d.PBits)
	DefineProgressiveStaticObjectsContent(c, &d.PObj)
	DefineProgressiveDynamicObjectsContent(c, &d.PDyn)
}

func randomDynamicKit(rng *rand.Rand) *dynamicKit {
	d := &dynamicKit{A: uint16(rng.Uint32())}
	d.L16 = make([]uint16, rng.IntN(6))
	for i := range d.L16 {
		d.L16[i] = uint16(rng.Uint32())
	}
	d.L32 = make([]uint32, rng.IntN(41))
	for i := range d.L32 {
		d.L32[i] = rng.Uint32()
	}
	d.L8 = make([]uint8, rng.IntN(4))
	for i := range d.L8 {
		d.L8[i] = uint8(rng.Uint32())
	}
	d.L64 = make([]gwei, rng.IntN(8))
	for i := range d.L64 {
		d.L64[i] = gwei(rng.Uint64())
	}
	d.PB = make([]byte, rng.IntN(200))
	for i := range d.PB {
		d.PB[i] = byte(rng.Uint32())
	}
	d.P16 = make([]uint16, rng.IntN(700))
	for i := range d.P16 {
		d.P16[i] = uint16(rng.Uint32())
	}
	d.PBits = bitfield.NewBitlist(uint64(rng.IntN(2000)))
	for i := range d.PBits.Len() {
		d.PBits.SetBitAt(i, rng.IntN(2) == 1)
	}
	d.PObj = make([]*pair, rng.IntN(30))
	for i := range d.PObj {
		d.PObj[i] = &pair{X: uint16(rng.Uint32()), Y: rng.Uint64()}
	}
	d.PDyn = make([]*leaf, rng.IntN(25))
	for i := range d.PDyn {
		d.PDyn[i] = &leaf{N: uint8(rng.Uint32()), B: make([]byte, rng.IntN(11))}
		for j := range d.PDyn[i].B {
			d.PDyn[i].B[j] = byte(rng.Uint32())
		}
	}
	return d
}

// withOffsets lays out the fixed part (A and one offset per part) and then the parts, as SSZ does.
func withOffsets(a uint16, parts [][]byte) []byte {
	out := le16(a)
	offset := 2 + 4*len(parts)
	for _, p := range parts {
		out = binary.LittleEndian.AppendUint32(out, uint32(offset))
		offset += len(p)
	}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// expectedDynamic returns the serialized content of each variable-size field and the object's root, from the spec.
func expectedDynamic(d *dynamicKit) ([][]byte, [32]byte) {
	var l16, l32, l64, p16 []byte
	for _, n := range d.L16 {
		l16 = append(l16, le16(n)...)
	}
	for _, n := range d.L32 {
		l32 = append(l32, le32(n)...)
	}
	for _, n := range d.L64 {
		l64 = append(l64, le64(uint64(n))...)
	}
	for _, n := range d.P16 {
		p16 = append(p16, le16(n)...)
	}
	var objs, objRoots [][32]byte
	var objBytes []byte
	for _, p := range d.PObj {
		objBytes = append(objBytes, append(le16(p.X), le64(p.Y)...)...)
		objRoots = append(objRoots, p.root())
	}
	var dynParts [][]byte
	for _, l := range d.PDyn {
		dynParts = append(dynParts, l.serialize())
		objs = append(objs, l.root())
	}
	var dynBytes []byte // a list of dynamic items: their offsets, then the items
	offset := 4 * len(dynParts)
	for _, p := range dynParts {
		dynBytes = binary.LittleEndian.AppendUint32(dynBytes, uint32(offset))
		offset += len(p)
	}
	for _, p := range dynParts {
		dynBytes = append(dynBytes, p...)
	}
	packedBits, nBits := refBitlistBits(d.PBits)

	var a [32]byte
	copy(a[:], le16(d.A))
	roots := [][32]byte{
		a,
		refMixIn(refMerkleize(refPack(l16), 1), len(d.L16)),
		refMixIn(refMerkleize(refPack(l32), 5), len(d.L32)),
		refMixIn(refMerkleize(refPack(d.L8), 1), len(d.L8)),
		refMixIn(refMerkleize(refPack(l64), 2), len(d.L64)),
		refMixIn(refProgressive(refPack(d.PB), 1), len(d.PB)),
		refMixIn(refProgressive(refPack(p16), 1), len(d.P16)),
		refMixIn(refProgressive(refPack(packedBits), 1), nBits),
		refMixIn(refProgressive(objRoots, 1), len(d.PObj)),
		refMixIn(refProgressive(objs, 1), len(d.PDyn)),
	}
	parts := [][]byte{l16, l32, d.L8, l64, d.PB, p16, d.PBits, objBytes, dynBytes}
	return parts, refMerkleize(roots, -1)
}

func TestDynamicHelpersMatchSpec(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 100 {
		d := randomDynamicKit(rng)
		parts, wantRoot := expectedDynamic(d)
		want := withOffsets(d.A, parts)

		got := make([]byte, ssz.Size(d))
		if err := ssz.EncodeToBytes(got, d); err != nil {
			t.Fatalf("encode: %v", err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("encoding\n got %x\nwant %x", got, want)
		}
		decoded := new(dynamicKit)
		if err := ssz.DecodeFromBytes(want, decoded); err != nil {
			t.Fatalf("decode: %v", err)
		}
		if !reflect.DeepEqual(normalize(decoded), normalize(d)) {
			t.Fatalf("decoded %+v\nwant %+v", decoded, d)
		}
		if root := ssz.HashSequential(d); root != wantRoot {
			t.Fatalf("root %x, want %x", root, wantRoot)
		}
		if root := ssz.HashSequential(decoded); root != wantRoot {
			t.Fatalf("root of decoded %x, want %x", root, wantRoot)
		}
	}
}

// normalize makes empty lists nil so that a decoded empty list equals a constructed one.
func normalize(d *dynamicKit) dynamicKit {
	n := *d
	if len(n.L16) == 0 {
		n.L16 = nil
	}
	if len(n.L32) == 0 {
		n.L32 = nil
	}
	if len(n.L8) == 0 {
		n.L8 = nil
	}
	if len(n.L64) == 0 {
		n.L64 = nil
	}
	if len(n.PB) == 0 {
		n.PB = nil
	}
	if len(n.P16) == 0 {
		n.P16 = nil
	}
	if len(n.PObj) == 0 {
		n.PObj = nil
	}
	if len(n.PDyn) == 0 {
		n.PDyn = nil
	}
	for _, l := range n.PDyn {
		if len(l.B) == 0 {
			l.B = nil
		}
	}
	return n
}

func TestDynamicHelpersRejectMalformedInput(t *testing.T) {
	valid := [][]byte{le16(1), le32(2), {3}, le64(4), {5}, le16(6), {0x0d}, make([]byte, 10), nil}
	with := func(field int, content []byte) []byte {
		parts := append([][]byte(nil), valid...)
		parts[field] = content
		return withOffsets(9, parts)
	}
	if err := ssz.DecodeFromBytes(withOffsets(9, valid), new(dynamicKit)); err != nil {
		t.Fatalf("baseline does not decode: %v", err)
	}
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"List[uint16] odd length", with(0, []byte{1, 2, 3}), ssz.ErrDynamicStaticsIndivisible},
		{"List[uint16, 5] with 6 items", with(0, make([]byte, 12)), ssz.ErrMaxItemsExceeded},
		{"List[uint32] length 6", with(1, make([]byte, 6)), ssz.ErrDynamicStaticsIndivisible},
		{"List[uint32, 40] with 41 items", with(1, make([]byte, 164)), ssz.ErrMaxItemsExceeded},
		{"List[uint8, 3] with 4 items", with(2, make([]byte, 4)), ssz.ErrMaxLengthExceeded},
		{"List[uint64] length 9", with(3, make([]byte, 9)), ssz.ErrDynamicStaticsIndivisible},
		{"List[uint64, 7] with 8 items", with(3, make([]byte, 64)), ssz.ErrMaxItemsExceeded},
		{"ProgressiveList[uint16] odd length", with(5, []byte{1}), ssz.ErrDynamicStaticsIndivisible},
		{"ProgressiveBitlist empty", with(6, nil), ssz.ErrJunkInBitlist},
		{"ProgressiveBitlist without delimiter", with(6, []byte{0xff, 0x00}), ssz.ErrJunkInBitlist},
		{"ProgressiveList[pair] partial item", with(7, make([]byte, 15)), ssz.ErrDynamicStaticsIndivisible},
		{"ProgressiveList[leaf] offset past end", with(8, []byte{8, 0, 0, 0}), ssz.ErrOffsetBeyondCapacity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ssz.DecodeFromBytes(tt.input, new(dynamicKit))
			if !errors.Is(err, tt.want) {
				t.Fatalf("decode error %v, want %v", err, tt.want)
			}
		})
	}

	base := withOffsets(9, valid)
	offsetAt := func(field int) int { return 2 + 4*field }
	corrupt := func(field int, delta int) []byte {
		b := bytes.Clone(base)
		o := binary.LittleEndian.Uint32(b[offsetAt(field):])
		binary.LittleEndian.PutUint32(b[offsetAt(field):], uint32(int(o)+delta))
		return b
	}
	for name, input := range map[string][]byte{
		"first offset before the fixed part ends": corrupt(0, -1),
		"first offset past the fixed part":        corrupt(0, 1),
		"offsets out of order":                    corrupt(4, -10),
		"offset beyond the input":                 corrupt(8, 1000),
		"trailing byte":                           append(bytes.Clone(base), 0),
	} {
		t.Run(name, func(t *testing.T) {
			if err := ssz.DecodeFromBytes(input, new(dynamicKit)); err == nil {
				t.Fatal("decoded")
			}
		})
	}
}

// FuzzDecode feeds arbitrary bytes to both kits: decoding must never panic, and whatever decodes must re-encode to
// the same bytes (SSZ has exactly one encoding per value) and hash.
func FuzzDecode(f *testing.F) {
	rng := rand.New(rand.NewPCG(9, 10))
	s := randomStaticKit(rng)
	sb, _ := expectedStatic(s)
	f.Add(sb)
	for range 4 {
		d := randomDynamicKit(rng)
		parts, _ := expectedDynamic(d)
		f.Add(withOffsets(d.A, parts))
	}
	f.Add([]byte{})
	f.Add(withOffsets(0, make([][]byte, 9)))
	f.Fuzz(func(t *testing.T, input []byte) {
		for _, obj := range []ssz.Object{new(staticKit), new(dynamicKit)} {
			if err := ssz.DecodeFromBytes(input, obj); err != nil {
				continue
			}
			out := make([]byte, ssz.Size(obj))
			if err := ssz.EncodeToBytes(out, obj); err != nil {
				t.Fatalf("%T re-encode: %v", obj, err)
			}
			if !bytes.Equal(out, input) {
				t.Fatalf("%T re-encoded\n%x\nfrom\n%x", obj, out, input)
			}
			ssz.HashSequential(obj)
		}
	})
}
