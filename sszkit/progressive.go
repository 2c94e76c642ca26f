package sszkit

import (
	"math"
	"math/bits"

	"github.com/karalabe/ssz"
	"github.com/prysmaticlabs/go-bitfield"
)

// EIP-7916 progressive lists and bitlists serialize exactly like List and Bitlist without a limit; only their
// hash_tree_root differs (merkleize_progressive instead of a fixed-depth tree). No fork up to Fulu uses them; they are
// here for the ssz_generic vectors and for the forks that adopt them.

// unbounded is the item limit handed to the library's decoders for progressive lists: the 4-byte offsets bound the
// input long before it.
const unbounded = math.MaxUint64

// DefineProgressiveByteListOffset defines the next field as the offset of a ProgressiveList[byte].
func DefineProgressiveByteListOffset(c *ssz.Codec, b *[]byte) {
	c.DefineEncoder(func(enc *ssz.Encoder) { ssz.EncodeDynamicBytesOffset(enc, *b) })
	c.DefineDecoder(func(dec *ssz.Decoder) { ssz.DecodeDynamicBytesOffset(dec, b) })
	c.DefineHasher(func(has *ssz.Hasher) { HashRoot(has, ProgressiveByteListRoot(*b)) })
}

// DefineProgressiveByteListContent defines the content of a ProgressiveList[byte].
func DefineProgressiveByteListContent(c *ssz.Codec, b *[]byte) {
	c.DefineEncoder(func(enc *ssz.Encoder) { ssz.EncodeDynamicBytesContent(enc, *b) })
	c.DefineDecoder(func(dec *ssz.Decoder) { ssz.DecodeDynamicBytesContent(dec, b, unbounded) })
}

// ProgressiveByteListRoot is the hash_tree_root of a ProgressiveList[byte].
func ProgressiveByteListRoot(b []byte) [32]byte {
	return MixInLength(MerkleizeProgressive(Pack(b)), uint64(len(b)))
}

// DefineProgressiveUintListOffset defines the next field as the offset of a ProgressiveList[uintN].
func DefineProgressiveUintListOffset[T Unsigned](c *ssz.Codec, v *[]T) {
	defineUintListOffset(c, v, ProgressiveUintListRoot[T])
}

// DefineProgressiveUintListContent defines the content of a ProgressiveList[uintN].
func DefineProgressiveUintListContent[T Unsigned](c *ssz.Codec, v *[]T) {
	defineUintListContent(c, v, unbounded)
}

// ProgressiveUintListRoot is the hash_tree_root of a ProgressiveList[uintN].
func ProgressiveUintListRoot[T Unsigned](v []T) [32]byte {
	buf := getBuffer(len(v) * sizeOf[T]())
	defer putBuffer(buf)
	packUints(buf.b, v)
	return MixInLength(MerkleizeProgressive(Pack(buf.b)), uint64(len(v)))
}

// DefineProgressiveBitlistOffset defines the next field as the offset of a ProgressiveBitlist. bits uses the
// library's Bitlist representation (the length-delimiting bit included).
func DefineProgressiveBitlistOffset(c *ssz.Codec, bits *bitfield.Bitlist) {
	c.DefineEncoder(func(enc *ssz.Encoder) { ssz.EncodeSliceOfBitsOffset(enc, *bits) })
	c.DefineDecoder(func(dec *ssz.Decoder) { ssz.DecodeSliceOfBitsOffset(dec, bits) })
	c.DefineHasher(func(has *ssz.Hasher) { HashRoot(has, ProgressiveBitlistRoot(*bits)) })
}

// DefineProgressiveBitlistContent defines the content of a ProgressiveBitlist. Decoding rejects content without the
// length-delimiting bit.
func DefineProgressiveBitlistContent(c *ssz.Codec, bits *bitfield.Bitlist) {
	c.DefineEncoder(func(enc *ssz.Encoder) { ssz.EncodeSliceOfBitsContent(enc, *bits) })
	c.DefineDecoder(func(dec *ssz.Decoder) { ssz.DecodeSliceOfBitsContent(dec, bits, unbounded) })
}

