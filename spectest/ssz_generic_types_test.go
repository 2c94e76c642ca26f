package spectest

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/karalabe/ssz"
	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/sszkit"
)

// The container types of the ssz_generic vectors (tests/formats/ssz_generic/README.md), written with karalabe/ssz
// and sszkit.

type SingleFieldTestStruct struct {
	A byte
}

func (s *SingleFieldTestStruct) SizeSSZ(*ssz.Sizer) uint32 { return 1 }
func (s *SingleFieldTestStruct) DefineSSZ(c *ssz.Codec)    { ssz.DefineUint8(c, &s.A) }

type SmallTestStruct struct {
	A, B uint16
}

func (s *SmallTestStruct) SizeSSZ(*ssz.Sizer) uint32 { return 4 }
func (s *SmallTestStruct) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint16(c, &s.A)
	ssz.DefineUint16(c, &s.B)
}

type FixedTestStruct struct {
	A uint8
	B uint64
	C uint32
}

func (s *FixedTestStruct) SizeSSZ(*ssz.Sizer) uint32 { return 13 }
func (s *FixedTestStruct) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint8(c, &s.A)
	ssz.DefineUint64(c, &s.B)
	ssz.DefineUint32(c, &s.C)
}

type VarTestStruct struct {
	A uint16
	B []uint16 // List[uint16, 1024]
	C uint8
}

func (s *VarTestStruct) SizeSSZ(_ *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 2 + 4 + 1
	}
	return 2 + 4 + 1 + sszkit.SizeUintList(s.B)
}

func (s *VarTestStruct) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint16(c, &s.A)
	sszkit.DefineUintListOffset(c, &s.B, 1024)
	ssz.DefineUint8(c, &s.C)
	sszkit.DefineUintListContent(c, &s.B, 1024)
}

type ComplexTestStruct struct {
	A uint16
	B []uint16 // List[uint16, 128]
	C uint8
	D []byte // ByteList[256]
	E *VarTestStruct
	F *fixedTestStructs4 // Vector[FixedTestStruct, 4]
	G *varTestStructs2   // Vector[VarTestStruct, 2]
}

func (s *ComplexTestStruct) SizeSSZ(siz *ssz.Sizer, fixed bool) uint32 {
	size := uint32(2 + 4 + 1 + 4 + 4 + 4*13 + 4)
	if fixed {
		return size
	}
	return size + sszkit.SizeUintList(s.B) + ssz.SizeDynamicBytes(siz, s.D) + ssz.SizeDynamicObject(siz, s.E) +
		ssz.SizeDynamicObject(siz, s.G)
}

func (s *ComplexTestStruct) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint16(c, &s.A)
	sszkit.DefineUintListOffset(c, &s.B, 128)
	ssz.DefineUint8(c, &s.C)
	ssz.DefineDynamicBytesOffset(c, &s.D, 256)
	ssz.DefineDynamicObjectOffset(c, &s.E)
	ssz.DefineStaticObject(c, &s.F)
	ssz.DefineDynamicObjectOffset(c, &s.G)

	sszkit.DefineUintListContent(c, &s.B, 128)
	ssz.DefineDynamicBytesContent(c, &s.D, 256)
	ssz.DefineDynamicObjectContent(c, &s.E)
	ssz.DefineDynamicObjectContent(c, &s.G)
}

// fixedTestStructs4 is Vector[FixedTestStruct, 4]. A vector of containers serializes as the containers back to back
// and hashes as merkleize of their roots: exactly a container with one field per element, which is how it is defined.
type fixedTestStructs4 [4]*FixedTestStruct

func (v *fixedTestStructs4) SizeSSZ(*ssz.Sizer) uint32 { return 4 * 13 }
func (v *fixedTestStructs4) DefineSSZ(c *ssz.Codec) {
	for i := range v {
		ssz.DefineStaticObject(c, &v[i])
	}
}

