package merkle

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"unsafe"

	"github.com/holiman/uint256"
	"github.com/karalabe/ssz"
	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/sszkit"
)

// The Define* functions below are the tree twins of karalabe/ssz's and sszkit's Define* functions: DefineTree calls
// merkle.DefineX(f, name, args...) wherever DefineSSZ calls ssz.DefineX(c, args...) or sszkit.DefineX(c, args...),
// for the offset half of dynamic fields (the *Content half defines nothing new). name is the field's spec name.

// byteArray is the set of fixed-size byte arrays karalabe/ssz accepts as static bytes.
type byteArray interface {
	~[4]byte | ~[8]byte | ~[20]byte | ~[31]byte | ~[32]byte | ~[48]byte | ~[64]byte | ~[96]byte | ~[256]byte
}

// container is a Container implemented on a pointer to a struct, so that a nil field can stand for a zero value.
type container[U any] interface {
	Container
	*U
}

// unsigned is the set of Go integer types that map onto SSZ uint8, uint16, uint32 and uint64.
type unsigned interface {
	~uint8 | ~uint16 | ~uint32 | ~uint64
}

// DefineBool is the twin of ssz.DefineBool: a boolean.
func DefineBool[T ~bool](f *Fields, name string, v *T) {
	var chunk [32]byte
	if *v {
		chunk[0] = 1
	}
	f.add(name, &chunkValue{typ: typeBool, chunk: chunk})
}

// DefineUint8 is the twin of ssz.DefineUint8.
func DefineUint8[T ~uint8](f *Fields, name string, n *T) { defineUint(f, name, typeUint8, uint64(*n)) }

// DefineUint16 is the twin of ssz.DefineUint16.
func DefineUint16[T ~uint16](f *Fields, name string, n *T) {
	defineUint(f, name, typeUint16, uint64(*n))
}

// DefineUint32 is the twin of ssz.DefineUint32.
func DefineUint32[T ~uint32](f *Fields, name string, n *T) {
	defineUint(f, name, typeUint32, uint64(*n))
}

// DefineUint64 is the twin of ssz.DefineUint64.
func DefineUint64[T ~uint64](f *Fields, name string, n *T) {
	defineUint(f, name, typeUint64, uint64(*n))
}

func defineUint(f *Fields, name string, typ *Type, n uint64) {
	var chunk [32]byte
	binary.LittleEndian.PutUint64(chunk[:8], n)
	f.add(name, &chunkValue{typ: typ, chunk: chunk})
}

// DefineUint256 is the twin of ssz.DefineUint256; nil is zero.
func DefineUint256(f *Fields, name string, n **uint256.Int) {
	var chunk [32]byte
	if *n != nil {
		(*n).MarshalSSZInto(chunk[:])
	}
	f.add(name, &chunkValue{typ: typeUint256, chunk: chunk})
}

// DefineStaticBytes is the twin of ssz.DefineStaticBytes: ByteVector[len(T)].
func DefineStaticBytes[T byteArray](f *Fields, name string, blob *T) {
	b := unsafe.Slice(&(*blob)[0], len(*blob))
	f.add(name, byteVector(b))
}

// DefineByteVector is the twin of sszkit.DefineByteVector: ByteVector[len(b)].
func DefineByteVector(f *Fields, name string, b []byte) {
	f.add(name, byteVector(b))
}

func byteVector(b []byte) value {
	return &packedValue{typ: vectorType(typeUint8, uint64(len(b))), pack: func() []byte { return b }}
}

// DefineDynamicBytesOffset is the twin of ssz.DefineDynamicBytesOffset: ByteList[maxSize].
func DefineDynamicBytesOffset(f *Fields, name string, blob *[]byte, maxSize uint64) {
	typ := listType(typeUint8, maxSize)
	b := *blob
	if uint64(len(b)) > maxSize {
		f.fail(name, typ, overLimit(uint64(len(b)), maxSize))
		return
	}
	f.add(name, &packedValue{typ: typ, length: uint64(len(b)), pack: func() []byte { return b }})
}

