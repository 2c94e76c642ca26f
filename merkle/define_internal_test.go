package merkle

import (
	"bytes"
	"testing"
)

// TestPackUints checks both ways of serializing packed integers, whichever the host uses.
func TestPackUints(t *testing.T) {
	check := func(name string, view, encoded []byte) {
		t.Helper()
		if littleEndian && !bytes.Equal(view, encoded) {
			t.Errorf("%s: view %x, encoding %x", name, view, encoded)
		}
	}
	u64 := []uint64{1, 0x0102030405060708, 1<<64 - 1}
	check("uint64", viewUints(u64), encodeUints(u64))
	u32 := []uint32{1, 0x01020304}
	check("uint32", viewUints(u32), encodeUints(u32))
	u16 := []uint16{1, 0x0102}
	check("uint16", viewUints(u16), encodeUints(u16))
	u8 := []uint8{1, 2}
	check("uint8", viewUints(u8), encodeUints(u8))
	if want := []byte{8, 7, 6, 5, 4, 3, 2, 1}; !bytes.Equal(encodeUints(u64)[8:16], want) {
		t.Errorf("uint64 encoding %x, want %x", encodeUints(u64)[8:16], want)
	}
	if len(packUints[uint64](nil)) != 0 {
		t.Error("nil list packs to bytes")
	}
}
