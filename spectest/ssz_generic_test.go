package spectest

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/holiman/uint256"
	"github.com/karalabe/ssz"
	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/sszkit"
)

// ssz_generic (tests/formats/ssz_generic): each case names its type; a valid case must decode to the value of
// value.yaml, re-encode to the same bytes and hash to meta.yaml's root, an invalid one must fail to decode. Both of
// the library's decoders (from bytes and from a stream), both encoders and both hashers (sequential and concurrent)
// are run and must agree.

func init() { registry.Handle("ssz_generic", "", sszGeneric) }

func sszGeneric(t *testing.T, c Case) {
	data, err := c.ReadSSZ("serialized")
	if err != nil {
		t.Fatal(err)
	}
	decode, typeErr := genericType(c.Handler, c.Name)
	switch c.Suite {
	case "valid":
		if typeErr != nil {
			t.Fatal(typeErr)
		}
		var meta struct {
			Root string `yaml:"root"`
		}
		if err := c.ReadYAML("meta", &meta); err != nil {
			t.Fatal(err)
		}
		want, err := parseRoot(meta.Root)
		if err != nil {
			t.Fatalf("meta.yaml: %v", err)
		}
		value, err := decode(data)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		encoded, err := value.encode()
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		if !bytes.Equal(encoded, data) {
			t.Errorf("re-encoded\n%x\nwant\n%x", encoded, data)
		}
		root, err := value.root()
		if err != nil {
			t.Fatal(err)
		}
		if root != want {
			t.Errorf("hash_tree_root %#x, want %#x", root, want)
		}
		var expected any
		if err := c.ReadYAML("value", &expected); err != nil {
			t.Fatal(err)
		}
		normalized, err := normalizeYAML(expected)
		if err != nil {
			t.Fatalf("value.yaml: %v", err)
		}
		if got := value.yamlValue(); !reflect.DeepEqual(got, normalized) {
			t.Errorf("decoded value\n%v\nvalue.yaml\n%v", got, normalized)
		}
	case "invalid":
		if errors.Is(typeErr, errIllegalType) {
			return // the case names a type SSZ forbids (Vector[T, 0], Bitvector[0]): nothing can be decoded as it
		}
		if typeErr != nil {
			t.Fatal(typeErr)
		}
		if _, err := decode(data); err == nil {
			t.Errorf("decoded invalid input %x", data)
		}
	default:
		t.Fatalf("unknown suite %q", c.Suite)
	}
}

func parseRoot(s string) ([32]byte, error) {
	var root [32]byte
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != 32 {
		return root, fmt.Errorf("bad root %q", s)
	}
	copy(root[:], b)
	return root, nil
}

// errIllegalType marks a case name whose type SSZ forbids.
var errIllegalType = errors.New("illegal SSZ type")

// genericValue is a decoded value of some ssz_generic type.
type genericValue interface {
	encode() ([]byte, error)
	root() ([32]byte, error)
	yamlValue() any
}

// yamlValuer gives a value in the form value.yaml is compared in: numbers as decimal strings, byte lists and bitfields
// as lowercase 0x-hex strings, lists as []any and containers as map[string]any.
type yamlValuer interface {
	yamlValue() any
}

// normalizeYAML brings a decoded value.yaml into the yamlValuer form.
func normalizeYAML(v any) (any, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case int:
		return strconv.Itoa(v), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	case string:
		if strings.HasPrefix(v, "0x") {
			return strings.ToLower(v), nil
		}
		if _, ok := new(big.Int).SetString(v, 10); !ok {
			return nil, fmt.Errorf("unexpected string %q", v)
		}
		return v, nil
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			n, err := normalizeYAML(item)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			n, err := normalizeYAML(item)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected %T %v", v, v)
}

func decimal[T sszkit.Unsigned](n T) string { return strconv.FormatUint(uint64(n), 10) }

func hexString(b []byte) string { return "0x" + hex.EncodeToString(b) }

// yamlList maps a slice to its yamlValuer form.
func yamlList[T any](items []T, form func(T) any) []any {
	out := make([]any, len(items))
	for i, item := range items {
		out[i] = form(item)
	}
	return out
}

