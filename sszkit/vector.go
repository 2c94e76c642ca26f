package sszkit

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/holiman/uint256"
	"github.com/karalabe/ssz"
)

// Unsigned is the set of Go integer types that map onto SSZ uint8, uint16, uint32 and uint64.
type Unsigned interface {
	~uint8 | ~uint16 | ~uint32 | ~uint64
}

// sizeOf returns the serialized size of one T in bytes.
func sizeOf[T Unsigned]() int {
	return bits.Len64(uint64(^T(0))) / 8
}

// DefineByteVector defines the next field as ByteVector[len(b)]. b must be backed by the field's Go array
// (s.Blob[:]): decoding writes into it in place.
func DefineByteVector(c *ssz.Codec, b []byte) {
	c.DefineEncoder(func(enc *ssz.Encoder) {
		ssz.EncodeCheckedStaticBytes(enc, b, uint64(len(b)))
	})
	c.DefineDecoder(func(dec *ssz.Decoder) {
		decodeInPlace(dec, b)
	})
	c.DefineHasher(func(has *ssz.Hasher) {
		ssz.HashCheckedStaticBytes(has, b)
	})
}

// decodeInPlace reads len(b) bytes into b. DecodeCheckedStaticBytes reuses the slice's backing array whenever its
// capacity suffices, which an array-backed slice of exactly the right length always has.
func decodeInPlace(dec *ssz.Decoder, b []byte) {
	view := b
	ssz.DecodeCheckedStaticBytes(dec, &view, uint64(len(b)))
}

// DefineBitvector defines the next field as Bitvector[n], stored little-endian bit order in bits, which must have
// length (n+7)/8. Decoding rejects input with any of the unused high bits of the last byte set. Encoding writes the
// bytes as they are: keep the padding bits clear.
func DefineBitvector(c *ssz.Codec, bits []byte, n uint64) {
	if n == 0 || uint64(len(bits)) != (n+7)/8 {
		panic(fmt.Sprintf("sszkit: Bitvector[%d] needs %d bytes, have %d", n, (n+7)/8, len(bits)))
	}
	c.DefineEncoder(func(enc *ssz.Encoder) {
		ssz.EncodeCheckedStaticBytes(enc, bits, uint64(len(bits)))
	})
	c.DefineDecoder(func(dec *ssz.Decoder) {
		if n%8 == 0 {
			decodeInPlace(dec, bits)
			return
		}
		// Let the library's own bitvector check judge the padding of the last byte.
		last := len(bits) - 1
		decodeInPlace(dec, bits[:last])
		var tail [1]byte
		ssz.DecodeArrayOfBits(dec, &tail, n%8)
		bits[last] = tail[0]
	})
	c.DefineHasher(func(has *ssz.Hasher) {
		ssz.HashCheckedStaticBytes(has, bits)
	})
}

// DefineUint8Vector defines the next field as Vector[uint8, len(v)].
func DefineUint8Vector[T ~uint8](c *ssz.Codec, v []T) { defineUintVector(c, v) }

// DefineUint16Vector defines the next field as Vector[uint16, len(v)].
func DefineUint16Vector[T ~uint16](c *ssz.Codec, v []T) { defineUintVector(c, v) }

// DefineUint32Vector defines the next field as Vector[uint32, len(v)].
func DefineUint32Vector[T ~uint32](c *ssz.Codec, v []T) { defineUintVector(c, v) }

// DefineUint64Vector defines the next field as Vector[uint64, len(v)], for example the minimal preset's slashings
// (Vector[Gwei, 64]) or proposer_lookahead (Vector[ValidatorIndex, 16]). v must be backed by the field's Go array.
func DefineUint64Vector[T ~uint64](c *ssz.Codec, v []T) { defineUintVector(c, v) }

func defineUintVector[T Unsigned](c *ssz.Codec, v []T) {
	mustNotBeEmpty(len(v))
	c.DefineEncoder(func(enc *ssz.Encoder) {
		for _, n := range v {
			encodeUint(enc, n)
		}
	})
	c.DefineDecoder(func(dec *ssz.Decoder) {
		for i := range v {
			v[i] = decodeUint[T](dec)
		}
	})
	c.DefineHasher(func(has *ssz.Hasher) {
		buf := getBuffer(len(v) * sizeOf[T]())
		packUints(buf.b, v)
		ssz.HashCheckedStaticBytes(has, buf.b)
		putBuffer(buf)
	})
}

// DefineBoolVector defines the next field as Vector[bool, len(v)]. Decoding rejects bytes other than 0 and 1.
func DefineBoolVector[T ~bool](c *ssz.Codec, v []T) {
	mustNotBeEmpty(len(v))
	c.DefineEncoder(func(enc *ssz.Encoder) {
		for _, b := range v {
			ssz.EncodeBool(enc, b)
		}
	})
	c.DefineDecoder(func(dec *ssz.Decoder) {
		for i := range v {
			ssz.DecodeBool(dec, &v[i])
		}
	})
	c.DefineHasher(func(has *ssz.Hasher) {
		buf := getBuffer(len(v))
		packBools(buf.b, v)
		ssz.HashCheckedStaticBytes(has, buf.b)
		putBuffer(buf)
	})
}

