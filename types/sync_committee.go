package types

import (
	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/sszkit"
)

// Lengths of the sync-committee bitvectors.
const (
	// SyncCommitteeBitsBytes is the byte length of Bitvector[SYNC_COMMITTEE_SIZE].
	SyncCommitteeBitsBytes = (params.SyncCommitteeSize + 7) / 8
	// SyncSubcommitteeSize is SYNC_COMMITTEE_SIZE // SYNC_COMMITTEE_SUBNET_COUNT.
	SyncSubcommitteeSize = params.SyncCommitteeSize / SyncCommitteeSubnetCount
	// SyncSubcommitteeBitsBytes is the byte length of Bitvector[SYNC_COMMITTEE_SIZE // SYNC_COMMITTEE_SUBNET_COUNT].
	SyncSubcommitteeBitsBytes = (SyncSubcommitteeSize + 7) / 8
)

// SyncAggregate is the spec's SyncAggregate (altair).
type SyncAggregate struct {
	SyncCommitteeBits      [SyncCommitteeBitsBytes]byte // Bitvector[SYNC_COMMITTEE_SIZE]
	SyncCommitteeSignature primitives.BLSSignature
}

// SyncAggregateSize is the length of an encoded SyncAggregate.
const SyncAggregateSize = SyncCommitteeBitsBytes + 96

func (a *SyncAggregate) SizeSSZ(*ssz.Sizer) uint32 { return SyncAggregateSize }

func (a *SyncAggregate) DefineSSZ(c *ssz.Codec) {
	sszkit.DefineBitvector(c, a.SyncCommitteeBits[:], params.SyncCommitteeSize)
	ssz.DefineStaticBytes(c, &a.SyncCommitteeSignature)
}

// SyncCommittee is the spec's SyncCommittee (altair).
type SyncCommittee struct {
	Pubkeys         [params.SyncCommitteeSize]primitives.BLSPubkey
	AggregatePubkey primitives.BLSPubkey
}

// SyncCommitteeSize is the length of an encoded SyncCommittee.
const SyncCommitteeSize = params.SyncCommitteeSize*48 + 48

func (s *SyncCommittee) SizeSSZ(*ssz.Sizer) uint32 { return SyncCommitteeSize }

func (s *SyncCommittee) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUnsafeArrayOfStaticBytes(c, s.Pubkeys[:])
	ssz.DefineStaticBytes(c, &s.AggregatePubkey)
}

// SyncCommitteeMessage is the spec's SyncCommitteeMessage (altair validator guide).
type SyncCommitteeMessage struct {
	Slot            primitives.Slot
	BeaconBlockRoot primitives.Root
	ValidatorIndex  primitives.ValidatorIndex
	Signature       primitives.BLSSignature
}

// SyncCommitteeMessageSize is the length of an encoded SyncCommitteeMessage.
const SyncCommitteeMessageSize = 8 + 32 + 8 + 96

func (m *SyncCommitteeMessage) SizeSSZ(*ssz.Sizer) uint32 { return SyncCommitteeMessageSize }

func (m *SyncCommitteeMessage) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &m.Slot)
	ssz.DefineStaticBytes(c, &m.BeaconBlockRoot)
	ssz.DefineUint64(c, &m.ValidatorIndex)
	ssz.DefineStaticBytes(c, &m.Signature)
}

// SyncCommitteeContribution is the spec's SyncCommitteeContribution (altair validator guide).
type SyncCommitteeContribution struct {
	Slot              primitives.Slot
	BeaconBlockRoot   primitives.Root
	SubcommitteeIndex uint64
	AggregationBits   [SyncSubcommitteeBitsBytes]byte // Bitvector[SYNC_COMMITTEE_SIZE // SYNC_COMMITTEE_SUBNET_COUNT]
	Signature         primitives.BLSSignature
}

// SyncCommitteeContributionSize is the length of an encoded SyncCommitteeContribution.
const SyncCommitteeContributionSize = 8 + 32 + 8 + SyncSubcommitteeBitsBytes + 96

func (s *SyncCommitteeContribution) SizeSSZ(*ssz.Sizer) uint32 { return SyncCommitteeContributionSize }

func (s *SyncCommitteeContribution) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &s.Slot)
	ssz.DefineStaticBytes(c, &s.BeaconBlockRoot)
	ssz.DefineUint64(c, &s.SubcommitteeIndex)
	sszkit.DefineBitvector(c, s.AggregationBits[:], SyncSubcommitteeSize)
	ssz.DefineStaticBytes(c, &s.Signature)
}

// ContributionAndProof is the spec's ContributionAndProof (altair validator guide).
type ContributionAndProof struct {
	AggregatorIndex primitives.ValidatorIndex
	Contribution    *SyncCommitteeContribution
	SelectionProof  primitives.BLSSignature
}

// ContributionAndProofSize is the length of an encoded ContributionAndProof.
const ContributionAndProofSize = 8 + SyncCommitteeContributionSize + 96

func (p *ContributionAndProof) SizeSSZ(*ssz.Sizer) uint32 { return ContributionAndProofSize }

func (p *ContributionAndProof) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &p.AggregatorIndex)
	ssz.DefineStaticObject(c, &p.Contribution)
	ssz.DefineStaticBytes(c, &p.SelectionProof)
}

// SignedContributionAndProof is the spec's SignedContributionAndProof (altair validator guide), gossiped on
// sync_committee_contribution_and_proof.
type SignedContributionAndProof struct {
	Message   *ContributionAndProof
	Signature primitives.BLSSignature
}

// SignedContributionAndProofSize is the length of an encoded SignedContributionAndProof.
const SignedContributionAndProofSize = ContributionAndProofSize + 96

func (p *SignedContributionAndProof) SizeSSZ(*ssz.Sizer) uint32 {
	return SignedContributionAndProofSize
}

func (p *SignedContributionAndProof) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticObject(c, &p.Message)
	ssz.DefineStaticBytes(c, &p.Signature)
}

// SyncAggregatorSelectionData is the spec's SyncAggregatorSelectionData (altair validator guide).
type SyncAggregatorSelectionData struct {
	Slot              primitives.Slot
	SubcommitteeIndex uint64
}

// SyncAggregatorSelectionDataSize is the length of an encoded SyncAggregatorSelectionData.
const SyncAggregatorSelectionDataSize = 8 + 8

func (d *SyncAggregatorSelectionData) SizeSSZ(*ssz.Sizer) uint32 {
	return SyncAggregatorSelectionDataSize
}

func (d *SyncAggregatorSelectionData) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &d.Slot)
	ssz.DefineUint64(c, &d.SubcommitteeIndex)
}
