// Package reqresp is the node's side of the consensus p2p Req/Resp domain (/eth2/beacon_chain/req/...): the
// SSZ-snappy wire encoding (varint length prefixes, snappy frames, response codes, fork-digest context bytes), the
// spec's size limits and timeouts, the protocols Fulu uses, a server answering them from the store, a client, and
// per-peer, per-protocol rate limits.
//
// It knows libp2p only through network.Stream; the peers actor registers the server's handlers on its host and
// runs the client's requests.
package reqresp

import (
	"time"

	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/types"
)

// Timeouts. consensus-specs dropped TTFB_TIMEOUT and RESP_TIMEOUT from its config in v1.5 and left timeouts to
// clients; every client still uses the values it had, and so do we.
const (
	// TTFBTimeout bounds the wait for the first byte of a response, and a server's wait for the whole request.
	TTFBTimeout = 5 * time.Second
	// RespTimeout bounds the wait for each further response chunk.
	RespTimeout = 10 * time.Second
	// MaxConcurrentRequests is MAX_CONCURRENT_REQUESTS: streams one peer may have open per protocol.
	MaxConcurrentRequests = 2
)

// Method is one req/resp message type.
type Method uint8

// The methods of Fulu's req/resp domain that this node speaks.
const (
	Status Method = iota
	Goodbye
	Ping
	MetaData
	BeaconBlocksByRange
	BeaconBlocksByRoot
	DataColumnSidecarsByRange
	DataColumnSidecarsByRoot
	numMethods
)

// Methods lists every method, in the order of their constants.
func Methods() []Method {
	m := make([]Method, numMethods)
	for i := range m {
		m[i] = Method(i)
	}
	return m
}

var methodNames = [numMethods]string{
	Status:                    "status",
	Goodbye:                   "goodbye",
	Ping:                      "ping",
	MetaData:                  "metadata",
	BeaconBlocksByRange:       "beacon_blocks_by_range",
	BeaconBlocksByRoot:        "beacon_blocks_by_root",
	DataColumnSidecarsByRange: "data_column_sidecars_by_range",
	DataColumnSidecarsByRoot:  "data_column_sidecars_by_root",
}

// schema versions Fulu uses.
var methodVersions = [numMethods]string{
	Status: "2", Goodbye: "1", Ping: "1", MetaData: "3",
	BeaconBlocksByRange: "2", BeaconBlocksByRoot: "2",
	DataColumnSidecarsByRange: "1", DataColumnSidecarsByRoot: "1",
}

func (m Method) String() string {
	if m < numMethods {
		return methodNames[m]
	}
	return "unknown"
}

// ProtocolPrefix is the prefix of every consensus req/resp protocol ID.
const ProtocolPrefix = "/eth2/beacon_chain/req"

// ProtocolID is the libp2p protocol ID of the method, e.g. /eth2/beacon_chain/req/status/2/ssz_snappy.
func (m Method) ProtocolID() protocol.ID {
	return protocol.ID(ProtocolPrefix + "/" + m.String() + "/" + methodVersions[m] + "/ssz_snappy")
}

// MethodOf returns the method of a protocol ID this node speaks.
func MethodOf(id protocol.ID) (Method, bool) {
	for _, m := range Methods() {
		if m.ProtocolID() == id {
			return m, true
		}
	}
	return 0, false
}

// Goodbye reasons (phase0 p2p, and the codes clients agreed on above 128).
const (
	GoodbyeClientShutdown     uint64 = 1
	GoodbyeIrrelevantNetwork  uint64 = 2
	GoodbyeFault              uint64 = 3
	GoodbyeUnableToVerify     uint64 = 128
	GoodbyeTooManyPeers       uint64 = 129
	GoodbyeBadScore           uint64 = 250
	GoodbyeBanned             uint64 = 251
	GoodbyeBannedIP           uint64 = 252
	goodbyeReasonUnknownLabel        = "unknown"
)