// DefineArrayOfBits is the twin of ssz.DefineArrayOfBits: Bitvector[size] in a 1-byte array.
func DefineArrayOfBits[T ~[1]byte](f *Fields, name string, bits *T, size uint64) {
	DefineBitvector(f, name, (*bits)[:], size)
}

// DefineBitvector is the twin of sszkit.DefineBitvector: Bitvector[n] in ceil(n/8) bytes.
func DefineBitvector(f *Fields, name string, bits []byte, n uint64) {
	typ := bitvectorType(n)
	if uint64(len(bits)) != (n+7)/8 {
		f.fail(name, typ, fmt.Errorf("%w: Bitvector[%d] in %d bytes", ErrInvalidObject, n, len(bits)))
		return
	}
	f.add(name, &packedValue{typ: typ, pack: func() []byte { return bits }})
}

// DefineSliceOfBitsOffset is the twin of ssz.DefineSliceOfBitsOffset: Bitlist[maxBits]; nil is the empty bitlist.
func DefineSliceOfBitsOffset(f *Fields, name string, list *bitfield.Bitlist, maxBits uint64) {
	typ := bitlistType(maxBits)
	b := *list
	if len(b) > 0 && b[len(b)-1] == 0 {
		f.fail(name, typ, fmt.Errorf("%w: bitlist without its length bit", ErrInvalidObject))
		return
	}
	length := b.Len()
	if length > maxBits {
		f.fail(name, typ, overLimit(length, maxBits))
		return
	}
	f.add(name, &packedValue{typ: typ, length: length, pack: func() []byte {
		// The bits without the length bit, which sits at position length.
		packed := make([]byte, (length+7)/8)
		copy(packed, b)
		if length%8 != 0 {
			packed[len(packed)-1] &^= 1 << (length % 8)
		}
		return packed
	}})
}

// DefineBitlistOffset is the twin of sszkit.DefineBitlistOffset: Bitlist[maxBits]; nil is the empty bitlist.
func DefineBitlistOffset(f *Fields, name string, list *bitfield.Bitlist, maxBits uint64) {
	DefineSliceOfBitsOffset(f, name, list, maxBits)
}

// DefineSliceOfUint64sOffset is the twin of ssz.DefineSliceOfUint64sOffset: List[uint64, maxItems].
func DefineSliceOfUint64sOffset[T ~uint64](f *Fields, name string, ns *[]T, maxItems uint64) {
	typ := listType(typeUint64, maxItems)
	v := *ns
	if uint64(len(v)) > maxItems {
		f.fail(name, typ, overLimit(uint64(len(v)), maxItems))
		return
	}
	f.add(name, &packedValue{typ: typ, length: uint64(len(v)), pack: func() []byte { return packUints(v) }})
}

// DefineUintListOffset is the twin of sszkit.DefineUintListOffset: List[uintN, maxItems].
func DefineUintListOffset[T unsigned](f *Fields, name string, v *[]T, maxItems uint64) {
	typ := listType(uintType[T](), maxItems)
	items := *v
	if uint64(len(items)) > maxItems {
		f.fail(name, typ, overLimit(uint64(len(items)), maxItems))
		return
	}
	f.add(name, &packedValue{typ: typ, length: uint64(len(items)), pack: func() []byte { return packUints(items) }})
}

// uintType returns the SSZ type of T.
func uintType[T unsigned]() *Type {
	switch bits.Len64(uint64(^T(0))) {
	case 8:
		return typeUint8
	case 16:
		return typeUint16
	case 32:
		return typeUint32
	}
	return typeUint64
}

// DefineUint8Vector is the twin of sszkit.DefineUint8Vector: Vector[uint8, len(v)].
func DefineUint8Vector[T ~uint8](f *Fields, name string, v []T) { defineUintVector(f, name, v) }

// DefineUint16Vector is the twin of sszkit.DefineUint16Vector: Vector[uint16, len(v)].
func DefineUint16Vector[T ~uint16](f *Fields, name string, v []T) { defineUintVector(f, name, v) }