// varTestStructs2 is Vector[VarTestStruct, 2]: like fixedTestStructs4, a container with one (dynamic) field per
// element has the vector's serialization (offsets, then elements) and root.
type varTestStructs2 [2]*VarTestStruct

func (v *varTestStructs2) SizeSSZ(siz *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 2 * 4
	}
	return 2*4 + ssz.SizeDynamicObject(siz, v[0]) + ssz.SizeDynamicObject(siz, v[1])
}

func (v *varTestStructs2) DefineSSZ(c *ssz.Codec) {
	for i := range v {
		ssz.DefineDynamicObjectOffset(c, &v[i])
	}
	for i := range v {
		ssz.DefineDynamicObjectContent(c, &v[i])
	}
}

type BitsStruct struct {
	A bitfield.Bitlist // Bitlist[5]
	B [1]byte          // Bitvector[2]
	C [1]byte          // Bitvector[1]
	D bitfield.Bitlist // Bitlist[6]
	E [1]byte          // Bitvector[8]
}

func (s *BitsStruct) SizeSSZ(siz *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 4 + 1 + 1 + 4 + 1
	}
	return 4 + 1 + 1 + 4 + 1 + ssz.SizeSliceOfBits(siz, s.A) + ssz.SizeSliceOfBits(siz, s.D)
}

func (s *BitsStruct) DefineSSZ(c *ssz.Codec) {
	sszkit.DefineBitlistOffset(c, &s.A, 5)
	sszkit.DefineBitvector(c, s.B[:], 2)
	sszkit.DefineBitvector(c, s.C[:], 1)
	sszkit.DefineBitlistOffset(c, &s.D, 6)
	sszkit.DefineBitvector(c, s.E[:], 8)

	sszkit.DefineBitlistContent(c, &s.A, 5)
	sszkit.DefineBitlistContent(c, &s.D, 6)
}

type ProgressiveBitsStruct struct {
	A [32]byte         // Bitvector[256]
	B bitfield.Bitlist // Bitlist[256]
	C bitfield.Bitlist // ProgressiveBitlist
	D [33]byte         // Bitvector[257]
	E bitfield.Bitlist // Bitlist[257]
	F bitfield.Bitlist // ProgressiveBitlist
	G [160]byte        // Bitvector[1280]
	H bitfield.Bitlist // Bitlist[1280]
	I bitfield.Bitlist // ProgressiveBitlist
	J [161]byte        // Bitvector[1281]
	K bitfield.Bitlist // Bitlist[1281]
	L bitfield.Bitlist // ProgressiveBitlist
}

const progressiveBitsFixed = 32 + 4 + 4 + 33 + 4 + 4 + 160 + 4 + 4 + 161 + 4 + 4

func (s *ProgressiveBitsStruct) SizeSSZ(siz *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return progressiveBitsFixed
	}
	size := uint32(progressiveBitsFixed)
	for _, b := range []bitfield.Bitlist{s.B, s.C, s.E, s.F, s.H, s.I, s.K, s.L} {
		size += ssz.SizeSliceOfBits(siz, b)
	}
	return size
}

func (s *ProgressiveBitsStruct) DefineSSZ(c *ssz.Codec) {
	sszkit.DefineBitvector(c, s.A[:], 256)
	sszkit.DefineBitlistOffset(c, &s.B, 256)
	sszkit.DefineProgressiveBitlistOffset(c, &s.C)
	sszkit.DefineBitvector(c, s.D[:], 257)
	sszkit.DefineBitlistOffset(c, &s.E, 257)
	sszkit.DefineProgressiveBitlistOffset(c, &s.F)
	sszkit.DefineBitvector(c, s.G[:], 1280)
	sszkit.DefineBitlistOffset(c, &s.H, 1280)
	sszkit.DefineProgressiveBitlistOffset(c, &s.I)
	sszkit.DefineBitvector(c, s.J[:], 1281)
	sszkit.DefineBitlistOffset(c, &s.K, 1281)
	sszkit.DefineProgressiveBitlistOffset(c, &s.L)

	sszkit.DefineBitlistContent(c, &s.B, 256)
	sszkit.DefineProgressiveBitlistContent(c, &s.C)
	sszkit.DefineBitlistContent(c, &s.E, 257)
	sszkit.DefineProgressiveBitlistContent(c, &s.F)
	sszkit.DefineBitlistContent(c, &s.H, 1280)
	sszkit.DefineProgressiveBitlistContent(c, &s.I)
	sszkit.DefineBitlistContent(c, &s.K, 1281)
	sszkit.DefineProgressiveBitlistContent(c, &s.L)
}

