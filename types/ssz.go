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

// ErrUnencodable is wrapped by encoding errors: the object cannot be encoded (a list over its limit where this
// package checks one, a failing writer, a panic inside the codec). The codec itself does not validate objects: a list
// longer than its limit or a bitlist without its length bit encodes to bytes that do not decode, so build bitlists
// with bitfield.NewBitlist and respect the limits.
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

	if p, ok := obj.(decodePreparer); ok {
		p.prepareDecode(data)
	}
	if err := ssz.DecodeFromBytes(data, obj); err != nil {
		return fmt.Errorf("unmarshal %s: %w: %w", typeName(obj), ErrInvalidSSZ, err)
	}
	return nil
}

// DecodeFrom decodes size bytes read from r into obj. On error the contents of obj are unspecified. A failure of r
// itself is returned as it is, not as ErrInvalidSSZ; a stream that ends early is invalid SSZ.
func DecodeFrom(r io.Reader, size uint64, obj Object) (err error) {
	if size > maxObjectSize {
		return fmt.Errorf("decode %s: %w: %d bytes exceed the SSZ offset range", typeName(obj), ErrInvalidSSZ, size)
	}
	if size == 0 {
		return fmt.Errorf("decode %s: %w: %w", typeName(obj), ErrInvalidSSZ, io.ErrUnexpectedEOF)
	}
	defer recoverInto(&err, "decode", obj, ErrInvalidSSZ)

	// Bound the reader: a decode hook that must read past a bad object (the bitlist check) may not eat what follows it.
	reader := &readErrorRecorder{r: io.LimitReader(r, int64(size))}
	if err := ssz.DecodeFromStream(reader, obj, uint32(size)); err != nil {
		if reader.err != nil {
			return fmt.Errorf("decode %s: read: %w", typeName(obj), reader.err)
		}
		return fmt.Errorf("decode %s: %w: %w", typeName(obj), ErrInvalidSSZ, err)
	}
	return nil
}

// readErrorRecorder remembers the first error of its reader other than the end of the stream, to tell a failing
// reader from bad input.
type readErrorRecorder struct {
	r   io.Reader
	err error
}

func (rec *readErrorRecorder) Read(p []byte) (int, error) {
	n, err := rec.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && rec.err == nil {
		rec.err = err
	}
	return n, err
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

// decodePreparer is implemented by containers that can lay out memory for a decode ahead of the codec.
type decodePreparer interface {
	prepareDecode(data []byte)
}

// recoverInto turns a panic inside the SSZ library into an error wrapping sentinel, so that no input can crash the
// caller. The library validates inputs itself and fuzzing has found no input that panics it; this is the last line
// of defence. (A codec that panicked goes back to the library's pool in an undefined state, which is one more reason
// the library must not panic: report any recovered panic as a bug.)
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
