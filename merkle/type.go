package merkle

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"

	"github.com/salamander-client/salamander/sszkit"
)

// Kind is the SSZ kind of a Type.
type Kind uint8

const (
	// KindBasic is a uintN or boolean: a value packed into (part of) a chunk.
	KindBasic Kind = iota + 1
	// KindContainer is a container: one chunk per field.
	KindContainer
	// KindVector is Vector[Elem, Length]; ByteVector[N] is Vector[uint8, N].
	KindVector
	// KindList is List[Elem, Length]: the elements' tree beside the length; ByteList[N] is List[uint8, N].
	KindList
	// KindBitvector is Bitvector[Length].
	KindBitvector
	// KindBitlist is Bitlist[Length]: the bits' tree beside the bit count.
	KindBitlist
)

func (k Kind) String() string {
	switch k {
	case KindBasic:
		return "basic"
	case KindContainer:
		return "container"
	case KindVector:
		return "vector"
	case KindList:
		return "list"
	case KindBitvector:
		return "bitvector"
	case KindBitlist:
		return "bitlist"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Type describes the shape of an SSZ type's hash tree, which is what generalized indices are computed from: the
// spec's SSZType as get_generalized_index sees it. Types of containers come from TypeOf; the others are built by the
// Define* functions as they meet fields. A Type is immutable once built.
type Type struct {
	// Name is the type's spec-style name ("BeaconState", "List[Validator, 1099511627776]"), for messages.
	Name string
	Kind Kind
	// Size is the serialized size in bytes of a basic type.
	Size uint64
	// Length is a vector's length, a list's limit, or a bitvector's or bitlist's number of bits (its limit).
	Length uint64
	// Elem is the element type of a vector or list.
	Elem *Type
	// Fields are a container's fields in order.
	Fields []FieldType
}

// FieldType is one field of a container Type.
type FieldType struct {
	// Name is the spec's field name ("finalized_checkpoint").
	Name string
	Type *Type
}

var (
	typeBool    = &Type{Name: "boolean", Kind: KindBasic, Size: 1}
	typeUint8   = &Type{Name: "uint8", Kind: KindBasic, Size: 1}
	typeUint16  = &Type{Name: "uint16", Kind: KindBasic, Size: 2}
	typeUint32  = &Type{Name: "uint32", Kind: KindBasic, Size: 4}
	typeUint64  = &Type{Name: "uint64", Kind: KindBasic, Size: 8}
	typeUint256 = &Type{Name: "uint256", Kind: KindBasic, Size: 32}
)

func vectorType(elem *Type, length uint64) *Type {
	name := fmt.Sprintf("Vector[%s, %d]", elem.Name, length)
	if elem == typeUint8 {
		name = fmt.Sprintf("ByteVector[%d]", length)
	}
	return &Type{Name: name, Kind: KindVector, Length: length, Elem: elem}
}

func listType(elem *Type, limit uint64) *Type {
	name := fmt.Sprintf("List[%s, %d]", elem.Name, limit)
	if elem == typeUint8 {
		name = fmt.Sprintf("ByteList[%d]", limit)
	}
	return &Type{Name: name, Kind: KindList, Length: limit, Elem: elem}
}

func bitvectorType(n uint64) *Type {
	return &Type{Name: fmt.Sprintf("Bitvector[%d]", n), Kind: KindBitvector, Length: n}
}

func bitlistType(limit uint64) *Type {
	return &Type{Name: fmt.Sprintf("Bitlist[%d]", limit), Kind: KindBitlist, Length: limit}
}

// itemLength is the spec's item_length: the bytes of a basic type, 32 (a whole chunk) for a composite one.
func (t *Type) itemLength() uint64 {
	if t.Kind == KindBasic {
		return t.Size
	}
	return 32
}

// ChunkCount is the spec's chunk_count: how many chunks the type's top-level elements take, the leaves of its data
// tree before padding to a power of two.
func (t *Type) ChunkCount() uint64 {
	switch t.Kind {
	case KindBasic:
		return 1
	case KindBitvector, KindBitlist:
		return (t.Length + 255) / 256
	case KindVector, KindList:
		return packedChunks(t.Length, t.Elem.itemLength())
	case KindContainer:
		return uint64(len(t.Fields))
	}
	return 0
}

// packedChunks returns ceil(n * size / 32) without overflowing for the largest limits.
func packedChunks(n, size uint64) uint64 {
	hi, lo := bits.Mul64(n, size)
	if hi != 0 {
		// Only a list limit beyond 2**64 bytes gets here; no SSZ type in use comes close.
		return math.MaxUint64
	}
	return lo/32 + min(lo%32, 1)
}

// depth returns the height of the type's data tree: ceil(log2(chunk_count)).
func (t *Type) depth() int {
	return sszkit.TreeDepth(t.ChunkCount())
}

// hasLength reports whether the type's root mixes in a length (lists and bitlists).
func (t *Type) hasLength() bool {
	return t.Kind == KindList || t.Kind == KindBitlist
}

// FieldIndex returns the position of the field with the given spec name, or -1.
func (t *Type) FieldIndex(name string) int {
	for i, f := range t.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

func (t *Type) String() string {
	return t.Name
}

// PathElement is one step of a path into an SSZ object, the spec's Union[int, SSZVariableName]: a container field by
// name, an element of a vector or list (or a field) by position, or the length of a list.
type PathElement struct {
	name     string
	position uint64
	byName   bool
}

// Field is the path step to the container field with the given spec name ("finalized_checkpoint").
func Field(name string) PathElement {
	return PathElement{name: name, byName: true}
}

// Index is the path step to element i of a vector, list, bitvector or bitlist, or to field i of a container (the
// spec's encoded form of a path).
func Index(i uint64) PathElement {
	return PathElement{position: i}
}

// Len is the path step to the length of a list or bitlist, the spec's "__len__".
var Len = PathElement{position: math.MaxUint64}

func (p PathElement) String() string {
	switch {
	case p.byName:
		return p.name
	case p == Len:
		return "__len__"
	}
	return strconv.FormatUint(p.position, 10)
}

// GetGeneralizedIndex is the spec's get_generalized_index: the generalized index of the node a path leads to in the
// hash tree of an object of type typ. For example the path finalized_checkpoint, root in a Fulu BeaconState leads to
// 169, and blob_kzg_commitments, 0 in a BeaconBlockBody to 2**16 * 27 * 2 (below the length mix-in).
//
// Beyond the spec, Index also steps into a bitvector or bitlist (to the chunk holding the bit).
func GetGeneralizedIndex(typ *Type, path ...PathElement) (GeneralizedIndex, error) {
	root := GeneralizedIndex(1)
	length := 0
	for i, p := range path {
		fail := func(format string, args ...any) (GeneralizedIndex, error) {
			return 0, fmt.Errorf("path %v at %v (%s): %w: %s", path, p, typ, ErrInvalidPath, fmt.Sprintf(format, args...))
		}
		if typ.Kind == KindBasic {
			return fail("a basic value has no parts")
		}
		var (
			step     int
			position uint64
			next     *Type
		)
		switch {
		case p == Len:
			if !typ.hasLength() {
				return fail("only lists and bitlists have a length")
			}
			step, position, next = 1, 1, typeUint64
		default:
			index := p.position
			if p.byName {
				if typ.Kind != KindContainer {
					return fail("only containers have named fields")
				}
				field := typ.FieldIndex(p.name)
				if field < 0 {
					return fail("no such field")
				}
				index = uint64(field)
			}
			var err error
			position, next, err = typ.itemPosition(index)
			if err != nil {
				return fail("%v", err)
			}
			step = typ.depth()
			if typ.hasLength() {
				// The data tree is the left child of a list's root.
				step++
			}
		}
		length += step
		if length > maxGeneralizedIndexLength {
			return 0, fmt.Errorf("path %v at step %d: %w", path, i, ErrGeneralizedIndexOverflow)
		}
		root = root<<step + GeneralizedIndex(position)
		typ = next
	}
	return root, nil
}

// itemPosition returns the chunk holding element or field index (the first value of the spec's get_item_position)
// and its type; a bit of a bitfield is a boolean, beyond which a path cannot go.
func (t *Type) itemPosition(index uint64) (uint64, *Type, error) {
	switch t.Kind {
	case KindContainer:
		if index >= uint64(len(t.Fields)) {
			return 0, nil, fmt.Errorf("field %d of %d", index, len(t.Fields))
		}
		return index, t.Fields[index].Type, nil
	case KindVector, KindList:
		if index >= t.Length {
			return 0, nil, fmt.Errorf("element %d of at most %d", index, t.Length)
		}
		hi, start := bits.Mul64(index, t.Elem.itemLength())
		if hi != 0 {
			return 0, nil, fmt.Errorf("element %d is beyond 2**64 bytes", index)
		}
		return start / 32, t.Elem, nil
	case KindBitvector, KindBitlist:
		if index >= t.Length {
			return 0, nil, fmt.Errorf("bit %d of at most %d", index, t.Length)
		}
		return index / 256, typeBool, nil
	}
	return 0, nil, fmt.Errorf("a %s has no elements", t.Kind)
}
