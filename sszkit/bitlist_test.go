package sszkit

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/karalabe/ssz"
	"github.com/prysmaticlabs/go-bitfield"
)

// twoBitlists is {A: Bitlist[maxBits], B: uint8, C: Bitlist[maxBits]}, so that a rejected A is not the input's last
// field.
type twoBitlists struct {
	A, C    bitfield.Bitlist
	B       uint8
	maxBits uint64
}

func (s *twoBitlists) SizeSSZ(siz *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 9
	}
	return 9 + ssz.SizeSliceOfBits(siz, s.A) + ssz.SizeSliceOfBits(siz, s.C)
}

func (s *twoBitlists) DefineSSZ(c *ssz.Codec) {
	DefineBitlistOffset(c, &s.A, s.maxBits)
	ssz.DefineUint8(c, &s.B)
	DefineBitlistOffset(c, &s.C, s.maxBits)
	DefineBitlistContent(c, &s.A, s.maxBits)
	DefineBitlistContent(c, &s.C, s.maxBits)
}

// layout serializes twoBitlists with the given contents and B = 0x42.
func layout(a, c []byte) []byte {
	out := binary.LittleEndian.AppendUint32(nil, 9)
	out = append(out, 0x42)
	out = binary.LittleEndian.AppendUint32(out, uint32(9+len(a)))
	return append(append(out, a...), c...)
}

// wantBitlist is the spec's rule: a delimiting bit, and at most maxBits bits before it.
func wantBitlist(b []byte, maxBits uint64) bool {
	if len(b) == 0 || b[len(b)-1] == 0 {
		return false
	}
	_, n := refBitlistBits(b)
	return uint64(n) <= maxBits
}

func TestBitlistDecodingEnforcesTheLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	valid := []byte{0x01} // the empty bitlist
	for maxBits := range uint64(26) {
		for range 300 {
			a := make([]byte, rng.IntN(5))
			for i := range a {
				a[i] = byte(rng.Uint32())
			}
			if len(a) > 0 && rng.IntN(2) == 0 {
				a[len(a)-1] = 1 << rng.IntN(8) // delimiter alone in the last byte: probes the limit exactly
			}
			for _, last := range []bool{true, false} {
				s := &twoBitlists{maxBits: maxBits}
				// The probed bitlist is C, the input's last bytes, or A, followed by C's content.
				input := layout(valid, a)
				if !last {
					input = layout(a, valid)
				}
				err := ssz.DecodeFromBytes(input, s)
				errStream := ssz.DecodeFromStream(bytes.NewReader(input), &twoBitlists{maxBits: maxBits}, uint32(len(input)))
				want := wantBitlist(a, maxBits)
				if (err == nil) != want || (errStream == nil) != want {
					t.Fatalf("Bitlist[%d] %x (last field %v): bytes decoder %v, stream decoder %v, want accepted %v",
						maxBits, a, last, err, errStream, want)
				}
			}
		}
	}
}