// ProgressiveTestStruct's field D is a progressive list of progressive lists. karalabe/ssz decodes lists only as
// container fields, so D is decoded in two steps: the library splits it into its elements' bytes (checking D's own
// offsets), and unpack decodes each element as the single field of a wrapper container. Decode the struct with
// decodeProgressiveTestStruct, which runs both.
type ProgressiveTestStruct struct {
	A []byte             // ProgressiveList[byte]
	B []uint64           // ProgressiveList[uint64]
	C []*SmallTestStruct // ProgressiveList[SmallTestStruct]
	D [][]*VarTestStruct // ProgressiveList[ProgressiveList[VarTestStruct]]

	rawD [][]byte // D's elements, serialized: filled by decoding, read by encoding
}

func (s *ProgressiveTestStruct) SizeSSZ(siz *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 4 * 4
	}
	return 4*4 + ssz.SizeDynamicBytes(siz, s.A) + ssz.SizeSliceOfUint64s(siz, s.B) +
		ssz.SizeSliceOfStaticObjects(siz, s.C) + ssz.SizeSliceOfDynamicBytes(siz, s.rawD)
}

func (s *ProgressiveTestStruct) DefineSSZ(c *ssz.Codec) {
	sszkit.DefineProgressiveByteListOffset(c, &s.A)
	sszkit.DefineProgressiveUintListOffset(c, &s.B)
	sszkit.DefineProgressiveStaticObjectsOffset(c, &s.C)
	c.DefineEncoder(func(enc *ssz.Encoder) { ssz.EncodeSliceOfDynamicBytesOffset(enc, s.rawD) })
	c.DefineDecoder(func(dec *ssz.Decoder) { ssz.DecodeSliceOfDynamicBytesOffset(dec, &s.rawD) })
	c.DefineHasher(func(has *ssz.Hasher) {
		roots := make([][32]byte, len(s.D))
		for i, inner := range s.D {
			roots[i] = sszkit.ProgressiveObjectsRoot(inner)
		}
		sszkit.HashRoot(has, sszkit.MixInLength(sszkit.MerkleizeProgressive(roots), uint64(len(s.D))))
	})

	sszkit.DefineProgressiveByteListContent(c, &s.A)
	sszkit.DefineProgressiveUintListContent(c, &s.B)
	sszkit.DefineProgressiveStaticObjectsContent(c, &s.C)
	c.DefineEncoder(func(enc *ssz.Encoder) { ssz.EncodeSliceOfDynamicBytesContent(enc, s.rawD) })
	c.DefineDecoder(func(dec *ssz.Decoder) {
		ssz.DecodeSliceOfDynamicBytesContent(dec, &s.rawD, math.MaxUint32, math.MaxUint32)
	})
}

// varTestStructList wraps one element of ProgressiveTestStruct.D as a container's only field. The container
// serializes as a 4-byte offset (always 4) and then the list, so the list's own bytes are the container's minus that
// offset.
type varTestStructList struct {
	L []*VarTestStruct
}

func (w *varTestStructList) SizeSSZ(siz *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 4
	}
	return 4 + ssz.SizeSliceOfDynamicObjects(siz, w.L)
}

