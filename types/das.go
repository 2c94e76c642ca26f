package types

import (
	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/sszkit"
)

// Blob is the spec's Blob (deneb): ByteVector[BYTES_PER_FIELD_ELEMENT * FIELD_ELEMENTS_PER_BLOB].
type Blob [BytesPerBlob]byte

// Cell is the spec's Cell (fulu): ByteVector[BYTES_PER_FIELD_ELEMENT * FIELD_ELEMENTS_PER_CELL], one column's share of
// an extended blob.
type Cell [BytesPerCell]byte

// SizeSSZ and DefineSSZ make a Cell a static SSZ object, so that List[Cell, N] can be a slice of them. A container
// around a single byte vector encodes and hashes exactly as the vector itself.
func (c *Cell) SizeSSZ(*ssz.Sizer) uint32 { return BytesPerCell }

func (c *Cell) DefineSSZ(codec *ssz.Codec) {
	sszkit.DefineByteVector(codec, c[:])
}

// BlobIdentifier is the spec's BlobIdentifier (deneb p2p).
type BlobIdentifier struct {
	BlockRoot primitives.Root
	Index     primitives.BlobIndex
}

// BlobIdentifierSize is the length of an encoded BlobIdentifier.
const BlobIdentifierSize = 32 + 8

func (b *BlobIdentifier) SizeSSZ(*ssz.Sizer) uint32 { return BlobIdentifierSize }

func (b *BlobIdentifier) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &b.BlockRoot)
	ssz.DefineUint64(c, &b.Index)
}

// BlobSidecar is the spec's BlobSidecar (deneb p2p). Fulu replaces it on the network with DataColumnSidecar.
type BlobSidecar struct {
	Index                       primitives.BlobIndex
	Blob                        Blob
	KZGCommitment               primitives.KZGCommitment
	KZGProof                    primitives.KZGProof
	SignedBlockHeader           *SignedBeaconBlockHeader
	KZGCommitmentInclusionProof [params.KZGCommitmentInclusionProofDepth]primitives.Bytes32
}

// BlobSidecarSize is the length of an encoded BlobSidecar.
const BlobSidecarSize = 8 + BytesPerBlob + 48 + 48 + SignedBeaconBlockHeaderSize + params.KZGCommitmentInclusionProofDepth*32

func (b *BlobSidecar) SizeSSZ(*ssz.Sizer) uint32 { return BlobSidecarSize }

func (b *BlobSidecar) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &b.Index)
	sszkit.DefineByteVector(c, b.Blob[:])
	ssz.DefineStaticBytes(c, &b.KZGCommitment)
	ssz.DefineStaticBytes(c, &b.KZGProof)
	ssz.DefineStaticObject(c, &b.SignedBlockHeader)
	ssz.DefineUnsafeArrayOfStaticBytes(c, b.KZGCommitmentInclusionProof[:])
}

// DataColumnSidecar is the spec's DataColumnSidecar (fulu das-core): one column of the extended blob matrix of a
// block, with the commitments and the proof that ties them to the block header.
type DataColumnSidecar struct {
	Index                        primitives.ColumnIndex
	Column                       []*Cell                    // List[Cell, MAX_BLOB_COMMITMENTS_PER_BLOCK]
	KZGCommitments               []primitives.KZGCommitment // List[KZGCommitment, MAX_BLOB_COMMITMENTS_PER_BLOCK]
	KZGProofs                    []primitives.KZGProof      // List[KZGProof, MAX_BLOB_COMMITMENTS_PER_BLOCK]
	SignedBlockHeader            *SignedBeaconBlockHeader
	KZGCommitmentsInclusionProof [params.KZGCommitmentsInclusionProofDepth]primitives.Bytes32
}

const dataColumnSidecarFixedSize = 8 + 4 + 4 + 4 + SignedBeaconBlockHeaderSize + params.KZGCommitmentsInclusionProofDepth*32

func (d *DataColumnSidecar) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return dataColumnSidecarFixedSize
	}
	return dataColumnSidecarFixedSize +
		ssz.SizeSliceOfStaticObjects(s, d.Column) +
		ssz.SizeSliceOfStaticBytes(s, d.KZGCommitments) +
		ssz.SizeSliceOfStaticBytes(s, d.KZGProofs)
}

func (d *DataColumnSidecar) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &d.Index)
	ssz.DefineSliceOfStaticObjectsOffset(c, &d.Column, params.MaxBlobCommitmentsPerBlock)
	ssz.DefineSliceOfStaticBytesOffset(c, &d.KZGCommitments, params.MaxBlobCommitmentsPerBlock)
	ssz.DefineSliceOfStaticBytesOffset(c, &d.KZGProofs, params.MaxBlobCommitmentsPerBlock)
	ssz.DefineStaticObject(c, &d.SignedBlockHeader)
	ssz.DefineUnsafeArrayOfStaticBytes(c, d.KZGCommitmentsInclusionProof[:])

	ssz.DefineSliceOfStaticObjectsContent(c, &d.Column, params.MaxBlobCommitmentsPerBlock)
	ssz.DefineSliceOfStaticBytesContent(c, &d.KZGCommitments, params.MaxBlobCommitmentsPerBlock)
	ssz.DefineSliceOfStaticBytesContent(c, &d.KZGProofs, params.MaxBlobCommitmentsPerBlock)
}

// MatrixEntry is the spec's MatrixEntry (fulu das-core): one cell of the extended blob matrix with its proof.
type MatrixEntry struct {
	Cell        Cell
	KZGProof    primitives.KZGProof
	ColumnIndex primitives.ColumnIndex
	RowIndex    primitives.RowIndex
}

// MatrixEntrySize is the length of an encoded MatrixEntry.
const MatrixEntrySize = BytesPerCell + 48 + 8 + 8

func (m *MatrixEntry) SizeSSZ(*ssz.Sizer) uint32 { return MatrixEntrySize }

func (m *MatrixEntry) DefineSSZ(c *ssz.Codec) {
	sszkit.DefineByteVector(c, m.Cell[:])
	ssz.DefineStaticBytes(c, &m.KZGProof)
	ssz.DefineUint64(c, &m.ColumnIndex)
	ssz.DefineUint64(c, &m.RowIndex)
}

// DataColumnsByRootIdentifier is the spec's DataColumnsByRootIdentifier (fulu p2p).
type DataColumnsByRootIdentifier struct {
	BlockRoot primitives.Root
	Columns   []primitives.ColumnIndex // List[ColumnIndex, NUMBER_OF_COLUMNS]
}

const dataColumnsByRootIdentifierFixedSize = 32 + 4

func (d *DataColumnsByRootIdentifier) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return dataColumnsByRootIdentifierFixedSize
	}
	return dataColumnsByRootIdentifierFixedSize + ssz.SizeSliceOfUint64s(s, d.Columns)
}

func (d *DataColumnsByRootIdentifier) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &d.BlockRoot)
	ssz.DefineSliceOfUint64sOffset(c, &d.Columns, params.NumberOfColumns)

	ssz.DefineSliceOfUint64sContent(c, &d.Columns, params.NumberOfColumns)
}
