package types

import (
	"encoding/binary"
	"fmt"

	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/primitives"
)

// Request bodies of the by-root req/resp protocols. Each is a bare SSZ list rather than a container, so it has no
// offset of its own and karalabe/ssz cannot express it: the list is encoded here, and each item by the library.

// BeaconBlocksByRootRequest is the request of beacon_blocks_by_root/2: List[Root, MAX_REQUEST_BLOCKS_DENEB].
type BeaconBlocksByRootRequest []primitives.Root

// MarshalSSZ returns the roots back to back.
func (r BeaconBlocksByRootRequest) MarshalSSZ() ([]byte, error) {
	if len(r) > MaxRequestBlocksDeneb {
		return nil, fmt.Errorf("marshal BeaconBlocksByRootRequest: %w: %d roots, max %d", ErrUnencodable, len(r), MaxRequestBlocksDeneb)
	}
	out := make([]byte, 0, len(r)*32)
	for i := range r {
		out = append(out, r[i][:]...)
	}
	return out, nil
}

// UnmarshalSSZ decodes a list of roots.
func (r *BeaconBlocksByRootRequest) UnmarshalSSZ(data []byte) error {
	if len(data)%32 != 0 {
		return fmt.Errorf("unmarshal BeaconBlocksByRootRequest: %w: %d bytes is not a whole number of roots", ErrInvalidSSZ, len(data))
	}
	if n := len(data) / 32; n > MaxRequestBlocksDeneb {
		return fmt.Errorf("unmarshal BeaconBlocksByRootRequest: %w: %d roots, max %d", ErrInvalidSSZ, n, MaxRequestBlocksDeneb)
	}
	roots := make(BeaconBlocksByRootRequest, len(data)/32)
	for i := range roots {
		copy(roots[i][:], data[i*32:])
	}
	*r = roots
	return nil
}

// BlobSidecarsByRootRequest is the request of blob_sidecars_by_root/1: List[BlobIdentifier,
// MAX_REQUEST_BLOB_SIDECARS_ELECTRA].
type BlobSidecarsByRootRequest []*BlobIdentifier

// MarshalSSZ returns the identifiers back to back.
func (r BlobSidecarsByRootRequest) MarshalSSZ() ([]byte, error) {
	return marshalStaticList("BlobSidecarsByRootRequest", r, MaxRequestBlobSidecarsElectra)
}

// UnmarshalSSZ decodes a list of blob identifiers.
func (r *BlobSidecarsByRootRequest) UnmarshalSSZ(data []byte) error {
	items, err := unmarshalStaticList[BlobIdentifier]("BlobSidecarsByRootRequest", data, MaxRequestBlobSidecarsElectra)
	if err != nil {
		return err
	}
	*r = items
	return nil
}

// DataColumnSidecarsByRootRequest is the request of data_column_sidecars_by_root/1:
// List[DataColumnsByRootIdentifier, MAX_REQUEST_BLOCKS_DENEB].
type DataColumnSidecarsByRootRequest []*DataColumnsByRootIdentifier

// MarshalSSZ returns the offsets of the identifiers followed by the identifiers.
func (r DataColumnSidecarsByRootRequest) MarshalSSZ() ([]byte, error) {
	return marshalDynamicList("DataColumnSidecarsByRootRequest", r, MaxRequestBlocksDeneb)
}

// UnmarshalSSZ decodes a list of data column identifiers.
func (r *DataColumnSidecarsByRootRequest) UnmarshalSSZ(data []byte) error {
	items, err := unmarshalDynamicList[DataColumnsByRootIdentifier]("DataColumnSidecarsByRootRequest", data, MaxRequestBlocksDeneb)
	if err != nil {
		return err
	}
	*r = items
	return nil
}

// marshalStaticList encodes List[T, limit] of fixed-size items: the items back to back.
func marshalStaticList[PT ssz.StaticObject](name string, items []PT, limit int) ([]byte, error) {
	if len(items) > limit {
		return nil, fmt.Errorf("marshal %s: %w: %d items, max %d", name, ErrUnencodable, len(items), limit)
	}
	var out []byte
	for i, item := range items {
		var err error
		if out, err = MarshalAppend(out, item); err != nil {
			return nil, fmt.Errorf("marshal %s item %d: %w", name, i, err)
		}
	}
	return out, nil
}

// unmarshalStaticList decodes List[T, limit] of fixed-size items.
func unmarshalStaticList[T any, PT interface {
	*T
	ssz.StaticObject
}](name string, data []byte, limit int) ([]PT, error) {
	itemSize := int(ssz.Size(PT(new(T))))
	if len(data)%itemSize != 0 {
		return nil, fmt.Errorf("unmarshal %s: %w: %d bytes is not a whole number of %d-byte items", name, ErrInvalidSSZ, len(data), itemSize)
	}
	n := len(data) / itemSize
	if n > limit {
		return nil, fmt.Errorf("unmarshal %s: %w: %d items, max %d", name, ErrInvalidSSZ, n, limit)
	}
	items := make([]PT, n)
	for i := range items {
		items[i] = new(T)
		if err := Unmarshal(data[i*itemSize:(i+1)*itemSize], items[i]); err != nil {
			return nil, fmt.Errorf("unmarshal %s item %d: %w", name, i, err)
		}
	}
	return items, nil
}

