package merkle

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/karalabe/ssz"
)

// Container is an SSZ container whose hash tree can be walked: karalabe/ssz's DefineSSZ for its encoding and root,
// and DefineTree listing the same fields, in the same order, for the Define* functions of this package. Each
// merkle.DefineX mirrors ssz.DefineX (or sszkit.DefineX) and takes the same arguments after the field's spec name,
// so DefineTree is derived mechanically from DefineSSZ; package types generates it (see merkle/treegen).
type Container interface {
	ssz.Object
	DefineTree(f *Fields)
}

// Fields receives a container's fields from its DefineTree. A field named "" stands for the receiver itself, for a
// Go type that is one SSZ value given the methods of a container (its only "field").
type Fields struct {
	names  []string
	values []value
	err    error
}

// defineFields runs obj's DefineTree.
func defineFields(obj Container) *Fields {
	f := new(Fields)
	obj.DefineTree(f)
	return f
}

func (f *Fields) add(name string, v value) {
	f.names = append(f.names, name)
	f.values = append(f.values, v)
}

// fail records that a field breaks its type (a list over its limit) and adds a placeholder for it, so that the
// container's field positions still line up. The first failure is kept.
func (f *Fields) fail(name string, typ *Type, err error) {
	if f.err == nil {
		f.err = fmt.Errorf("field %s: %w", name, err)
	}
	f.add(name, &chunkValue{typ: typ})
}

// root and value make Fields the elements of a container's chunk layer.
func (f *Fields) root(i uint64) [32]byte { return f.values[i].hashTreeRoot() }
func (f *Fields) value(i uint64) value   { return f.values[i] }

// typeCache maps a container's Go type to its *Type.
var typeCache sync.Map // reflect.Type -> *Type

// TypeOf returns the SSZ type of obj's Go type, the input of GetGeneralizedIndex. obj may be a nil pointer: only its
// type matters. Types are built once per Go type and shared.
func TypeOf(obj Container) *Type {
	return typeOf(obj)
}

func typeOf(obj Container) *Type {
	goType := reflect.TypeOf(obj)
	if t, ok := typeCache.Load(goType); ok {
		return t.(*Type)
	}
	zero := reflect.New(goType.Elem()).Interface().(Container)
	fields := defineFields(zero)
	var t *Type
	if len(fields.values) == 1 && fields.names[0] == "" {
		// A Go type that is its one value (a Cell is a ByteVector made an object): describe the value. The hash
		// trees are the same either way, since a one-field container's root is its field's root.
		inner := *fields.values[0].sszType()
		inner.Name = goType.Elem().Name()
		t = &inner
	} else {
		t = &Type{Name: goType.Elem().Name(), Kind: KindContainer, Fields: make([]FieldType, len(fields.values))}
		for i, v := range fields.values {
			t.Fields[i] = FieldType{Name: fields.names[i], Type: v.sszType()}
		}
	}
	actual, _ := typeCache.LoadOrStore(goType, t)
	return actual.(*Type)
}