// GoodbyeReasonString names a goodbye reason for logs.
func GoodbyeReasonString(reason uint64) string {
	switch reason {
	case GoodbyeClientShutdown:
		return "client shutdown"
	case GoodbyeIrrelevantNetwork:
		return "irrelevant network"
	case GoodbyeFault:
		return "fault/error"
	case GoodbyeUnableToVerify:
		return "unable to verify network"
	case GoodbyeTooManyPeers:
		return "too many peers"
	case GoodbyeBadScore:
		return "bad score"
	case GoodbyeBanned:
		return "banned"
	case GoodbyeBannedIP:
		return "banned IP"
	}
	return goodbyeReasonUnknownLabel
}

// Limits are the size bounds of every method's request and response chunks, derived from the SSZ types and
// MAX_PAYLOAD_SIZE.
type Limits struct {
	MaxPayloadSize uint64
	request        [numMethods]Bounds
	response       [numMethods]Bounds
}

// NewLimits derives the limits from the spec.
func NewLimits(spec *params.Spec) Limits {
	p := spec.MaxPayloadSize
	capped := func(lo, hi uint64) Bounds { return Bounds{Min: lo, Max: min(hi, p)} }
	block := capped(uint64((&types.SignedBeaconBlock{}).SizeSSZ(nil, true)), p)
	columnFixed := uint64((&types.DataColumnSidecar{}).SizeSSZ(nil, true))
	column := capped(columnFixed, columnFixed+params.MaxBlobCommitmentsPerBlock*(types.BytesPerCell+48+48))
	rangeFixed := uint64((&types.DataColumnSidecarsByRangeRequest{}).SizeSSZ(nil, true))
	idFixed := uint64((&types.DataColumnsByRootIdentifier{}).SizeSSZ(nil, true))

	l := Limits{MaxPayloadSize: p}
	l.request[Status] = capped(types.StatusSize, types.StatusSize)
	l.request[Goodbye] = capped(8, 8)
	l.request[Ping] = capped(8, 8)
	l.request[BeaconBlocksByRange] = capped(types.BeaconBlocksByRangeRequestSize, types.BeaconBlocksByRangeRequestSize)
	l.request[BeaconBlocksByRoot] = capped(0, 32*types.MaxRequestBlocksDeneb)
	l.request[DataColumnSidecarsByRange] = capped(rangeFixed, rangeFixed+8*params.NumberOfColumns)
	l.request[DataColumnSidecarsByRoot] = capped(0, types.MaxRequestBlocksDeneb*(4+idFixed+8*params.NumberOfColumns))

	l.response[Status] = capped(types.StatusSize, types.StatusSize)
	l.response[Goodbye] = capped(8, 8)
	l.response[Ping] = capped(8, 8)
	l.response[MetaData] = capped(types.MetaDataSize, types.MetaDataSize)
	l.response[BeaconBlocksByRange] = block
	l.response[BeaconBlocksByRoot] = block
	l.response[DataColumnSidecarsByRange] = column
	l.response[DataColumnSidecarsByRoot] = column
	return l
}

// Request returns the bounds of a method's request payload.
func (l *Limits) Request(m Method) Bounds { return l.request[m] }

// Response returns the bounds of a method's response chunk payloads.
func (l *Limits) Response(m Method) Bounds { return l.response[m] }

// HasRequest tells whether the method sends a request payload (metadata sends none).
func (m Method) HasRequest() bool { return m != MetaData }

// HasContext tells whether the method's success chunks carry fork-digest context bytes.
func (m Method) HasContext() bool {
	switch m {
	case BeaconBlocksByRange, BeaconBlocksByRoot, DataColumnSidecarsByRange, DataColumnSidecarsByRoot:
		return true
	}
	return false
}

// SingleChunk tells whether the method answers with exactly one chunk (the others send a list, chunk by chunk).
func (m Method) SingleChunk() bool { return m <= MetaData }
