package sszkit

import (
	"encoding/binary"
	"fmt"
	"math/big"

	"github.com/karalabe/ssz"
)

// Uint128 is an SSZ uint128 held as two 64-bit limbs, least significant first: Uint128{lo, hi}.
type Uint128 [2]uint64

// Uint128FromBig converts a non-negative integer below 2**128.
func Uint128FromBig(b *big.Int) (Uint128, error) {
	if b.Sign() < 0 || b.BitLen() > 128 {
		return Uint128{}, fmt.Errorf("%v does not fit a uint128", b)
	}
	var buf [16]byte
	b.FillBytes(buf[:]) // big-endian
	return Uint128{binary.BigEndian.Uint64(buf[8:]), binary.BigEndian.Uint64(buf[:8])}, nil
}

// Big returns u as a big.Int.
func (u Uint128) Big() *big.Int {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], u[1])
	binary.BigEndian.PutUint64(buf[8:], u[0])
	return new(big.Int).SetBytes(buf[:])
}

// String returns u in decimal.
func (u Uint128) String() string { return u.Big().String() }

func (u Uint128) put(dst []byte) {
	binary.LittleEndian.PutUint64(dst, u[0])
	binary.LittleEndian.PutUint64(dst[8:], u[1])
}

// DefineUint128 defines the next field as a uint128.
func DefineUint128(c *ssz.Codec, n *Uint128) {
	c.DefineEncoder(func(enc *ssz.Encoder) {
		ssz.EncodeUint64(enc, n[0])
		ssz.EncodeUint64(enc, n[1])
	})
	c.DefineDecoder(func(dec *ssz.Decoder) {
		ssz.DecodeUint64(dec, &n[0])
		ssz.DecodeUint64(dec, &n[1])
	})
	c.DefineHasher(func(has *ssz.Hasher) {
		var buf [16]byte
		n.put(buf[:])
		ssz.HashCheckedStaticBytes(has, buf[:])
	})
}
