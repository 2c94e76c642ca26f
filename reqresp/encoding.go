package reqresp

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"

	"github.com/golang/snappy"

	"github.com/salamander-client/salamander/primitives"
)

// ResponseCode is the single byte that starts every response chunk.
type ResponseCode uint8

// Response codes of the phase0 p2p spec.
const (
	Success             ResponseCode = 0
	InvalidRequest      ResponseCode = 1
	ServerError         ResponseCode = 2
	ResourceUnavailable ResponseCode = 3
)

func (c ResponseCode) String() string {
	switch c {
	case Success:
		return "Success"
	case InvalidRequest:
		return "InvalidRequest"
	case ServerError:
		return "ServerError"
	case ResourceUnavailable:
		return "ResourceUnavailable"
	}
	return "ResponseCode(" + strconv.Itoa(int(c)) + ")"
}

// MaxErrorMessageSize bounds ErrorMessage: List[byte, 256].
const MaxErrorMessageSize = 256

// maxVarintLen is the longest protobuf varint, enough for any uint64.
const maxVarintLen = binary.MaxVarintLen64

// MaxCompressedLen is the spec's max_compressed_len: snappy's worst-case output for n input bytes.
func MaxCompressedLen(n uint64) uint64 { return 32 + n + n/6 }

// MaxMessageSize is the spec's max_message_size for a given MAX_PAYLOAD_SIZE.
func MaxMessageSize(maxPayloadSize uint64) uint64 {
	return max(MaxCompressedLen(maxPayloadSize)+1024, 1024*1024)
}

// Bounds are the inclusive limits of an SSZ payload's length.
type Bounds struct{ Min, Max uint64 }

func (b Bounds) check(n uint64) error {
	if n < b.Min || n > b.Max {
		return fmt.Errorf("%w: %d bytes, want %d..%d", ErrInvalidLength, n, b.Min, b.Max)
	}
	return nil
}

// WritePayload writes one SSZ payload: its length as a varint, then the payload as a snappy frames stream.
func WritePayload(w io.Writer, ssz []byte) error {
	var prefix [maxVarintLen]byte
	if _, err := w.Write(prefix[:binary.PutUvarint(prefix[:], uint64(len(ssz)))]); err != nil {
		return fmt.Errorf("write length prefix: %w", err)
	}
	sw := snappy.NewBufferedWriter(w)
	if _, err := sw.Write(ssz); err != nil {
		return fmt.Errorf("write snappy frames: %w", err)
	}
	if err := sw.Close(); err != nil { // flushes; does not close w
		return fmt.Errorf("write snappy frames: %w", err)
	}
	return nil
}

// WriteSuccessChunk writes a response chunk with code Success, the context bytes (nil for protocols without
// them) and the payload.
func WriteSuccessChunk(w io.Writer, context []byte, ssz []byte) error {
	if _, err := w.Write(append([]byte{byte(Success)}, context...)); err != nil {
		return fmt.Errorf("write chunk header: %w", err)
	}
	return WritePayload(w, ssz)
}

// WriteErrorChunk writes a response chunk with a non-success code and an ErrorMessage, truncated to 256 bytes.
func WriteErrorChunk(w io.Writer, code ResponseCode, message string) error {
	if _, err := w.Write([]byte{byte(code)}); err != nil {
		return fmt.Errorf("write chunk header: %w", err)
	}
	msg := []byte(message)
	if len(msg) > MaxErrorMessageSize {
		msg = msg[:MaxErrorMessageSize]
	}
	return WritePayload(w, msg)
}

