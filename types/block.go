package types

import (
	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
)

// BeaconBlockHeader is the spec's BeaconBlockHeader (phase0).
type BeaconBlockHeader struct {
	Slot          primitives.Slot
	ProposerIndex primitives.ValidatorIndex
	ParentRoot    primitives.Root
	StateRoot     primitives.Root
	BodyRoot      primitives.Root
}

// BeaconBlockHeaderSize is the length of an encoded BeaconBlockHeader.
const BeaconBlockHeaderSize = 8 + 8 + 32 + 32 + 32

func (h *BeaconBlockHeader) SizeSSZ(*ssz.Sizer) uint32 { return BeaconBlockHeaderSize }

func (h *BeaconBlockHeader) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &h.Slot)
	ssz.DefineUint64(c, &h.ProposerIndex)
	ssz.DefineStaticBytes(c, &h.ParentRoot)
	ssz.DefineStaticBytes(c, &h.StateRoot)
	ssz.DefineStaticBytes(c, &h.BodyRoot)
}

// SignedBeaconBlockHeader is the spec's SignedBeaconBlockHeader (phase0).
type SignedBeaconBlockHeader struct {
	Message   *BeaconBlockHeader
	Signature primitives.BLSSignature
}

// SignedBeaconBlockHeaderSize is the length of an encoded SignedBeaconBlockHeader.
const SignedBeaconBlockHeaderSize = BeaconBlockHeaderSize + 96

func (h *SignedBeaconBlockHeader) SizeSSZ(*ssz.Sizer) uint32 { return SignedBeaconBlockHeaderSize }

func (h *SignedBeaconBlockHeader) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticObject(c, &h.Message)
	ssz.DefineStaticBytes(c, &h.Signature)
}

// BeaconBlockBody is the spec's BeaconBlockBody (electra; unchanged in Fulu).
type BeaconBlockBody struct {
	RandaoReveal          primitives.BLSSignature
	Eth1Data              *Eth1Data
	Graffiti              primitives.Bytes32
	ProposerSlashings     []*ProposerSlashing           // List[ProposerSlashing, MAX_PROPOSER_SLASHINGS]
	AttesterSlashings     []*AttesterSlashing           // List[AttesterSlashing, MAX_ATTESTER_SLASHINGS_ELECTRA]
	Attestations          []*Attestation                // List[Attestation, MAX_ATTESTATIONS_ELECTRA]
	Deposits              []*Deposit                    // List[Deposit, MAX_DEPOSITS]
	VoluntaryExits        []*SignedVoluntaryExit        // List[SignedVoluntaryExit, MAX_VOLUNTARY_EXITS]
	SyncAggregate         *SyncAggregate                //
	ExecutionPayload      *ExecutionPayload             //
	BLSToExecutionChanges []*SignedBLSToExecutionChange // List[SignedBLSToExecutionChange, MAX_BLS_TO_EXECUTION_CHANGES]
	BlobKZGCommitments    []primitives.KZGCommitment    // List[KZGCommitment, MAX_BLOB_COMMITMENTS_PER_BLOCK]
	ExecutionRequests     *ExecutionRequests
}

const beaconBlockBodyFixedSize = 96 + Eth1DataSize + 32 + 4 + 4 + 4 + 4 + 4 + SyncAggregateSize + 4 + 4 + 4 + 4

func (b *BeaconBlockBody) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return beaconBlockBodyFixedSize
	}
	return beaconBlockBodyFixedSize +
		ssz.SizeSliceOfStaticObjects(s, b.ProposerSlashings) +
		ssz.SizeSliceOfDynamicObjects(s, b.AttesterSlashings) +
		ssz.SizeSliceOfDynamicObjects(s, b.Attestations) +
		ssz.SizeSliceOfStaticObjects(s, b.Deposits) +
		ssz.SizeSliceOfStaticObjects(s, b.VoluntaryExits) +
		ssz.SizeDynamicObject(s, b.ExecutionPayload) +
		ssz.SizeSliceOfStaticObjects(s, b.BLSToExecutionChanges) +
		ssz.SizeSliceOfStaticBytes(s, b.BlobKZGCommitments) +
		ssz.SizeDynamicObject(s, b.ExecutionRequests)
}

