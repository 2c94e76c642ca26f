package reqresp

import "errors"

// Sentinels for what went wrong on a stream. Every error of this package wraps one of them, so callers (peer
// scoring above all) classify failures with errors.Is.
var (
	// ErrInvalidLength: a length prefix that is not a valid varint, is not minimally encoded, or lies outside the
	// bounds of the expected SSZ type or MAX_PAYLOAD_SIZE.
	ErrInvalidLength = errors.New("invalid length prefix")
	// ErrInvalidSnappy: the snappy framing is malformed, a checksum fails, or a frame decodes to more bytes than
	// the length prefix announced.
	ErrInvalidSnappy = errors.New("invalid snappy frames")
	// ErrTooMuchCompressed: the peer sent more than max_compressed_len(n) bytes for an n-byte payload.
	ErrTooMuchCompressed = errors.New("compressed payload exceeds max_compressed_len")
	// ErrTrailingBytes: bytes follow a request, or a payload decodes to more than its length prefix.
	ErrTrailingBytes = errors.New("trailing bytes")
	// ErrUnexpectedEOF: the stream ended inside a chunk.
	ErrUnexpectedEOF = errors.New("stream ended early")
	// ErrInvalidSSZ: the payload decompressed fine but is not the expected SSZ type.
	ErrInvalidSSZ = errors.New("invalid SSZ payload")
	// ErrUnknownContext: the context bytes name no fork digest this node serves (wrong network or a fork it does
	// not implement).
	ErrUnknownContext = errors.New("unknown context bytes")
	// ErrTooManyChunks: the responder sent more chunks than the request allows.
	ErrTooManyChunks = errors.New("too many response chunks")
	// ErrInvalidResponse: a well-formed chunk that does not answer the request (a block outside the range, out
	// of order, not requested).
	ErrInvalidResponse = errors.New("response does not match the request")
	// ErrTimeout: the responder sent nothing within TTFB or did not finish within RESP_TIMEOUT.
	ErrTimeout = errors.New("request timed out")
	// ErrRateLimited: this node refused a request of the peer's because of its rate limit.
	ErrRateLimited = errors.New("rate limited")
	// ErrErrorResponse is wrapped by *ResponseError: the peer answered with a non-success response code.
	ErrErrorResponse = errors.New("error response")
	// ErrNoResponse: a single-chunk protocol's stream ended without a chunk.
	ErrNoResponse = errors.New("no response chunk")
)

// ResponseError is a non-success response chunk: its code and the peer's error message.
type ResponseError struct {
	Code    ResponseCode
	Message string
}

func (e *ResponseError) Error() string {
	return "peer answered " + e.Code.String() + ": " + e.Message
}

// Unwrap makes every ResponseError match ErrErrorResponse.
func (e *ResponseError) Unwrap() error { return ErrErrorResponse }