// ProgressiveBitlistRoot is the hash_tree_root of a ProgressiveBitlist; nil is the empty bitlist.
func ProgressiveBitlistRoot(b bitfield.Bitlist) [32]byte {
	packed, n := bitlistBits(b)
	return MixInLength(MerkleizeProgressive(Pack(packed)), n)
}

// BitlistRoot is the hash_tree_root of a Bitlist[maxBits]; nil is the empty bitlist.
func BitlistRoot(b bitfield.Bitlist, maxBits uint64) [32]byte {
	packed, n := bitlistBits(b)
	return MixInLength(Merkleize(Pack(packed), (maxBits+255)/256), n)
}

// bitlistBits splits a serialized bitlist into its bits, packed without the delimiter, and their count.
func bitlistBits(b bitfield.Bitlist) ([]byte, uint64) {
	if len(b) == 0 || b[len(b)-1] == 0 {
		return nil, 0
	}
	last := b[len(b)-1]
	msb := bits.Len8(last) - 1
	n := uint64(len(b)-1)*8 + uint64(msb)
	packed := append([]byte(nil), b...)
	packed[len(packed)-1] &^= 1 << msb
	return packed[:(n+7)/8], n
}

// staticObject is the library's constraint for a static container implemented on a struct pointer.
type staticObject[U any] interface {
	ssz.StaticObject
	*U
}

// dynamicObject is the library's constraint for a dynamic container implemented on a struct pointer.
type dynamicObject[U any] interface {
	ssz.DynamicObject
	*U
}

// DefineProgressiveStaticObjectsOffset defines the next field as the offset of a ProgressiveList of static containers.
func DefineProgressiveStaticObjectsOffset[T staticObject[U], U any](c *ssz.Codec, objs *[]T) {
	c.DefineEncoder(func(enc *ssz.Encoder) { ssz.EncodeSliceOfStaticObjectsOffset(enc, *objs) })
	c.DefineDecoder(func(dec *ssz.Decoder) { ssz.DecodeSliceOfStaticObjectsOffset(dec, objs) })
	c.DefineHasher(func(has *ssz.Hasher) { HashRoot(has, ProgressiveObjectsRoot(*objs)) })
}

// DefineProgressiveStaticObjectsContent defines the content of a ProgressiveList of static containers.
func DefineProgressiveStaticObjectsContent[T staticObject[U], U any](c *ssz.Codec, objs *[]T) {
	c.DefineEncoder(func(enc *ssz.Encoder) { ssz.EncodeSliceOfStaticObjectsContent(enc, *objs) })
	c.DefineDecoder(func(dec *ssz.Decoder) { ssz.DecodeSliceOfStaticObjectsContent(dec, objs, unbounded) })
}

// DefineProgressiveDynamicObjectsOffset defines the next field as the offset of a ProgressiveList of dynamic
// containers.
func DefineProgressiveDynamicObjectsOffset[T dynamicObject[U], U any](c *ssz.Codec, objs *[]T) {
	c.DefineEncoder(func(enc *ssz.Encoder) { ssz.EncodeSliceOfDynamicObjectsOffset(enc, *objs) })
	c.DefineDecoder(func(dec *ssz.Decoder) { ssz.DecodeSliceOfDynamicObjectsOffset(dec, objs) })
	c.DefineHasher(func(has *ssz.Hasher) { HashRoot(has, ProgressiveObjectsRoot(*objs)) })
}

// DefineProgressiveDynamicObjectsContent defines the content of a ProgressiveList of dynamic containers.
func DefineProgressiveDynamicObjectsContent[T dynamicObject[U], U any](c *ssz.Codec, objs *[]T) {
	c.DefineEncoder(func(enc *ssz.Encoder) { ssz.EncodeSliceOfDynamicObjectsContent(enc, *objs) })
	c.DefineDecoder(func(dec *ssz.Decoder) { ssz.DecodeSliceOfDynamicObjectsContent(dec, objs, unbounded) })
}

// ProgressiveObjectsRoot is the hash_tree_root of a ProgressiveList of containers.
func ProgressiveObjectsRoot[T ssz.Object](objs []T) [32]byte {
	roots := make([][32]byte, len(objs))
	for i, obj := range objs {
		roots[i] = ssz.HashSequential(obj)
	}
	return MixInLength(MerkleizeProgressive(roots), uint64(len(objs)))
}