func (b *BeaconBlockBody) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &b.RandaoReveal)
	ssz.DefineStaticObject(c, &b.Eth1Data)
	ssz.DefineStaticBytes(c, &b.Graffiti)
	ssz.DefineSliceOfStaticObjectsOffset(c, &b.ProposerSlashings, params.MaxProposerSlashings)
	ssz.DefineSliceOfDynamicObjectsOffset(c, &b.AttesterSlashings, params.MaxAttesterSlashingsElectra)
	ssz.DefineSliceOfDynamicObjectsOffset(c, &b.Attestations, params.MaxAttestationsElectra)
	ssz.DefineSliceOfStaticObjectsOffset(c, &b.Deposits, params.MaxDeposits)
	ssz.DefineSliceOfStaticObjectsOffset(c, &b.VoluntaryExits, params.MaxVoluntaryExits)
	ssz.DefineStaticObject(c, &b.SyncAggregate)
	ssz.DefineDynamicObjectOffset(c, &b.ExecutionPayload)
	ssz.DefineSliceOfStaticObjectsOffset(c, &b.BLSToExecutionChanges, params.MaxBLSToExecutionChanges)
	ssz.DefineSliceOfStaticBytesOffset(c, &b.BlobKZGCommitments, params.MaxBlobCommitmentsPerBlock)
	ssz.DefineDynamicObjectOffset(c, &b.ExecutionRequests)

	ssz.DefineSliceOfStaticObjectsContent(c, &b.ProposerSlashings, params.MaxProposerSlashings)
	ssz.DefineSliceOfDynamicObjectsContent(c, &b.AttesterSlashings, params.MaxAttesterSlashingsElectra)
	ssz.DefineSliceOfDynamicObjectsContent(c, &b.Attestations, params.MaxAttestationsElectra)
	ssz.DefineSliceOfStaticObjectsContent(c, &b.Deposits, params.MaxDeposits)
	ssz.DefineSliceOfStaticObjectsContent(c, &b.VoluntaryExits, params.MaxVoluntaryExits)
	ssz.DefineDynamicObjectContent(c, &b.ExecutionPayload)
	ssz.DefineSliceOfStaticObjectsContent(c, &b.BLSToExecutionChanges, params.MaxBLSToExecutionChanges)
	ssz.DefineSliceOfStaticBytesContent(c, &b.BlobKZGCommitments, params.MaxBlobCommitmentsPerBlock)
	ssz.DefineDynamicObjectContent(c, &b.ExecutionRequests)
}

// BeaconBlock is the spec's BeaconBlock (phase0, with the Fulu body).
type BeaconBlock struct {
	Slot          primitives.Slot
	ProposerIndex primitives.ValidatorIndex
	ParentRoot    primitives.Root
	StateRoot     primitives.Root
	Body          *BeaconBlockBody
}

const beaconBlockFixedSize = 8 + 8 + 32 + 32 + 4

func (b *BeaconBlock) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return beaconBlockFixedSize
	}
	return beaconBlockFixedSize + ssz.SizeDynamicObject(s, b.Body)
}

func (b *BeaconBlock) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &b.Slot)
	ssz.DefineUint64(c, &b.ProposerIndex)
	ssz.DefineStaticBytes(c, &b.ParentRoot)
	ssz.DefineStaticBytes(c, &b.StateRoot)
	ssz.DefineDynamicObjectOffset(c, &b.Body)

	ssz.DefineDynamicObjectContent(c, &b.Body)
}

// SignedBeaconBlock is the spec's SignedBeaconBlock (phase0, with the Fulu block), gossiped on beacon_block.
type SignedBeaconBlock struct {
	Message   *BeaconBlock
	Signature primitives.BLSSignature
}

const signedBeaconBlockFixedSize = 4 + 96

func (b *SignedBeaconBlock) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return signedBeaconBlockFixedSize
	}
	return signedBeaconBlockFixedSize + ssz.SizeDynamicObject(s, b.Message)
}

func (b *SignedBeaconBlock) DefineSSZ(c *ssz.Codec) {
	ssz.DefineDynamicObjectOffset(c, &b.Message)
	ssz.DefineStaticBytes(c, &b.Signature)

	ssz.DefineDynamicObjectContent(c, &b.Message)
}