// ReadPayload reads one length-prefixed snappy-framed payload whose length must lie within bounds. It reads no byte
// past the payload, so the next chunk can follow on the same reader.
func ReadPayload(r *bufio.Reader, bounds Bounds) ([]byte, error) {
	n, err := readVarint(r)
	if err != nil {
		return nil, err
	}
	if err := bounds.check(n); err != nil {
		return nil, err
	}
	out := make([]byte, n)
	fr := frameReader{r: r, budget: MaxCompressedLen(n)}
	if n == 0 {
		// An empty payload may come with or without a stream identifier; take one if it is there.
		if b, err := r.Peek(1); err != nil || b[0] != chunkStreamID {
			return out, nil
		}
	}
	if err := fr.readFull(out); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadRequest reads a whole request: one payload within bounds, followed by the end of the stream.
func ReadRequest(r *bufio.Reader, bounds Bounds) ([]byte, error) {
	payload, err := ReadPayload(r, bounds)
	if err != nil {
		return nil, err
	}
	if _, err := r.ReadByte(); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, fmt.Errorf("after request: %w", err)
		}
		return nil, fmt.Errorf("%w after the request", ErrTrailingBytes)
	}
	return payload, nil
}

// Chunk is one decoded response chunk.
type Chunk struct {
	Context primitives.ForkDigest // zero for protocols without context bytes
	Payload []byte                // SSZ bytes
}

// ReadChunk reads one response chunk. It returns io.EOF when the stream ends cleanly before the chunk, a
// *ResponseError for a non-success chunk, and other errors for malformed input. hasContext says whether the
// protocol's success chunks carry 4 context bytes; bounds limits their payload.
func ReadChunk(r *bufio.Reader, hasContext bool, bounds Bounds) (Chunk, error) {
	code, err := r.ReadByte()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Chunk{}, io.EOF
		}
		return Chunk{}, fmt.Errorf("read response code: %w", err)
	}
	if ResponseCode(code) != Success {
		msg, err := ReadPayload(r, Bounds{Max: MaxErrorMessageSize})
		if err != nil {
			return Chunk{}, fmt.Errorf("error chunk %s: %w", ResponseCode(code), err)
		}
		return Chunk{}, &ResponseError{Code: ResponseCode(code), Message: string(msg)}
	}
	var c Chunk
	if hasContext {
		if _, err := io.ReadFull(r, c.Context[:]); err != nil {
			return Chunk{}, fmt.Errorf("%w: in context bytes: %w", ErrUnexpectedEOF, err)
		}
	}
	if c.Payload, err = ReadPayload(r, bounds); err != nil {
		return Chunk{}, err
	}
	return c, nil
}

// readVarint reads a protobuf varint of at most 10 bytes that is minimally encoded and fits a uint64.
func readVarint(r io.ByteReader) (uint64, error) {
	var x uint64
	var s uint
	for i := 0; i < maxVarintLen; i++ {
		b, err := r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				if i == 0 {
					return 0, fmt.Errorf("%w: no length prefix", ErrUnexpectedEOF)
				}
				return 0, fmt.Errorf("%w: inside the length prefix", ErrUnexpectedEOF)
			}
			return 0, fmt.Errorf("read length prefix: %w", err)
		}
		if i == maxVarintLen-1 && b > 1 {
			return 0, fmt.Errorf("%w: varint overflows uint64", ErrInvalidLength)
		}
		if b < 0x80 {
			if b == 0 && i > 0 {
				return 0, fmt.Errorf("%w: varint not minimally encoded", ErrInvalidLength)
			}
			return x | uint64(b)<<s, nil
		}
		x |= uint64(b&0x7f) << s
		s += 7
	}
	return 0, fmt.Errorf("%w: varint longer than %d bytes", ErrInvalidLength, maxVarintLen)
}

// Snappy framing format (github.com/google/snappy framing_format.txt).
const (
	chunkCompressed   = 0x00
	chunkUncompressed = 0x01
	chunkPadding      = 0xfe
	chunkStreamID     = 0xff
	maxFrameData      = 65536 // uncompressed bytes in one data chunk
	streamID          = "sNaPpY"
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// maskedCRC is the framing format's checksum of uncompressed data.
func maskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, crcTable)
	return (c>>15 | c<<17) + 0xa282ead8
}