// DefineUint128Vector defines the next field as Vector[uint128, len(v)].
func DefineUint128Vector(c *ssz.Codec, v []Uint128) {
	mustNotBeEmpty(len(v))
	c.DefineEncoder(func(enc *ssz.Encoder) {
		for _, n := range v {
			ssz.EncodeUint64(enc, n[0])
			ssz.EncodeUint64(enc, n[1])
		}
	})
	c.DefineDecoder(func(dec *ssz.Decoder) {
		for i := range v {
			ssz.DecodeUint64(dec, &v[i][0])
			ssz.DecodeUint64(dec, &v[i][1])
		}
	})
	c.DefineHasher(func(has *ssz.Hasher) {
		buf := getBuffer(len(v) * 16)
		for i, n := range v {
			n.put(buf.b[i*16:])
		}
		ssz.HashCheckedStaticBytes(has, buf.b)
		putBuffer(buf)
	})
}

// DefineUint256Vector defines the next field as Vector[uint256, len(v)].
func DefineUint256Vector(c *ssz.Codec, v []uint256.Int) {
	mustNotBeEmpty(len(v))
	c.DefineEncoder(func(enc *ssz.Encoder) {
		for i := range v {
			ssz.EncodeUint256(enc, &v[i])
		}
	})
	c.DefineDecoder(func(dec *ssz.Decoder) {
		for i := range v {
			n := &v[i] // DecodeUint256 fills a non-nil *uint256.Int in place
			ssz.DecodeUint256(dec, &n)
		}
	})
	c.DefineHasher(func(has *ssz.Hasher) {
		buf := getBuffer(len(v) * 32)
		for i := range v {
			putUint256(buf.b[i*32:], &v[i])
		}
		ssz.HashCheckedStaticBytes(has, buf.b)
		putBuffer(buf)
	})
}

// mustNotBeEmpty rejects the illegal Vector[T, 0] when a type is defined: that is a schema bug, not bad input.
func mustNotBeEmpty(n int) {
	if n == 0 {
		panic("sszkit: Vector[T, 0] is not a legal SSZ type")
	}
}

func encodeUint[T Unsigned](enc *ssz.Encoder, n T) {
	switch sizeOf[T]() {
	case 1:
		ssz.EncodeUint8(enc, uint8(n))
	case 2:
		ssz.EncodeUint16(enc, uint16(n))
	case 4:
		ssz.EncodeUint32(enc, uint32(n))
	default:
		ssz.EncodeUint64(enc, uint64(n))
	}
}

func decodeUint[T Unsigned](dec *ssz.Decoder) T {
	switch sizeOf[T]() {
	case 1:
		var n uint8
		ssz.DecodeUint8(dec, &n)
		return T(n)
	case 2:
		var n uint16
		ssz.DecodeUint16(dec, &n)
		return T(n)
	case 4:
		var n uint32
		ssz.DecodeUint32(dec, &n)
		return T(n)
	default:
		var n uint64
		ssz.DecodeUint64(dec, &n)
		return T(n)
	}
}

// packUints writes the SSZ serialization of v into dst, which must be len(v)*sizeOf[T]() long.
func packUints[T Unsigned](dst []byte, v []T) {
	switch size := sizeOf[T](); size {
	case 1:
		for i, n := range v {
			dst[i] = uint8(n)
		}
	case 2:
		for i, n := range v {
			binary.LittleEndian.PutUint16(dst[i*size:], uint16(n))
		}
	case 4:
		for i, n := range v {
			binary.LittleEndian.PutUint32(dst[i*size:], uint32(n))
		}
	default:
		for i, n := range v {
			binary.LittleEndian.PutUint64(dst[i*size:], uint64(n))
		}
	}
}

// unpackUints is the inverse of packUints; src must be len(v)*sizeOf[T]() long.
func unpackUints[T Unsigned](v []T, src []byte) {
	switch size := sizeOf[T](); size {
	case 1:
		for i := range v {
			v[i] = T(src[i])
		}
	case 2:
		for i := range v {
			v[i] = T(binary.LittleEndian.Uint16(src[i*size:]))
		}
	case 4:
		for i := range v {
			v[i] = T(binary.LittleEndian.Uint32(src[i*size:]))
		}
	default:
		for i := range v {
			v[i] = T(binary.LittleEndian.Uint64(src[i*size:]))
		}
	}
}

func packBools[T ~bool](dst []byte, v []T) {
	for i, b := range v {
		if b {
			dst[i] = 1
		} else {
			dst[i] = 0
		}
	}
}

// putUint256 writes n as 32 little-endian bytes.
func putUint256(dst []byte, n *uint256.Int) {
	for limb := range 4 {
		binary.LittleEndian.PutUint64(dst[limb*8:], n[limb])
	}
}