// genericDecoder decodes bytes as one ssz_generic type.
type genericDecoder func(data []byte) (genericValue, error)

var (
	vectorName  = regexp.MustCompile(`^vec_(bool|uint8|uint16|uint32|uint64|uint128|uint256)_(\d+)(_|$)`)
	bitvecName  = regexp.MustCompile(`^bitvec_(\d+)(_|$)`)
	bitlistName = regexp.MustCompile(`^bitlist_(\d+)(_|$)`)
	uintName    = regexp.MustCompile(`^uint_(8|16|32|64|128|256)(_|$)`)
)

// genericType returns the decoder of the type a case's handler and name declare.
func genericType(handler, name string) (genericDecoder, error) {
	switch handler {
	case "boolean":
		return staticType(func() *fieldBox {
			var b bool
			return &fieldBox{size: 1, define: func(c *ssz.Codec) { ssz.DefineBool(c, &b) }, value: func() any { return b }}
		}), nil
	case "uints":
		m := uintName.FindStringSubmatch(name)
		if m == nil {
			return nil, fmt.Errorf("uints case %q names no uint type", name)
		}
		return uintType(m[1]), nil
	case "basic_vector":
		m := vectorName.FindStringSubmatch(name)
		if m == nil {
			return nil, fmt.Errorf("basic_vector case %q names no vector type", name)
		}
		n, err := strconv.Atoi(m[2])
		if err != nil {
			return nil, fmt.Errorf("basic_vector case %q: %w", name, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("%w: Vector[%s, 0]", errIllegalType, m[1])
		}
		return vectorType(m[1], n), nil
	case "bitvector":
		m := bitvecName.FindStringSubmatch(name)
		if m == nil {
			return nil, fmt.Errorf("bitvector case %q names no bitvector type", name)
		}
		n, err := strconv.ParseUint(m[1], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("bitvector case %q: %w", name, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("%w: Bitvector[0]", errIllegalType)
		}
		return staticType(func() *fieldBox {
			bits := make([]byte, (n+7)/8)
			return &fieldBox{size: uint32(len(bits)), define: func(c *ssz.Codec) { sszkit.DefineBitvector(c, bits, n) },
				value: func() any { return hexString(bits) }}
		}), nil
	case "bitlist":
		m := bitlistName.FindStringSubmatch(name)
		if m == nil {
			return nil, fmt.Errorf("bitlist case %q names no bitlist type", name)
		}
		limit, err := strconv.ParseUint(m[1], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("bitlist case %q: %w", name, err)
		}
		return bitlistType(limit), nil
	case "containers":
		return containerType(strings.SplitN(name, "_", 2)[0])
	}
	return nil, fmt.Errorf("unknown ssz_generic handler %q", handler)
}

func uintType(bits string) genericDecoder {
	return staticType(func() *fieldBox {
		switch bits {
		case "8":
			var n uint8
			return &fieldBox{size: 1, define: func(c *ssz.Codec) { ssz.DefineUint8(c, &n) }, value: func() any { return decimal(n) }}
		case "16":
			var n uint16
			return &fieldBox{size: 2, define: func(c *ssz.Codec) { ssz.DefineUint16(c, &n) }, value: func() any { return decimal(n) }}
		case "32":
			var n uint32
			return &fieldBox{size: 4, define: func(c *ssz.Codec) { ssz.DefineUint32(c, &n) }, value: func() any { return decimal(n) }}
		case "64":
			var n uint64
			return &fieldBox{size: 8, define: func(c *ssz.Codec) { ssz.DefineUint64(c, &n) }, value: func() any { return decimal(n) }}
		case "128":
			var n sszkit.Uint128
			return &fieldBox{size: 16, define: func(c *ssz.Codec) { sszkit.DefineUint128(c, &n) }, value: func() any { return n.String() }}
		default:
			n := new(uint256.Int)
			return &fieldBox{size: 32, define: func(c *ssz.Codec) { ssz.DefineUint256(c, &n) }, value: func() any { return n.Dec() }}
		}
	})
}

func vectorType(elem string, n int) genericDecoder {
	return staticType(func() *fieldBox {
		switch elem {
		case "bool":
			v := make([]bool, n)
			return &fieldBox{size: uint32(n), define: func(c *ssz.Codec) { sszkit.DefineBoolVector(c, v) },
				value: func() any { return yamlList(v, func(b bool) any { return b }) }}
		case "uint8":
			return uintVector(n, sszkit.DefineUint8Vector[uint8])
		case "uint16":
			return uintVector(n, sszkit.DefineUint16Vector[uint16])
		case "uint32":
			return uintVector(n, sszkit.DefineUint32Vector[uint32])
		case "uint64":
			return uintVector(n, sszkit.DefineUint64Vector[uint64])
		case "uint128":
			v := make([]sszkit.Uint128, n)
			return &fieldBox{size: uint32(16 * n), define: func(c *ssz.Codec) { sszkit.DefineUint128Vector(c, v) },
				value: func() any { return yamlList(v, func(u sszkit.Uint128) any { return u.String() }) }}
		default:
			v := make([]uint256.Int, n)
			return &fieldBox{size: uint32(32 * n), define: func(c *ssz.Codec) { sszkit.DefineUint256Vector(c, v) },
				value: func() any { return yamlList(v, func(u uint256.Int) any { return u.Dec() }) }}
		}
	})
}

func uintVector[T sszkit.Unsigned](n int, define func(*ssz.Codec, []T)) *fieldBox {
	v := make([]T, n)
	return &fieldBox{
		size:   uint32(n * bits.Len64(uint64(^T(0))) / 8),
		define: func(c *ssz.Codec) { define(c, v) },
		value:  func() any { return yamlList(v, func(u T) any { return decimal(u) }) },
	}
}

// fieldBox is a container of one fixed-size field. Its serialization is the field's and, a one-chunk merkleization
// being the chunk itself, so is its root: it is how a top-level uint, bool, vector or bitvector is decoded with a
// library that decodes containers.
type fieldBox struct {
	size   uint32
	define func(c *ssz.Codec)
	value  func() any // the field in yamlValuer form
}

func (b *fieldBox) SizeSSZ(*ssz.Sizer) uint32 { return b.size }
func (b *fieldBox) DefineSSZ(c *ssz.Codec)    { b.define(c) }
func (b *fieldBox) yamlValue() any            { return b.value() }

// bitlistBox is a container whose only field is a Bitlist[limit]: its serialization is a 4-byte offset (always 4)
// followed by the bitlist's, and its root is the bitlist's.
type bitlistBox struct {
	bits  bitfield.Bitlist
	limit uint64
}

func (b *bitlistBox) SizeSSZ(siz *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 4
	}
	return 4 + ssz.SizeSliceOfBits(siz, b.bits)
}

func (b *bitlistBox) yamlValue() any { return hexString(b.bits) }

func (b *bitlistBox) DefineSSZ(c *ssz.Codec) {
	sszkit.DefineBitlistOffset(c, &b.bits, b.limit)
	sszkit.DefineBitlistContent(c, &b.bits, b.limit)
}

func bitlistType(limit uint64) genericDecoder {
	return func(data []byte) (genericValue, error) {
		boxed := append(binary.LittleEndian.AppendUint32(nil, 4), data...)
		box := &bitlistBox{limit: limit}
		if err := decodeBoth(boxed, box, &bitlistBox{limit: limit}); err != nil {
			return nil, err
		}
		return unboxedValue{objectValue{box}}, nil
	}
}

// unboxedValue drops the 4-byte offset of a one-field dynamic container from its encoding.
type unboxedValue struct{ objectValue }

func (u unboxedValue) encode() ([]byte, error) {
	b, err := u.objectValue.encode()
	if err != nil {
		return nil, err
	}
	if len(b) < 4 || binary.LittleEndian.Uint32(b) != 4 {
		return nil, fmt.Errorf("box encoding %x does not start with offset 4", b)
	}
	return b[4:], nil
}

func containerType(name string) (genericDecoder, error) {
	switch name {
	case "SingleFieldTestStruct":
		return staticType(func() *SingleFieldTestStruct { return new(SingleFieldTestStruct) }), nil
	case "SmallTestStruct":
		return staticType(func() *SmallTestStruct { return new(SmallTestStruct) }), nil
	case "FixedTestStruct":
		return staticType(func() *FixedTestStruct { return new(FixedTestStruct) }), nil
	case "VarTestStruct":
		return dynamicType(func() *VarTestStruct { return new(VarTestStruct) }), nil
	case "ComplexTestStruct":
		return dynamicType(func() *ComplexTestStruct { return new(ComplexTestStruct) }), nil
	case "BitsStruct":
		return dynamicType(func() *BitsStruct { return new(BitsStruct) }), nil
	case "ProgressiveBitsStruct":
		return dynamicType(func() *ProgressiveBitsStruct { return new(ProgressiveBitsStruct) }), nil
	case "ProgressiveTestStruct":
		return progressiveTestStructType, nil
	}
	return nil, fmt.Errorf("unknown ssz_generic container %q", name)
}

func staticType[T ssz.StaticObject](newObject func() T) genericDecoder {
	return func(data []byte) (genericValue, error) {
		obj := newObject()
		if err := decodeBoth(data, obj, newObject()); err != nil {
			return nil, err
		}
		return objectValue{obj}, nil
	}
}

func dynamicType[T ssz.DynamicObject](newObject func() T) genericDecoder {
	return func(data []byte) (genericValue, error) {
		obj := newObject()
		if err := decodeBoth(data, obj, newObject()); err != nil {
			return nil, err
		}
		return objectValue{obj}, nil
	}
}

func progressiveTestStructType(data []byte) (genericValue, error) {
	s := new(ProgressiveTestStruct)
	if err := decodeProgressiveTestStruct(data, s); err != nil {
		return nil, err
	}
	// Encode from D, not from the bytes it was decoded from.
	s.rawD = nil
	if err := s.packD(); err != nil {
		return nil, err
	}
	return objectValue{s}, nil
}

// decodeBoth decodes data into a with the bytes decoder and into b with the stream decoder; they must agree.
func decodeBoth(data []byte, a, b ssz.Object) error {
	errBytes := ssz.DecodeFromBytes(data, a)
	errStream := ssz.DecodeFromStream(bytes.NewReader(data), b, uint32(len(data)))
	switch {
	case errBytes != nil && errStream != nil:
		return errBytes
	case errBytes != nil || errStream != nil:
		return fmt.Errorf("decoders disagree: from bytes %v, from a stream %v", errBytes, errStream)
	}
	encA, errA := objectValue{a}.encode()
	encB, errB := objectValue{b}.encode()
	if errA != nil || errB != nil || !bytes.Equal(encA, encB) {
		return fmt.Errorf("decoders disagree on the value: %x (%v) vs %x (%v)", encA, errA, encB, errB)
	}
	return nil
}

// objectValue is a decoded library object.
type objectValue struct{ obj ssz.Object }

// encode encodes with both the bytes and the stream encoder, which must agree.
func (v objectValue) encode() ([]byte, error) {
	buf := make([]byte, ssz.Size(v.obj))
	if err := ssz.EncodeToBytes(buf, v.obj); err != nil {
		return nil, err
	}
	var stream bytes.Buffer
	if err := ssz.EncodeToStream(&stream, v.obj); err != nil {
		return nil, err
	}
	if !bytes.Equal(buf, stream.Bytes()) {
		return nil, fmt.Errorf("encoders disagree: to bytes %x, to a stream %x", buf, stream.Bytes())
	}
	return buf, nil
}

func (v objectValue) yamlValue() any { return v.obj.(yamlValuer).yamlValue() }

// root hashes sequentially and concurrently, which must agree.
func (v objectValue) root() ([32]byte, error) {
	seq, conc := ssz.HashSequential(v.obj), ssz.HashConcurrent(v.obj)
	if seq != conc {
		return seq, fmt.Errorf("hashers disagree: sequential %#x, concurrent %#x", seq, conc)
	}
	return seq, nil
}
