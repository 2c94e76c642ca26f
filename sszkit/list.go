package sszkit

import (
	"github.com/karalabe/ssz"
)

// SizeUintList returns the size of the dynamic part of a List[uintN, _] or ProgressiveList[uintN], for a dynamic
// type's SizeSSZ.
func SizeUintList[T Unsigned](v []T) uint32 {
	return uint32(len(v) * sizeOf[T]())
}

// DefineUintListOffset defines the next field as the offset of a List[uintN, maxItems]. Pair it with
// DefineUintListContent in the content section. For lists of uint64 and of bytes the library's own
// DefineSliceOfUint64s* and DefineDynamicBytes* are equivalent and cheaper; this one covers uint16 and uint32.
func DefineUintListOffset[T Unsigned](c *ssz.Codec, v *[]T, maxItems uint64) {
	defineUintListOffset(c, v, func(v []T) [32]byte { return uintListRoot(v, maxItems) })
}

// DefineUintListContent defines the content of a List[uintN, maxItems] whose offset DefineUintListOffset defined.
// Decoding rejects content that is not a whole number of elements or holds more than maxItems.
func DefineUintListContent[T Unsigned](c *ssz.Codec, v *[]T, maxItems uint64) {
	defineUintListContent(c, v, maxItems)
}

func uintListRoot[T Unsigned](v []T, maxItems uint64) [32]byte {
	buf := getBuffer(len(v) * sizeOf[T]())
	defer putBuffer(buf)
	packUints(buf.b, v)
	limit := (maxItems*uint64(sizeOf[T]()) + 31) / 32
	return MixInLength(Merkleize(Pack(buf.b), limit), uint64(len(v)))
}

// defineUintListOffset writes the offset of a packed list; root computes the list's hash_tree_root, which is
// contributed at the offset position as the library does for its own dynamic fields.
func defineUintListOffset[T Unsigned](c *ssz.Codec, v *[]T, root func([]T) [32]byte) {
	c.DefineEncoder(func(enc *ssz.Encoder) {
		// Only the length of the blob matters for an offset.
		buf := getBuffer(len(*v) * sizeOf[T]())
		ssz.EncodeDynamicBytesOffset(enc, buf.b)
		putBuffer(buf)
	})
	c.DefineDecoder(func(dec *ssz.Decoder) {
		ssz.DecodeDynamicBytesOffset(dec, nil)
	})
	c.DefineHasher(func(has *ssz.Hasher) {
		HashRoot(has, root(*v))
	})
}

func defineUintListContent[T Unsigned](c *ssz.Codec, v *[]T, maxItems uint64) {
	c.DefineEncoder(func(enc *ssz.Encoder) {
		buf := getBuffer(len(*v) * sizeOf[T]())
		packUints(buf.b, *v)
		ssz.EncodeDynamicBytesContent(enc, buf.b)
		putBuffer(buf)
	})
	c.DefineDecoder(func(dec *ssz.Decoder) {
		decodeUintListContent(dec, v, maxItems)
	})
}

// decodeUintListContent decodes the content of a packed list through a library decoder that enforces the element
// size and the limit.
func decodeUintListContent[T Unsigned](dec *ssz.Decoder, v *[]T, maxItems uint64) {
	switch sizeOf[T]() {
	case 1:
		var raw []byte
		ssz.DecodeDynamicBytesContent(dec, &raw, maxItems)
		*v = resize(*v, len(raw))
		unpackUints(*v, raw)
	case 8:
		var raw []uint64
		ssz.DecodeSliceOfUint64sContent(dec, &raw, maxItems)
		*v = resize(*v, len(raw))
		for i, n := range raw {
			(*v)[i] = T(n)
		}
	default:
		var items []*uintItem[T]
		ssz.DecodeSliceOfStaticObjectsContent(dec, &items, maxItems)
		*v = resize(*v, len(items))
		for i, item := range items {
			(*v)[i] = item.v
		}
	}
}

// resize returns v with length n, reusing its backing array when it is large enough. A decoded empty list is
// non-nil, as the library leaves its own.
func resize[T any](v []T, n int) []T {
	if cap(v) < n || v == nil {
		return make([]T, n)
	}
	return v[:n]
}

// uintItem lets the library's slice-of-static-objects decoder, which checks divisibility and the item limit, decode
// one packed uintN element.
type uintItem[T Unsigned] struct{ v T }

func (*uintItem[T]) SizeSSZ(*ssz.Sizer) uint32 { return uint32(sizeOf[T]()) }

func (it *uintItem[T]) DefineSSZ(c *ssz.Codec) {
	c.DefineEncoder(func(enc *ssz.Encoder) { encodeUint(enc, it.v) })
	c.DefineDecoder(func(dec *ssz.Decoder) { it.v = decodeUint[T](dec) })
	c.DefineHasher(func(has *ssz.Hasher) { ssz.HashUint64(has, uint64(it.v)) })
}
