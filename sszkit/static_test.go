package sszkit

import (
	"bytes"
	"errors"
	"io"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/holiman/uint256"
	"github.com/karalabe/ssz"
)

type gwei uint64
type flag bool

// staticKit holds one field of every fixed-size helper.
type staticKit struct {
	Bytes  [5]byte        // ByteVector[5]
	Bits13 [2]byte        // Bitvector[13]
	Bits8  [1]byte        // Bitvector[8]
	U8     [3]uint8       // Vector[uint8, 3]
	U16    [3]uint16      // Vector[uint16, 3]
	U32    [3]uint32      // Vector[uint32, 3]
	U64    [5]gwei        // Vector[uint64, 5]
	Bools  [3]flag        // Vector[bool, 3]
	U128s  [2]Uint128     // Vector[uint128, 2]
	U256s  [2]uint256.Int // Vector[uint256, 2]
	U128   Uint128        // uint128
}

const staticKitSize = 5 + 2 + 1 + 3 + 6 + 12 + 40 + 3 + 32 + 64 + 16

func (s *staticKit) SizeSSZ(*ssz.Sizer) uint32 { return staticKitSize }

func (s *staticKit) DefineSSZ(c *ssz.Codec) {
	DefineByteVector(c, s.Bytes[:])
	DefineBitvector(c, s.Bits13[:], 13)
	DefineBitvector(c, s.Bits8[:], 8)
	DefineUint8Vector(c, s.U8[:])
	DefineUint16Vector(c, s.U16[:])
	DefineUint32Vector(c, s.U32[:])
	DefineUint64Vector(c, s.U64[:])
	DefineBoolVector(c, s.Bools[:])
	DefineUint128Vector(c, s.U128s[:])
	DefineUint256Vector(c, s.U256s[:])
	DefineUint128(c, &s.U128)
}

func randomStaticKit(rng *rand.Rand) *staticKit {
	s := new(staticKit)
	for i := range s.Bytes {
		s.Bytes[i] = byte(rng.Uint32())
	}
	s.Bits13 = [2]byte{byte(rng.Uint32()), byte(rng.Uint32()) & 0x1f}
	s.Bits8 = [1]byte{byte(rng.Uint32())}
	for i := range 3 {
		s.U8[i] = uint8(rng.Uint32())
		s.U16[i] = uint16(rng.Uint32())
		s.U32[i] = rng.Uint32()
		s.Bools[i] = rng.IntN(2) == 1
	}
	for i := range s.U64 {
		s.U64[i] = gwei(rng.Uint64())
	}
	for i := range 2 {
		s.U128s[i] = Uint128{rng.Uint64(), rng.Uint64()}
		s.U256s[i] = uint256.Int{rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()}
	}
	s.U128 = Uint128{rng.Uint64(), rng.Uint64()}
	return s
}

// expectedStatic serializes s field by field and computes its root from the spec's definitions.
func expectedStatic(s *staticKit) ([]byte, [32]byte) {
	var fields [][]byte
	add := func(b []byte) { fields = append(fields, b) }
	add(s.Bytes[:])
	add(s.Bits13[:])
	add(s.Bits8[:])
	add(s.U8[:])
	var b []byte
	for _, n := range s.U16 {
		b = append(b, le16(n)...)
	}
	add(b)
	b = nil
	for _, n := range s.U32 {
		b = append(b, le32(n)...)
	}
	add(b)
	b = nil
	for _, n := range s.U64 {
		b = append(b, le64(uint64(n))...)
	}
	add(b)
	b = nil
	for _, f := range s.Bools {
		if f {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	add(b)
	b = nil
	for _, n := range s.U128s {
		b = append(b, append(le64(n[0]), le64(n[1])...)...)
	}
	add(b)
	b = nil
	for _, n := range s.U256s {
		for _, limb := range n {
			b = append(b, le64(limb)...)
		}
	}
	add(b)
	add(append(le64(s.U128[0]), le64(s.U128[1])...))

	var serialized []byte
	var roots [][32]byte
	for i, f := range fields {
		serialized = append(serialized, f...)
		limit := -1
		if i == 1 || i == 2 { // Bitvector[N]: limit (N+255)/256
			limit = 1
		}
		roots = append(roots, refMerkleize(refPack(f), limit))
	}
	return serialized, refMerkleize(roots, -1)
}

func TestStaticHelpersMatchSpec(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		s := randomStaticKit(rng)
		wantBytes, wantRoot := expectedStatic(s)

		got := make([]byte, ssz.Size(s))
		if err := ssz.EncodeToBytes(got, s); err != nil {
			t.Fatalf("encode: %v", err)
		}
		if !bytes.Equal(got, wantBytes) {
			t.Fatalf("encoding\n got %x\nwant %x", got, wantBytes)
		}
		decoded := new(staticKit)
		if err := ssz.DecodeFromBytes(wantBytes, decoded); err != nil {
			t.Fatalf("decode: %v", err)
		}
		if *decoded != *s {
			t.Fatalf("decoded %+v, want %+v", decoded, s)
		}
		if root := ssz.HashSequential(s); root != wantRoot {
			t.Fatalf("root %x, want %x", root, wantRoot)
		}
		if root := ssz.HashConcurrent(s); root != wantRoot {
			t.Fatalf("concurrent root %x, want %x", root, wantRoot)
		}
	}
}

func TestStaticHelpersRejectMalformedInput(t *testing.T) {
	valid, _ := expectedStatic(randomStaticKit(rand.New(rand.NewPCG(3, 4))))
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(valid)) }
	const bits13Last, boolsAt = 6, 5 + 2 + 1 + 3 + 6 + 12 + 40
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"empty", nil, io.ErrUnexpectedEOF},
		{"one byte short", valid[:len(valid)-1], io.ErrUnexpectedEOF},
		{"trailing byte", append(bytes.Clone(valid), 0), ssz.ErrObjectSlotSizeMismatch},
		{"bitvector padding bit 13 set", mutate(func(b []byte) []byte { b[bits13Last] |= 0x20; return b }), ssz.ErrJunkInBitvector},
		{"bitvector padding bit 15 set", mutate(func(b []byte) []byte { b[bits13Last] |= 0x80; return b }), ssz.ErrJunkInBitvector},
		{"bool 2", mutate(func(b []byte) []byte { b[boolsAt+1] = 2; return b }), ssz.ErrInvalidBoolean},
		{"bool 0xff", mutate(func(b []byte) []byte { b[boolsAt+2] = 0xff; return b }), ssz.ErrInvalidBoolean},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ssz.DecodeFromBytes(tt.input, new(staticKit))
			if !errors.Is(err, tt.want) {
				t.Fatalf("decode error %v, want %v", err, tt.want)
			}
		})
	}
}

