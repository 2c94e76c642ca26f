package types

import (
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"

	"github.com/karalabe/ssz"
)

// ErrInvalidSSZ is wrapped by every decoding error: the input is not the canonical SSZ encoding of the type (bad
// offsets, lengths over their limits, truncated or trailing bytes, junk padding bits). A peer that sends such bytes
// sent a malformed message.
var ErrInvalidSSZ = errors.New("invalid SSZ encoding")

// ErrUnencodable is wrapped by encoding errors: the object cannot be encoded (a bitlist without its length bit, a
// destination that is too small, a failing writer).
var ErrUnencodable = errors.New("object cannot be SSZ encoded")

// Object is a container of this package: anything with a DefineSSZ and a SizeSSZ.
type Object = ssz.Object

// maxObjectSize bounds the bytes SSZ offsets can address (uint32).
const maxObjectSize = math.MaxUint32

// Marshal returns the SSZ encoding of obj.
func Marshal(obj Object) ([]byte, error) {
	return MarshalAppend(nil, obj)
}

// MarshalAppend appends the SSZ encoding of obj to dst and returns the extended slice.
func MarshalAppend(dst []byte, obj Object) (out []byte, err error) {
	defer recoverInto(&err, "marshal", obj, ErrUnencodable)

	size := int(ssz.Size(obj))
	start := len(dst)
	out = grow(dst, size)
	if err := ssz.EncodeToBytes(out[start:], obj); err != nil {
		return dst, fmt.Errorf("marshal %s: %w: %w", typeName(obj), ErrUnencodable, err)
	}
	return out, nil
}

// EncodeTo writes the SSZ encoding of obj to w without building it in memory first.
func EncodeTo(w io.Writer, obj Object) (err error) {
	defer recoverInto(&err, "encode", obj, ErrUnencodable)

	if err := ssz.EncodeToStream(w, obj); err != nil {
		return fmt.Errorf("encode %s: %w: %w", typeName(obj), ErrUnencodable, err)
	}
	return nil
}

// Unmarshal decodes data into obj. On error the contents of obj are unspecified.
func Unmarshal(data []byte, obj Object) (err error) {
	if uint64(len(data)) > maxObjectSize {
		return fmt.Errorf("unmarshal %s: %w: %d bytes exceed the SSZ offset range", typeName(obj), ErrInvalidSSZ, len(data))
	}
	defer recoverInto(&err, "unmarshal", obj, ErrInvalidSSZ)

	if err := ssz.DecodeFromBytes(data, obj); err != nil {
		return fmt.Errorf("unmarshal %s: %w: %w", typeName(obj), ErrInvalidSSZ, err)
	}
	return nil
}

// DecodeFrom decodes size bytes read from r into obj. On error the contents of obj are unspecified.
func DecodeFrom(r io.Reader, size uint64, obj Object) (err error) {
	if size > maxObjectSize {
		return fmt.Errorf("decode %s: %w: %d bytes exceed the SSZ offset range", typeName(obj), ErrInvalidSSZ, size)
	}
	if size == 0 {
		return fmt.Errorf("decode %s: %w: %w", typeName(obj), ErrInvalidSSZ, io.ErrUnexpectedEOF)
	}
	defer recoverInto(&err, "decode", obj, ErrInvalidSSZ)

	if err := ssz.DecodeFromStream(r, obj, uint32(size)); err != nil {
		return fmt.Errorf("decode %s: %w: %w", typeName(obj), ErrInvalidSSZ, err)
	}
	return nil
}

// Size returns the length of obj's SSZ encoding.
func Size(obj Object) uint64 {
	return uint64(ssz.Size(obj))
}

// HashTreeRoot returns obj's hash_tree_root, computed on the calling goroutine. Use HashTreeRootConcurrent for
// objects with lists of many thousands of items.
func HashTreeRoot(obj Object) [32]byte {
	return ssz.HashSequential(obj)
}

// HashTreeRootConcurrent returns obj's hash_tree_root, hashing large lists on all cores.
func HashTreeRootConcurrent(obj Object) [32]byte {
	return ssz.HashConcurrent(obj)
}

// recoverInto turns a panic inside the SSZ library into an error wrapping sentinel, so that no input can crash the
// caller. The library validates inputs itself; this is the last line of defence.
func recoverInto(err *error, op string, obj Object, sentinel error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s %s: %w: recovered from panic: %v", op, typeName(obj), sentinel, r)
	}
}

// grow extends b by n bytes, reallocating only when its capacity is short.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b[:len(b)+n]
	}
	out := make([]byte, len(b)+n)
	copy(out, b)
	return out
}

func typeName(obj Object) string {
	t := reflect.TypeOf(obj)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "<nil>"
	}
	return t.Name()
}