// marshalDynamicList encodes List[T, limit] of variable-size items: one 4-byte offset per item, then the items.
func marshalDynamicList[PT ssz.DynamicObject](name string, items []PT, limit int) ([]byte, error) {
	if len(items) > limit {
		return nil, fmt.Errorf("marshal %s: %w: %d items, max %d", name, ErrUnencodable, len(items), limit)
	}
	out := make([]byte, 4*len(items))
	for i, item := range items {
		if uint64(len(out)) > maxObjectSize {
			return nil, fmt.Errorf("marshal %s: %w: offset beyond the SSZ offset range", name, ErrUnencodable)
		}
		binary.LittleEndian.PutUint32(out[4*i:], uint32(len(out)))
		var err error
		if out, err = MarshalAppend(out, item); err != nil {
			return nil, fmt.Errorf("marshal %s item %d: %w", name, i, err)
		}
	}
	return out, nil
}

// unmarshalDynamicList decodes List[T, limit] of variable-size items. The first offset tells the item count; every
// offset must lie within the data and none may precede the one before it.
func unmarshalDynamicList[T any, PT interface {
	*T
	ssz.DynamicObject
}](name string, data []byte, limit int) ([]PT, error) {
	if len(data) == 0 {
		return []PT{}, nil
	}
	if uint64(len(data)) > maxObjectSize {
		return nil, fmt.Errorf("unmarshal %s: %w: %d bytes exceed the SSZ offset range", name, ErrInvalidSSZ, len(data))
	}
	if len(data) < 4 {
		return nil, fmt.Errorf("unmarshal %s: %w: %d bytes cannot hold an offset", name, ErrInvalidSSZ, len(data))
	}
	first := int(binary.LittleEndian.Uint32(data))
	if first == 0 || first%4 != 0 || first > len(data) {
		return nil, fmt.Errorf("unmarshal %s: %w: bad first offset %d for %d bytes", name, ErrInvalidSSZ, first, len(data))
	}
	n := first / 4
	if n > limit {
		return nil, fmt.Errorf("unmarshal %s: %w: %d items, max %d", name, ErrInvalidSSZ, n, limit)
	}
	offsets := make([]int, n+1)
	offsets[n] = len(data)
	for i := range n {
		offsets[i] = int(binary.LittleEndian.Uint32(data[4*i:]))
		if offsets[i] > len(data) || (i > 0 && offsets[i] < offsets[i-1]) {
			return nil, fmt.Errorf("unmarshal %s: %w: bad offset %d of item %d", name, ErrInvalidSSZ, offsets[i], i)
		}
	}
	items := make([]PT, n)
	for i := range items {
		items[i] = new(T)
		if err := Unmarshal(data[offsets[i]:offsets[i+1]], items[i]); err != nil {
			return nil, fmt.Errorf("unmarshal %s item %d: %w", name, i, err)
		}
	}
	return items, nil
}

// MaxErrorMessageLength bounds ErrorMessage: the spec's List[byte, 256].
const MaxErrorMessageLength = 256

// ErrorMessage is the body of an error response chunk (phase0 p2p): List[byte, 256], by convention UTF-8 text, but
// any bytes are valid.
type ErrorMessage []byte

// MarshalSSZ returns the message bytes.
func (m ErrorMessage) MarshalSSZ() ([]byte, error) {
	if len(m) > MaxErrorMessageLength {
		return nil, fmt.Errorf("marshal ErrorMessage: %w: %d bytes, max %d", ErrUnencodable, len(m), MaxErrorMessageLength)
	}
	return append([]byte{}, m...), nil
}

// UnmarshalSSZ copies data into m.
func (m *ErrorMessage) UnmarshalSSZ(data []byte) error {
	if len(data) > MaxErrorMessageLength {
		return fmt.Errorf("unmarshal ErrorMessage: %w: %d bytes, max %d", ErrInvalidSSZ, len(data), MaxErrorMessageLength)
	}
	*m = append(ErrorMessage{}, data...)
	return nil
}

// Goodbye is the body of goodbye/1 (phase0 p2p): the reason a peer disconnects.
type Goodbye uint64

// Goodbye reasons of the phase0 p2p spec; codes above 128 are free for clients' own use.
const (
	GoodbyeClientShutdown    Goodbye = 1
	GoodbyeIrrelevantNetwork Goodbye = 2
	GoodbyeFaultOrError      Goodbye = 3
)

const goodbyeSize = 8

// MarshalSSZ returns the reason as a little-endian uint64.
func (g Goodbye) MarshalSSZ() ([]byte, error) {
	return binary.LittleEndian.AppendUint64(nil, uint64(g)), nil
}

// UnmarshalSSZ decodes a little-endian uint64 reason.
func (g *Goodbye) UnmarshalSSZ(data []byte) error {
	if len(data) != goodbyeSize {
		return fmt.Errorf("unmarshal Goodbye: %w: %d bytes, want %d", ErrInvalidSSZ, len(data), goodbyeSize)
	}
	*g = Goodbye(binary.LittleEndian.Uint64(data))
	return nil
}
