package reqresp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/golang/snappy"
)

func reader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

func TestPayloadRoundTrip(t *testing.T) {
	for _, n := range []int{1, 84, 65535, 65536, 65537, 300_000} {
		payload := make([]byte, n)
		for i := range payload {
			payload[i] = byte(i * 7 / 5)
		}
		var buf bytes.Buffer
		if err := WriteSuccessChunk(&buf, []byte{1, 2, 3, 4}, payload); err != nil {
			t.Fatal(err)
		}
		if err := WriteSuccessChunk(&buf, []byte{5, 6, 7, 8}, payload[:1]); err != nil {
			t.Fatal(err)
		}
		r := reader(buf.Bytes())
		c, err := ReadChunk(r, true, Bounds{Min: 1, Max: 1 << 20})
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if c.Context != [4]byte{1, 2, 3, 4} || !bytes.Equal(c.Payload, payload) {
			t.Fatalf("%d bytes: chunk does not round-trip", n)
		}
		// The second chunk must still be intact: the first read took no byte of it.
		c, err = ReadChunk(r, true, Bounds{Min: 1, Max: 1 << 20})
		if err != nil || c.Context != [4]byte{5, 6, 7, 8} || !bytes.Equal(c.Payload, payload[:1]) {
			t.Fatalf("%d bytes: second chunk: %v", n, err)
		}
		if _, err := ReadChunk(r, true, Bounds{Max: 1 << 20}); !errors.Is(err, io.EOF) {
			t.Fatalf("after the last chunk: %v, want io.EOF", err)
		}
	}
}

func TestErrorChunk(t *testing.T) {
	var buf bytes.Buffer
	long := bytes.Repeat([]byte("x"), 400)
	if err := WriteErrorChunk(&buf, ResourceUnavailable, string(long)); err != nil {
		t.Fatal(err)
	}
	_, err := ReadChunk(reader(buf.Bytes()), true, Bounds{Max: 100})
	var re *ResponseError
	if !errors.As(err, &re) || re.Code != ResourceUnavailable || len(re.Message) != MaxErrorMessageSize {
		t.Fatalf("have %v, want a ResourceUnavailable error with a 256-byte message", err)
	}
	if !errors.Is(err, ErrErrorResponse) {
		t.Fatal("ResponseError does not match ErrErrorResponse")
	}
}

func TestRequestRoundTripAndTrailingBytes(t *testing.T) {
	var buf bytes.Buffer
	if err := WritePayload(&buf, []byte("12345678")); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRequest(reader(buf.Bytes()), Bounds{Min: 8, Max: 8})
	if err != nil || string(got) != "12345678" {
		t.Fatalf("request: %q, %v", got, err)
	}
	if _, err := ReadRequest(reader(append(buf.Bytes(), 0)), Bounds{Min: 8, Max: 8}); !errors.Is(err, ErrTrailingBytes) {
		t.Fatalf("trailing byte: %v, want ErrTrailingBytes", err)
	}
}

// frames builds a snappy frames stream by hand.
func frame(typ byte, body []byte) []byte {
	n := len(body)
	return append([]byte{typ, byte(n), byte(n >> 8), byte(n >> 16)}, body...)
}

func dataFrame(data []byte, compressed bool, crc uint32) []byte {
	body := binary.LittleEndian.AppendUint32(nil, crc)
	if compressed {
		body = append(body, snappy.Encode(nil, data)...)
		return frame(chunkCompressed, body)
	}
	return frame(chunkUncompressed, append(body, data...))
}