// DefineUint32Vector is the twin of sszkit.DefineUint32Vector: Vector[uint32, len(v)].
func DefineUint32Vector[T ~uint32](f *Fields, name string, v []T) { defineUintVector(f, name, v) }

// DefineUint64Vector is the twin of sszkit.DefineUint64Vector: Vector[uint64, len(v)].
func DefineUint64Vector[T ~uint64](f *Fields, name string, v []T) { defineUintVector(f, name, v) }

func defineUintVector[T unsigned](f *Fields, name string, v []T) {
	f.add(name, &packedValue{typ: vectorType(uintType[T](), uint64(len(v))), pack: func() []byte { return packUints(v) }})
}

// packUints returns the SSZ serialization of v. On a little-endian host that is v's own memory, which is viewed
// rather than copied (a state's balances are 8 MiB).
func packUints[T unsigned](v []T) []byte {
	if littleEndian {
		return viewUints(v)
	}
	return encodeUints(v)
}

// littleEndian reports whether the host stores integers as SSZ serializes them.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

func viewUints[T unsigned](v []T) []byte {
	size := bits.Len64(uint64(^T(0))) / 8
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)*size)
}

func encodeUints[T unsigned](v []T) []byte {
	size := bits.Len64(uint64(^T(0))) / 8
	out := make([]byte, len(v)*size)
	for i, n := range v {
		switch size {
		case 1:
			out[i] = uint8(n)
		case 2:
			binary.LittleEndian.PutUint16(out[i*2:], uint16(n))
		case 4:
			binary.LittleEndian.PutUint32(out[i*4:], uint32(n))
		default:
			binary.LittleEndian.PutUint64(out[i*8:], uint64(n))
		}
	}
	return out
}

// DefineUnsafeArrayOfStaticBytes is the twin of ssz.DefineUnsafeArrayOfStaticBytes: Vector[ByteVector[len(T)],
// len(blobs)].
func DefineUnsafeArrayOfStaticBytes[T byteArray](f *Fields, name string, blobs []T) {
	typ := vectorType(byteVectorType[T](), uint64(len(blobs)))
	f.add(name, &compositeValue{typ: typ, length: uint64(len(blobs)), elems: staticBytesElems[T](blobs)})
}

// DefineSliceOfStaticBytesOffset is the twin of ssz.DefineSliceOfStaticBytesOffset: List[ByteVector[len(T)],
// maxItems].
func DefineSliceOfStaticBytesOffset[T byteArray](f *Fields, name string, blobs *[]T, maxItems uint64) {
	typ := listType(byteVectorType[T](), maxItems)
	v := *blobs
	if uint64(len(v)) > maxItems {
		f.fail(name, typ, overLimit(uint64(len(v)), maxItems))
		return
	}
	f.add(name, &compositeValue{typ: typ, length: uint64(len(v)), elems: staticBytesElems[T](v)})
}

func byteVectorType[T byteArray]() *Type {
	var zero T
	return vectorType(typeUint8, uint64(len(zero)))
}

// staticBytesElems are the byte vectors of a vector or list.
type staticBytesElems[T byteArray] []T

func (e staticBytesElems[T]) bytes(i uint64) []byte { return unsafe.Slice(&e[i][0], len(e[i])) }
func (e staticBytesElems[T]) root(i uint64) [32]byte {
	return bytesRoot(e.bytes(i), sszkit.TreeDepth((uint64(len(e[i]))+31)/32))
}
func (e staticBytesElems[T]) value(i uint64) value { return byteVector(e.bytes(i)) }

// bytesRoot merkleizes packed bytes into a tree of the given depth.
func bytesRoot(b []byte, depth int) [32]byte {
	if len(b) <= 32 && depth == 0 {
		var chunk [32]byte
		copy(chunk[:], b)
		return chunk
	}
	l := chunkLayer{depth: depth, count: (uint64(len(b)) + 31) / 32, packed: b}
	return l.root()
}