// Natively supported shapes, to compare the helpers with the library on the lengths it knows.
type nativeShapes struct {
	U64  [8192]uint64
	Bits [1]byte
	Root [32]byte
}

func (n *nativeShapes) SizeSSZ(*ssz.Sizer) uint32 { return 8192*8 + 1 + 32 }
func (n *nativeShapes) DefineSSZ(c *ssz.Codec) {
	ssz.DefineArrayOfUint64s(c, &n.U64)
	ssz.DefineArrayOfBits(c, &n.Bits, 5)
	ssz.DefineStaticBytes(c, &n.Root)
}

type kitShapes nativeShapes

func (k *kitShapes) SizeSSZ(*ssz.Sizer) uint32 { return 8192*8 + 1 + 32 }
func (k *kitShapes) DefineSSZ(c *ssz.Codec) {
	DefineUint64Vector(c, k.U64[:])
	DefineBitvector(c, k.Bits[:], 5)
	DefineByteVector(c, k.Root[:])
}

func TestStaticHelpersAgreeWithLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	native := new(nativeShapes)
	for i := range native.U64 {
		native.U64[i] = rng.Uint64()
	}
	native.Bits[0] = 0x15
	for i := range native.Root {
		native.Root[i] = byte(rng.Uint32())
	}
	kit := (*kitShapes)(native)

	nativeBytes := make([]byte, ssz.Size(native))
	kitBytes := make([]byte, ssz.Size(kit))
	if err := ssz.EncodeToBytes(nativeBytes, native); err != nil {
		t.Fatal(err)
	}
	if err := ssz.EncodeToBytes(kitBytes, kit); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(nativeBytes, kitBytes) {
		t.Fatal("encodings differ")
	}
	if ssz.HashSequential(native) != ssz.HashSequential(kit) {
		t.Fatal("roots differ")
	}
	decoded := new(kitShapes)
	if err := ssz.DecodeFromBytes(nativeBytes, decoded); err != nil {
		t.Fatal(err)
	}
	if *decoded != *kit {
		t.Fatal("decoded value differs")
	}
	// Both reject the same padding bit.
	bad := bytes.Clone(nativeBytes)
	bad[8192*8] |= 0x20
	errNative := ssz.DecodeFromBytes(bad, new(nativeShapes))
	errKit := ssz.DecodeFromBytes(bad, new(kitShapes))
	if !errors.Is(errNative, ssz.ErrJunkInBitvector) || !errors.Is(errKit, ssz.ErrJunkInBitvector) {
		t.Fatalf("padding bit: library %v, sszkit %v", errNative, errKit)
	}
}

func TestDefineBitvectorRejectsWrongBackingLength(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Bitvector[9] over one byte did not panic")
		}
	}()
	var b [1]byte
	DefineBitvector(new(ssz.Codec), b[:], 9)
}

func TestUint128Conversions(t *testing.T) {
	for _, s := range []string{"0", "1", "18446744073709551615", "18446744073709551616", "340282366920938463463374607431768211455"} {
		b, _ := new(big.Int).SetString(s, 10)
		u, err := Uint128FromBig(b)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if u.String() != s {
			t.Fatalf("round trip of %s gave %s", s, u)
		}
	}
	if u, _ := Uint128FromBig(big.NewInt(1 << 40)); u != (Uint128{1 << 40, 0}) {
		t.Fatalf("limbs %v", u)
	}
	tooBig := new(big.Int).Lsh(big.NewInt(1), 128)
	if _, err := Uint128FromBig(tooBig); err == nil {
		t.Fatal("2**128 accepted")
	}
	if _, err := Uint128FromBig(big.NewInt(-1)); err == nil {
		t.Fatal("-1 accepted")
	}
}