// frameReader decodes a snappy frames stream chunk by chunk, exactly up to the bytes it was asked for. It never
// reads a byte beyond the last frame it needs (golang/snappy's Reader would, and eat the next response chunk), and
// it stops once the peer sent more compressed bytes than budget.
type frameReader struct {
	r       *bufio.Reader
	budget  uint64 // compressed bytes the peer may still send
	started bool   // the stream identifier was read
	scratch []byte
}

func (f *frameReader) readFull(dst []byte) error {
	for len(dst) > 0 || !f.started {
		var hdr [4]byte
		if err := f.read(hdr[:]); err != nil {
			return err
		}
		typ := hdr[0]
		size := uint64(hdr[1]) | uint64(hdr[2])<<8 | uint64(hdr[3])<<16
		if !f.started && typ != chunkStreamID {
			return fmt.Errorf("%w: stream does not start with a stream identifier (chunk type %#x)", ErrInvalidSnappy, typ)
		}
		if size > f.budget {
			return fmt.Errorf("%w: chunk of %d bytes, %d left", ErrTooMuchCompressed, size, f.budget)
		}
		body := f.buf(int(size))
		if err := f.read(body); err != nil {
			return err
		}
		switch {
		case typ == chunkStreamID:
			if string(body) != streamID {
				return fmt.Errorf("%w: bad stream identifier", ErrInvalidSnappy)
			}
			f.started = true
		case typ == chunkCompressed || typ == chunkUncompressed:
			if size < 4 {
				return fmt.Errorf("%w: data chunk of %d bytes", ErrInvalidSnappy, size)
			}
			sum, data := binary.LittleEndian.Uint32(body[:4]), body[4:]
			var n int
			if typ == chunkCompressed {
				decodedLen, err := snappy.DecodedLen(data)
				if err != nil {
					return fmt.Errorf("%w: %w", ErrInvalidSnappy, err)
				}
				if decodedLen > maxFrameData {
					return fmt.Errorf("%w: frame decodes to %d bytes, max %d", ErrInvalidSnappy, decodedLen, maxFrameData)
				}
				if decodedLen > len(dst) {
					return fmt.Errorf("%w: payload longer than its length prefix", ErrTrailingBytes)
				}
				out, err := snappy.Decode(dst[:decodedLen], data)
				if err != nil {
					return fmt.Errorf("%w: %w", ErrInvalidSnappy, err)
				}
				n = len(out)
			} else {
				if len(data) > maxFrameData {
					return fmt.Errorf("%w: uncompressed frame of %d bytes", ErrInvalidSnappy, len(data))
				}
				if len(data) > len(dst) {
					return fmt.Errorf("%w: payload longer than its length prefix", ErrTrailingBytes)
				}
				n = copy(dst, data)
			}
			if maskedCRC(dst[:n]) != sum {
				return fmt.Errorf("%w: checksum mismatch", ErrInvalidSnappy)
			}
			dst = dst[n:]
		case typ == chunkPadding || typ >= 0x80:
			// Padding and reserved skippable chunks carry nothing.
		default:
			return fmt.Errorf("%w: reserved unskippable chunk type %#x", ErrInvalidSnappy, typ)
		}
	}
	return nil
}

// read fills b from the stream, counting it against the budget.
func (f *frameReader) read(b []byte) error {
	if uint64(len(b)) > f.budget {
		return fmt.Errorf("%w", ErrTooMuchCompressed)
	}
	if _, err := io.ReadFull(f.r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: inside the snappy frames", ErrUnexpectedEOF)
		}
		return fmt.Errorf("read snappy frames: %w", err)
	}
	f.budget -= uint64(len(b))
	return nil
}

func (f *frameReader) buf(n int) []byte {
	if cap(f.scratch) < n {
		f.scratch = make([]byte, n)
	}
	return f.scratch[:n]
}