// DefineSliceOfDynamicBytesOffset is the twin of ssz.DefineSliceOfDynamicBytesOffset: List[ByteList[maxSize],
// maxItems].
func DefineSliceOfDynamicBytesOffset(f *Fields, name string, blobs *[][]byte, maxItems, maxSize uint64) {
	elem := listType(typeUint8, maxSize)
	typ := listType(elem, maxItems)
	v := *blobs
	if uint64(len(v)) > maxItems {
		f.fail(name, typ, overLimit(uint64(len(v)), maxItems))
		return
	}
	for i, b := range v {
		if uint64(len(b)) > maxSize {
			f.fail(name, typ, fmt.Errorf("element %d: %w", i, overLimit(uint64(len(b)), maxSize)))
			return
		}
	}
	f.add(name, &compositeValue{typ: typ, length: uint64(len(v)), elems: dynamicBytesElems{items: v, typ: elem}})
}

// dynamicBytesElems are the byte lists of a list.
type dynamicBytesElems struct {
	items [][]byte
	typ   *Type
}

func (e dynamicBytesElems) root(i uint64) [32]byte {
	return sszkit.HashPair(bytesRoot(e.items[i], e.typ.depth()), lengthChunk(uint64(len(e.items[i]))))
}

func (e dynamicBytesElems) value(i uint64) value {
	b := e.items[i]
	return &packedValue{typ: e.typ, length: uint64(len(b)), pack: func() []byte { return b }}
}

// DefineStaticObject is the twin of ssz.DefineStaticObject: a nested container; nil is its zero value.
func DefineStaticObject[T container[U], U any](f *Fields, name string, obj *T) {
	f.add(name, &containerValue{obj: orZero[T](*obj)})
}

// DefineDynamicObjectOffset is the twin of ssz.DefineDynamicObjectOffset: a nested container; nil is its zero value.
func DefineDynamicObjectOffset[T container[U], U any](f *Fields, name string, obj *T) {
	f.add(name, &containerValue{obj: orZero[T](*obj)})
}

// orZero returns obj, or a new zero value for nil, which karalabe/ssz hashes alike.
func orZero[T container[U], U any](obj T) T {
	if obj == nil {
		return T(new(U))
	}
	return obj
}

// DefineSliceOfStaticObjectsOffset is the twin of ssz.DefineSliceOfStaticObjectsOffset: List[T, maxItems].
func DefineSliceOfStaticObjectsOffset[T container[U], U any](f *Fields, name string, objs *[]T, maxItems uint64) {
	defineObjectList[T](f, name, *objs, maxItems)
}

// DefineSliceOfDynamicObjectsOffset is the twin of ssz.DefineSliceOfDynamicObjectsOffset: List[T, maxItems].
func DefineSliceOfDynamicObjectsOffset[T container[U], U any](f *Fields, name string, objs *[]T, maxItems uint64) {
	defineObjectList[T](f, name, *objs, maxItems)
}

func defineObjectList[T container[U], U any](f *Fields, name string, objs []T, maxItems uint64) {
	typ := listType(typeOf(T(nil)), maxItems)
	if uint64(len(objs)) > maxItems {
		f.fail(name, typ, overLimit(uint64(len(objs)), maxItems))
		return
	}
	f.add(name, &compositeValue{typ: typ, length: uint64(len(objs)), elems: objectElems[T, U](objs)})
}

// objectElems are the containers of a list. Each root is hashed on the calling goroutine: the layer spreads the
// elements over the processors itself.
type objectElems[T container[U], U any] []T

func (e objectElems[T, U]) root(i uint64) [32]byte { return ssz.HashSequential(orZero[T](e[i])) }
func (e objectElems[T, U]) value(i uint64) value   { return &containerValue{obj: orZero[T](e[i])} }

func overLimit(n, limit uint64) error {
	return fmt.Errorf("%w: %d items over the limit %d", ErrInvalidObject, n, limit)
}
