package types

import (
	"github.com/karalabe/ssz"
	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/sszkit"
)

// Limits and lengths of the Electra (EIP-7549) attestation containers.
const (
	// MaxAttestingIndices bounds Attestation.AggregationBits and IndexedAttestation.AttestingIndices:
	// MAX_VALIDATORS_PER_COMMITTEE * MAX_COMMITTEES_PER_SLOT.
	MaxAttestingIndices = params.MaxValidatorsPerCommittee * params.MaxCommitteesPerSlot
	// CommitteeBitsBytes is the byte length of Bitvector[MAX_COMMITTEES_PER_SLOT].
	CommitteeBitsBytes = (params.MaxCommitteesPerSlot + 7) / 8
)

// AttestationData is the spec's AttestationData (phase0).
type AttestationData struct {
	Slot            primitives.Slot
	Index           primitives.CommitteeIndex
	BeaconBlockRoot primitives.Root
	Source          *Checkpoint
	Target          *Checkpoint
}

// AttestationDataSize is the length of an encoded AttestationData.
const AttestationDataSize = 8 + 8 + 32 + CheckpointSize + CheckpointSize

func (a *AttestationData) SizeSSZ(*ssz.Sizer) uint32 { return AttestationDataSize }

func (a *AttestationData) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &a.Slot)
	ssz.DefineUint64(c, &a.Index)
	ssz.DefineStaticBytes(c, &a.BeaconBlockRoot)
	ssz.DefineStaticObject(c, &a.Source)
	ssz.DefineStaticObject(c, &a.Target)
}

// Attestation is the spec's Attestation (electra, EIP-7549): aggregation bits span every committee named in
// CommitteeBits, in committee order.
type Attestation struct {
	AggregationBits bitfield.Bitlist // Bitlist[MAX_VALIDATORS_PER_COMMITTEE * MAX_COMMITTEES_PER_SLOT]
	Data            *AttestationData
	Signature       primitives.BLSSignature
	CommitteeBits   [CommitteeBitsBytes]byte // Bitvector[MAX_COMMITTEES_PER_SLOT]
}

const attestationFixedSize = 4 + AttestationDataSize + 96 + CommitteeBitsBytes

func (a *Attestation) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return attestationFixedSize
	}
	return attestationFixedSize + ssz.SizeSliceOfBits(s, a.AggregationBits)
}

func (a *Attestation) DefineSSZ(c *ssz.Codec) {
	sszkit.DefineBitlistOffset(c, &a.AggregationBits, MaxAttestingIndices)
	ssz.DefineStaticObject(c, &a.Data)
	ssz.DefineStaticBytes(c, &a.Signature)
	sszkit.DefineBitvector(c, a.CommitteeBits[:], params.MaxCommitteesPerSlot)

	sszkit.DefineBitlistContent(c, &a.AggregationBits, MaxAttestingIndices)
}

// IndexedAttestation is the spec's IndexedAttestation (electra, EIP-7549).
type IndexedAttestation struct {
	AttestingIndices []primitives.ValidatorIndex // List[ValidatorIndex, MAX_VALIDATORS_PER_COMMITTEE * MAX_COMMITTEES_PER_SLOT]
	Data             *AttestationData
	Signature        primitives.BLSSignature
}

const indexedAttestationFixedSize = 4 + AttestationDataSize + 96

func (a *IndexedAttestation) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return indexedAttestationFixedSize
	}
	return indexedAttestationFixedSize + ssz.SizeSliceOfUint64s(s, a.AttestingIndices)
}

func (a *IndexedAttestation) DefineSSZ(c *ssz.Codec) {
	ssz.DefineSliceOfUint64sOffset(c, &a.AttestingIndices, MaxAttestingIndices)
	ssz.DefineStaticObject(c, &a.Data)
	ssz.DefineStaticBytes(c, &a.Signature)

	ssz.DefineSliceOfUint64sContent(c, &a.AttestingIndices, MaxAttestingIndices)
}

// SingleAttestation is the spec's SingleAttestation (electra): what an attester publishes on its subnet.
type SingleAttestation struct {
	CommitteeIndex primitives.CommitteeIndex
	AttesterIndex  primitives.ValidatorIndex
	Data           *AttestationData
	Signature      primitives.BLSSignature
}

// SingleAttestationSize is the length of an encoded SingleAttestation.
const SingleAttestationSize = 8 + 8 + AttestationDataSize + 96

func (a *SingleAttestation) SizeSSZ(*ssz.Sizer) uint32 { return SingleAttestationSize }

func (a *SingleAttestation) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &a.CommitteeIndex)
	ssz.DefineUint64(c, &a.AttesterIndex)
	ssz.DefineStaticObject(c, &a.Data)
	ssz.DefineStaticBytes(c, &a.Signature)
}

// PendingAttestation is the spec's PendingAttestation (phase0). No Fulu state holds it; the ssz_static suite still
// covers it.
type PendingAttestation struct {
	AggregationBits bitfield.Bitlist // Bitlist[MAX_VALIDATORS_PER_COMMITTEE]
	Data            *AttestationData
	InclusionDelay  primitives.Slot
	ProposerIndex   primitives.ValidatorIndex
}

const pendingAttestationFixedSize = 4 + AttestationDataSize + 8 + 8

func (a *PendingAttestation) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return pendingAttestationFixedSize
	}
	return pendingAttestationFixedSize + ssz.SizeSliceOfBits(s, a.AggregationBits)
}

func (a *PendingAttestation) DefineSSZ(c *ssz.Codec) {
	sszkit.DefineBitlistOffset(c, &a.AggregationBits, params.MaxValidatorsPerCommittee)
	ssz.DefineStaticObject(c, &a.Data)
	ssz.DefineUint64(c, &a.InclusionDelay)
	ssz.DefineUint64(c, &a.ProposerIndex)

	sszkit.DefineBitlistContent(c, &a.AggregationBits, params.MaxValidatorsPerCommittee)
}

// AggregateAndProof is the spec's AggregateAndProof (electra validator guide).
type AggregateAndProof struct {
	AggregatorIndex primitives.ValidatorIndex
	Aggregate       *Attestation
	SelectionProof  primitives.BLSSignature
}

const aggregateAndProofFixedSize = 8 + 4 + 96

func (a *AggregateAndProof) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return aggregateAndProofFixedSize
	}
	return aggregateAndProofFixedSize + ssz.SizeDynamicObject(s, a.Aggregate)
}

func (a *AggregateAndProof) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &a.AggregatorIndex)
	ssz.DefineDynamicObjectOffset(c, &a.Aggregate)
	ssz.DefineStaticBytes(c, &a.SelectionProof)

	ssz.DefineDynamicObjectContent(c, &a.Aggregate)
}

// SignedAggregateAndProof is the spec's SignedAggregateAndProof (electra validator guide), gossiped on
// beacon_aggregate_and_proof.
type SignedAggregateAndProof struct {
	Message   *AggregateAndProof
	Signature primitives.BLSSignature
}

const signedAggregateAndProofFixedSize = 4 + 96

func (a *SignedAggregateAndProof) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return signedAggregateAndProofFixedSize
	}
	return signedAggregateAndProofFixedSize + ssz.SizeDynamicObject(s, a.Message)
}

func (a *SignedAggregateAndProof) DefineSSZ(c *ssz.Codec) {
	ssz.DefineDynamicObjectOffset(c, &a.Message)
	ssz.DefineStaticBytes(c, &a.Signature)

	ssz.DefineDynamicObjectContent(c, &a.Message)
}