func (w *varTestStructList) DefineSSZ(c *ssz.Codec) {
	ssz.DefineSliceOfDynamicObjectsOffset(c, &w.L, math.MaxUint32)
	ssz.DefineSliceOfDynamicObjectsContent(c, &w.L, math.MaxUint32)
}

// decodeProgressiveTestStruct decodes s from data, D's elements included.
func decodeProgressiveTestStruct(data []byte, s *ProgressiveTestStruct) error {
	if err := ssz.DecodeFromBytes(data, s); err != nil {
		return err
	}
	s.D = make([][]*VarTestStruct, len(s.rawD))
	for i, raw := range s.rawD {
		w := new(varTestStructList)
		if err := ssz.DecodeFromBytes(append(binary.LittleEndian.AppendUint32(nil, 4), raw...), w); err != nil {
			return fmt.Errorf("D[%d]: %w", i, err)
		}
		s.D[i] = w.L
	}
	return nil
}

// packD serializes D into rawD, ready for encoding.
func (s *ProgressiveTestStruct) packD() error {
	s.rawD = make([][]byte, len(s.D))
	for i, inner := range s.D {
		w := &varTestStructList{L: inner}
		buf := make([]byte, ssz.Size(w))
		if err := ssz.EncodeToBytes(buf, w); err != nil {
			return fmt.Errorf("D[%d]: %w", i, err)
		}
		s.rawD[i] = buf[4:]
	}
	return nil
}

// The values in the form value.yaml is compared in (see yamlValuer).

func (s *SingleFieldTestStruct) yamlValue() any { return map[string]any{"A": decimal(s.A)} }

func (s *SmallTestStruct) yamlValue() any {
	return map[string]any{"A": decimal(s.A), "B": decimal(s.B)}
}

func (s *FixedTestStruct) yamlValue() any {
	return map[string]any{"A": decimal(s.A), "B": decimal(s.B), "C": decimal(s.C)}
}

func (s *VarTestStruct) yamlValue() any {
	return map[string]any{"A": decimal(s.A), "B": yamlList(s.B, decimalAny[uint16]), "C": decimal(s.C)}
}

func (s *ComplexTestStruct) yamlValue() any {
	return map[string]any{
		"A": decimal(s.A),
		"B": yamlList(s.B, decimalAny[uint16]),
		"C": decimal(s.C),
		"D": hexString(s.D),
		"E": s.E.yamlValue(),
		"F": yamlList(s.F[:], (*FixedTestStruct).yamlValue),
		"G": yamlList(s.G[:], (*VarTestStruct).yamlValue),
	}
}

func (s *BitsStruct) yamlValue() any {
	return map[string]any{"A": hexString(s.A), "B": hexString(s.B[:]), "C": hexString(s.C[:]), "D": hexString(s.D),
		"E": hexString(s.E[:])}
}

func (s *ProgressiveBitsStruct) yamlValue() any {
	return map[string]any{
		"A": hexString(s.A[:]), "B": hexString(s.B), "C": hexString(s.C), "D": hexString(s.D[:]),
		"E": hexString(s.E), "F": hexString(s.F), "G": hexString(s.G[:]), "H": hexString(s.H),
		"I": hexString(s.I), "J": hexString(s.J[:]), "K": hexString(s.K), "L": hexString(s.L),
	}
}

func (s *ProgressiveTestStruct) yamlValue() any {
	return map[string]any{
		"A": yamlList(s.A, decimalAny[byte]), // a ProgressiveList[byte] is written as numbers, unlike a ByteList
		"B": yamlList(s.B, decimalAny[uint64]),
		"C": yamlList(s.C, (*SmallTestStruct).yamlValue),
		"D": yamlList(s.D, func(inner []*VarTestStruct) any { return yamlList(inner, (*VarTestStruct).yamlValue) }),
	}
}

func decimalAny[T sszkit.Unsigned](n T) any { return decimal(n) }
