package statecache_test

import (
	"reflect"
	"testing"

	"github.com/salamander-client/salamander/statecache"
)

// TestSameValidatorSeesEveryField changes each byte of each field of a Validator in turn, found by reflection, so
// that a field added to the type and not to the comparison fails here rather than going unhashed.
func TestSameValidatorSeesEveryField(t *testing.T) {
	base := newStateGen(1).validator()
	if !statecache.SameValidator(base, base) {
		t.Fatal("a validator differs from itself")
	}
	typ := reflect.TypeOf(*base)
	for f := range typ.NumField() {
		field := typ.Field(f)
		variants := 0
		for variant := range 64 {
			changed := *base
			value := reflect.ValueOf(&changed).Elem().Field(f)
			switch value.Kind() {
			case reflect.Array:
				if variant >= value.Len() {
					continue
				}
				b := value.Index(variant)
				b.SetUint(b.Uint() ^ 0x80)
			case reflect.Uint64:
				value.SetUint(value.Uint() ^ 1<<variant)
			case reflect.Bool:
				if variant > 0 {
					continue
				}
				value.SetBool(!value.Bool())
			default:
				t.Fatalf("field %s: kind %s not covered by this test", field.Name, value.Kind())
			}
			variants++
			if statecache.SameValidator(base, &changed) || statecache.SameValidator(&changed, base) {
				t.Errorf("field %s, variant %d: change not seen", field.Name, variant)
			}
		}
		if variants == 0 {
			t.Errorf("field %s: not changed", field.Name)
		}
	}
	if size := typ.Size(); size != 128 {
		t.Errorf("Validator is %d bytes in memory, the comparison was written for 128: check it covers every field", size)
	}
}
