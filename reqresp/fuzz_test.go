package reqresp

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/types"
)

// FuzzReadChunk feeds arbitrary bytes to the response decoder as a block response: it must return chunks or an
// error, never panic, never hand out a payload outside its bounds, and a payload it accepts must re-encode to a
// stream it reads back the same.
func FuzzReadChunk(f *testing.F) {
	var seed bytes.Buffer
	_ = WriteSuccessChunk(&seed, []byte{1, 2, 3, 4}, bytes.Repeat([]byte{7}, 200))
	_ = WriteErrorChunk(&seed, InvalidRequest, "bad")
	f.Add(seed.Bytes())
	f.Add([]byte{0, 1, 2, 3, 4, 0x80})
	f.Add([]byte{0, 0, 0, 0, 0, 100, 0xff, 6, 0, 0, 's', 'N', 'a', 'P', 'p', 'Y'})
	limits := NewLimits(&params.Spec{ChainConfig: params.ChainConfig{MaxPayloadSize: 10 << 20}})
	bounds := limits.Response(BeaconBlocksByRange)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := reader(data)
		for range 16 {
			c, err := ReadChunk(r, true, bounds)
			if err != nil {
				if errors.Is(err, io.EOF) {
					return
				}
				return
			}
			if uint64(len(c.Payload)) < bounds.Min || uint64(len(c.Payload)) > bounds.Max {
				t.Fatalf("payload of %d bytes outside %+v", len(c.Payload), bounds)
			}
			var again bytes.Buffer
			if err := WriteSuccessChunk(&again, c.Context[:], c.Payload); err != nil {
				t.Fatal(err)
			}
			back, err := ReadChunk(reader(again.Bytes()), true, bounds)
			if err != nil || !bytes.Equal(back.Payload, c.Payload) {
				t.Fatalf("accepted payload does not round-trip: %v", err)
			}
			var block types.SignedBeaconBlock
			_ = types.Unmarshal(c.Payload, &block) // must not panic
		}
	})
}

// FuzzReadRequest feeds arbitrary bytes to the request decoder of every method.
func FuzzReadRequest(f *testing.F) {
	var seed bytes.Buffer
	_ = WritePayload(&seed, make([]byte, 24))
	f.Add(seed.Bytes(), uint8(BeaconBlocksByRange))
	limits := NewLimits(&params.Spec{ChainConfig: params.ChainConfig{MaxPayloadSize: 10 << 20}})
	f.Fuzz(func(t *testing.T, data []byte, method uint8) {
		m := Method(method % uint8(numMethods))
		if !m.HasRequest() {
			return
		}
		req, err := ReadRequest(reader(data), limits.Request(m))
		if err != nil {
			return
		}
		_ = requestCost(m, req) // decodes the request: must not panic
	})
}
