package sszkit

import (
	"math/bits"

	"github.com/karalabe/ssz"
	"github.com/prysmaticlabs/go-bitfield"
)

// karalabe/ssz v0.3.0 checks a decoded bitlist's length as ((bytes-1) >> 3) + ... where it means (bytes-1) << 3, so
// its DecodeSliceOfBitsContent accepts a Bitlist[N] of up to 7 bits more than N whenever the byte count still fits
// (a 9-bit list as Bitlist[8], a 131073-bit one as an attestation's Bitlist[131072]). Define every bitlist with
// DefineBitlistOffset and DefineBitlistContent instead of ssz.DefineSliceOfBits*.

// DefineBitlistOffset defines the next field as the offset of a Bitlist[maxBits]; the same as
// ssz.DefineSliceOfBitsOffset, here so that both halves of a bitlist come from one place.
func DefineBitlistOffset(c *ssz.Codec, b *bitfield.Bitlist, maxBits uint64) {
	ssz.DefineSliceOfBitsOffset(c, b, maxBits)
}

// DefineBitlistContent defines the content of a Bitlist[maxBits]. Decoding rejects content without the
// length-delimiting bit and, unlike ssz.DefineSliceOfBitsContent, any bitlist longer than maxBits.
func DefineBitlistContent(c *ssz.Codec, b *bitfield.Bitlist, maxBits uint64) {
	c.DefineEncoder(func(enc *ssz.Encoder) { ssz.EncodeSliceOfBitsContent(enc, *b) })
	c.DefineDecoder(func(dec *ssz.Decoder) {
		ssz.DecodeSliceOfBitsContent(dec, b, maxBits)
		if n, ok := bitlistLen(*b); ok && n > maxBits {
			failDecoding(dec)
		}
	})
}

// bitlistLen returns the number of bits of a serialized bitlist, or false if it has no delimiting bit.
func bitlistLen(b bitfield.Bitlist) (uint64, bool) {
	if len(b) == 0 || b[len(b)-1] == 0 {
		return 0, false
	}
	return uint64(len(b)-1)*8 + uint64(bits.Len8(b[len(b)-1])) - 1, true
}

// failDecoding makes the decoder fail. The library offers no way to report an error from a DefineDecoder hook; its
// only errors that do not depend on the input's content are reads past the end of the input. So failDecoding reads
// ever larger blocks until one fails with io.ErrUnexpectedEOF (a failed decoder ignores further reads). Reading just
// one byte too many would not do: the library would notice the overrun only when the enclosing object's consumed
// length is checked, and an input whose first offset points past the fixed part (which the library lets through to
// that same check) would cancel it out.
//
// It holds at most about twice the rest of the input in memory, once, on input that is invalid anyway. A stream
// decoder must read from a reader limited to the object's size (io.LimitReader), as it should regardless.
func failDecoding(dec *ssz.Decoder) {
	var scratch []byte
	for n := uint64(64); n <= 1<<33; n *= 2 { // SSZ inputs are below 4 GiB: their offsets are uint32
		ssz.DecodeCheckedStaticBytes(dec, &scratch, n)
	}
}