func TestMalformedPayloads(t *testing.T) {
	data := []byte("abcdefgh")
	good := maskedCRC(data)
	stream := frame(chunkStreamID, []byte(streamID))
	prefix := func(n uint64) []byte { return binary.AppendUvarint(nil, n) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		name  string
		input []byte
		want  error
	}{
		{"empty", nil, ErrUnexpectedEOF},
		{"length over the type's bound", cat(prefix(9), stream, dataFrame(data, true, good)), ErrInvalidLength},
		{"length under the type's bound", cat(prefix(7), stream, dataFrame(data[:7], true, maskedCRC(data[:7]))), ErrInvalidLength},
		{"varint of 11 bytes", cat(bytes.Repeat([]byte{0x80}, 10), []byte{1}), ErrInvalidLength},
		{"varint overflowing uint64", cat(bytes.Repeat([]byte{0xff}, 9), []byte{0x02}), ErrInvalidLength},
		{"varint not minimal", cat([]byte{0x88, 0x00}, stream, dataFrame(data, true, good)), ErrInvalidLength},
		{"huge length prefix", cat(prefix(1<<62), stream), ErrInvalidLength},
		{"truncated varint", []byte{0x88}, ErrUnexpectedEOF},
		{"no stream identifier", cat(prefix(8), dataFrame(data, true, good)), ErrInvalidSnappy},
		{"bad stream identifier", cat(prefix(8), frame(chunkStreamID, []byte("sNaPpX")), dataFrame(data, true, good)), ErrInvalidSnappy},
		{"bad checksum", cat(prefix(8), stream, dataFrame(data, true, good+1)), ErrInvalidSnappy},
		{"bad checksum uncompressed", cat(prefix(8), stream, dataFrame(data, false, good+1)), ErrInvalidSnappy},
		{"invalid snappy block", cat(prefix(8), stream, frame(chunkCompressed, []byte{0, 0, 0, 0, 0xff, 0xff, 0xff})), ErrInvalidSnappy},
		{"reserved unskippable chunk", cat(prefix(8), stream, frame(0x02, []byte{1})), ErrInvalidSnappy},
		{"decodes to more than announced", cat(prefix(8), stream, dataFrame(append(data, 'i'), true, maskedCRC(append(data, 'i')))), ErrTrailingBytes},
		{"ends inside frames", cat(prefix(8), stream, dataFrame(data[:4], true, maskedCRC(data[:4]))), ErrUnexpectedEOF},
		{"more compressed bytes than allowed", cat(prefix(8), stream, frame(chunkPadding, make([]byte, 100)), dataFrame(data, true, good)), ErrTooMuchCompressed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadPayload(reader(tc.input), Bounds{Min: 8, Max: 8})
			if !errors.Is(err, tc.want) {
				t.Fatalf("have %v, want %v", err, tc.want)
			}
		})
	}
	// Skippable chunks and uncompressed frames are fine.
	ok := cat(prefix(8), stream, frame(0x80, nil), dataFrame(data[:3], false, maskedCRC(data[:3])), dataFrame(data[3:], true, maskedCRC(data[3:])))
	if got, err := ReadPayload(reader(ok), Bounds{Min: 8, Max: 8}); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("valid mixed frames: %q, %v", got, err)
	}
}

func TestWrongContextBytesLength(t *testing.T) {
	// A success chunk cut inside its context bytes.
	if _, err := ReadChunk(reader([]byte{0, 1, 2}), true, Bounds{Max: 10}); !errors.Is(err, ErrUnexpectedEOF) {
		t.Fatalf("have %v, want ErrUnexpectedEOF", err)
	}
}

func TestMaxSizes(t *testing.T) {
	if got := MaxCompressedLen(10485760); got != 32+10485760+10485760/6 {
		t.Fatalf("max_compressed_len: %d", got)
	}
	if got := MaxMessageSize(10485760); got != MaxCompressedLen(10485760)+1024 {
		t.Fatalf("max_message_size: %d", got)
	}
	if got := MaxMessageSize(1000); got != 1024*1024 {
		t.Fatalf("max_message_size of a small payload: %d", got)
	}
}

func TestProtocolIDs(t *testing.T) {
	want := map[Method]string{
		Status:                    "/eth2/beacon_chain/req/status/2/ssz_snappy",
		Goodbye:                   "/eth2/beacon_chain/req/goodbye/1/ssz_snappy",
		Ping:                      "/eth2/beacon_chain/req/ping/1/ssz_snappy",
		MetaData:                  "/eth2/beacon_chain/req/metadata/3/ssz_snappy",
		BeaconBlocksByRange:       "/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy",
		BeaconBlocksByRoot:        "/eth2/beacon_chain/req/beacon_blocks_by_root/2/ssz_snappy",
		DataColumnSidecarsByRange: "/eth2/beacon_chain/req/data_column_sidecars_by_range/1/ssz_snappy",
		DataColumnSidecarsByRoot:  "/eth2/beacon_chain/req/data_column_sidecars_by_root/1/ssz_snappy",
	}
	for m, id := range want {
		if string(m.ProtocolID()) != id {
			t.Errorf("%s: %s, want %s", m, m.ProtocolID(), id)
		}
		if got, ok := MethodOf(m.ProtocolID()); !ok || got != m {
			t.Errorf("MethodOf(%s) = %v, %v", id, got, ok)
		}
	}
}
