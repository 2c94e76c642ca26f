package types

import (
	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/sszkit"
)

// Lengths of the p2p bitvectors.
const (
	// AttnetsBytes is the byte length of Bitvector[ATTESTATION_SUBNET_COUNT].
	AttnetsBytes = (AttestationSubnetCount + 7) / 8
	// SyncnetsBytes is the byte length of Bitvector[SYNC_COMMITTEE_SUBNET_COUNT].
	SyncnetsBytes = (SyncCommitteeSubnetCount + 7) / 8
)

// Status is the message of status/2 (fulu p2p): status/1 plus the earliest slot whose block the node can serve.
type Status struct {
	ForkDigest            primitives.ForkDigest
	FinalizedRoot         primitives.Root
	FinalizedEpoch        primitives.Epoch
	HeadRoot              primitives.Root
	HeadSlot              primitives.Slot
	EarliestAvailableSlot primitives.Slot
}

// StatusSize is the length of an encoded Status.
const StatusSize = 4 + 32 + 8 + 32 + 8 + 8

func (s *Status) SizeSSZ(*ssz.Sizer) uint32 { return StatusSize }

func (s *Status) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &s.ForkDigest)
	ssz.DefineStaticBytes(c, &s.FinalizedRoot)
	ssz.DefineUint64(c, &s.FinalizedEpoch)
	ssz.DefineStaticBytes(c, &s.HeadRoot)
	ssz.DefineUint64(c, &s.HeadSlot)
	ssz.DefineUint64(c, &s.EarliestAvailableSlot)
}

// StatusV1 is the message of status/1 (phase0 p2p), which peers may still open.
type StatusV1 struct {
	ForkDigest     primitives.ForkDigest
	FinalizedRoot  primitives.Root
	FinalizedEpoch primitives.Epoch
	HeadRoot       primitives.Root
	HeadSlot       primitives.Slot
}

// StatusV1Size is the length of an encoded StatusV1.
const StatusV1Size = 4 + 32 + 8 + 32 + 8

func (s *StatusV1) SizeSSZ(*ssz.Sizer) uint32 { return StatusV1Size }

func (s *StatusV1) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &s.ForkDigest)
	ssz.DefineStaticBytes(c, &s.FinalizedRoot)
	ssz.DefineUint64(c, &s.FinalizedEpoch)
	ssz.DefineStaticBytes(c, &s.HeadRoot)
	ssz.DefineUint64(c, &s.HeadSlot)
}

// MetaData is the response of metadata/3 (fulu p2p): metadata/2 plus the node's custody group count.
type MetaData struct {
	SeqNumber         uint64
	Attnets           [AttnetsBytes]byte  // Bitvector[ATTESTATION_SUBNET_COUNT]
	Syncnets          [SyncnetsBytes]byte // Bitvector[SYNC_COMMITTEE_SUBNET_COUNT]
	CustodyGroupCount uint64
}

// MetaDataSize is the length of an encoded MetaData.
const MetaDataSize = 8 + AttnetsBytes + SyncnetsBytes + 8

func (m *MetaData) SizeSSZ(*ssz.Sizer) uint32 { return MetaDataSize }

func (m *MetaData) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &m.SeqNumber)
	sszkit.DefineBitvector(c, m.Attnets[:], AttestationSubnetCount)
	sszkit.DefineBitvector(c, m.Syncnets[:], SyncCommitteeSubnetCount)
	ssz.DefineUint64(c, &m.CustodyGroupCount)
}

// MetaDataV2 is the response of metadata/2 (altair p2p), which peers may still request.
type MetaDataV2 struct {
	SeqNumber uint64
	Attnets   [AttnetsBytes]byte  // Bitvector[ATTESTATION_SUBNET_COUNT]
	Syncnets  [SyncnetsBytes]byte // Bitvector[SYNC_COMMITTEE_SUBNET_COUNT]
}

// MetaDataV2Size is the length of an encoded MetaDataV2.
const MetaDataV2Size = 8 + AttnetsBytes + SyncnetsBytes

func (m *MetaDataV2) SizeSSZ(*ssz.Sizer) uint32 { return MetaDataV2Size }

func (m *MetaDataV2) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &m.SeqNumber)
	sszkit.DefineBitvector(c, m.Attnets[:], AttestationSubnetCount)
	sszkit.DefineBitvector(c, m.Syncnets[:], SyncCommitteeSubnetCount)
}

// ENRForkID is the SSZ value of the ENR's eth2 field (phase0 p2p).
type ENRForkID struct {
	ForkDigest      primitives.ForkDigest
	NextForkVersion primitives.Version
	NextForkEpoch   primitives.Epoch
}

// ENRForkIDSize is the length of an encoded ENRForkID.
const ENRForkIDSize = 4 + 4 + 8

func (e *ENRForkID) SizeSSZ(*ssz.Sizer) uint32 { return ENRForkIDSize }

func (e *ENRForkID) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &e.ForkDigest)
	ssz.DefineStaticBytes(c, &e.NextForkVersion)
	ssz.DefineUint64(c, &e.NextForkEpoch)
}

// BeaconBlocksByRangeRequest is the request of beacon_blocks_by_range/2 (phase0 p2p); Step is deprecated and must
// be 1.
type BeaconBlocksByRangeRequest struct {
	StartSlot primitives.Slot
	Count     uint64
	Step      uint64
}

// BeaconBlocksByRangeRequestSize is the length of an encoded BeaconBlocksByRangeRequest.
const BeaconBlocksByRangeRequestSize = 8 + 8 + 8

func (r *BeaconBlocksByRangeRequest) SizeSSZ(*ssz.Sizer) uint32 {
	return BeaconBlocksByRangeRequestSize
}

func (r *BeaconBlocksByRangeRequest) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &r.StartSlot)
	ssz.DefineUint64(c, &r.Count)
	ssz.DefineUint64(c, &r.Step)
}

// BlobSidecarsByRangeRequest is the request of blob_sidecars_by_range/1 (deneb p2p), served for pre-Fulu slots
// within the blob retention window.
type BlobSidecarsByRangeRequest struct {
	StartSlot primitives.Slot
	Count     uint64
}

// BlobSidecarsByRangeRequestSize is the length of an encoded BlobSidecarsByRangeRequest.
const BlobSidecarsByRangeRequestSize = 8 + 8

func (r *BlobSidecarsByRangeRequest) SizeSSZ(*ssz.Sizer) uint32 {
	return BlobSidecarsByRangeRequestSize
}

func (r *BlobSidecarsByRangeRequest) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &r.StartSlot)
	ssz.DefineUint64(c, &r.Count)
}

// DataColumnSidecarsByRangeRequest is the request of data_column_sidecars_by_range/1 (fulu p2p).
type DataColumnSidecarsByRangeRequest struct {
	StartSlot primitives.Slot
	Count     uint64
	Columns   []primitives.ColumnIndex // List[ColumnIndex, NUMBER_OF_COLUMNS]
}

const dataColumnSidecarsByRangeRequestFixedSize = 8 + 8 + 4

func (r *DataColumnSidecarsByRangeRequest) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return dataColumnSidecarsByRangeRequestFixedSize
	}
	return dataColumnSidecarsByRangeRequestFixedSize + ssz.SizeSliceOfUint64s(s, r.Columns)
}

func (r *DataColumnSidecarsByRangeRequest) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &r.StartSlot)
	ssz.DefineUint64(c, &r.Count)
	ssz.DefineSliceOfUint64sOffset(c, &r.Columns, params.NumberOfColumns)

	ssz.DefineSliceOfUint64sContent(c, &r.Columns, params.NumberOfColumns)
}
