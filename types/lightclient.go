package types

import (
	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/primitives"
)

// LightClientHeader is the spec's LightClientHeader (capella light client, with the deneb execution header).
type LightClientHeader struct {
	Beacon          *BeaconBlockHeader
	Execution       *ExecutionPayloadHeader
	ExecutionBranch [ExecutionBranchDepth]primitives.Bytes32
}

const lightClientHeaderFixedSize = BeaconBlockHeaderSize + 4 + ExecutionBranchDepth*32

func (h *LightClientHeader) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return lightClientHeaderFixedSize
	}
	return lightClientHeaderFixedSize + ssz.SizeDynamicObject(s, h.Execution)
}

func (h *LightClientHeader) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticObject(c, &h.Beacon)
	ssz.DefineDynamicObjectOffset(c, &h.Execution)
	ssz.DefineUnsafeArrayOfStaticBytes(c, h.ExecutionBranch[:])

	ssz.DefineDynamicObjectContent(c, &h.Execution)
}

// LightClientBootstrap is the spec's LightClientBootstrap (electra light client).
type LightClientBootstrap struct {
	Header                     *LightClientHeader
	CurrentSyncCommittee       *SyncCommittee
	CurrentSyncCommitteeBranch [CurrentSyncCommitteeBranchDepth]primitives.Bytes32
}

const lightClientBootstrapFixedSize = 4 + SyncCommitteeSize + CurrentSyncCommitteeBranchDepth*32

func (b *LightClientBootstrap) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return lightClientBootstrapFixedSize
	}
	return lightClientBootstrapFixedSize + ssz.SizeDynamicObject(s, b.Header)
}

func (b *LightClientBootstrap) DefineSSZ(c *ssz.Codec) {
	ssz.DefineDynamicObjectOffset(c, &b.Header)
	ssz.DefineStaticObject(c, &b.CurrentSyncCommittee)
	ssz.DefineUnsafeArrayOfStaticBytes(c, b.CurrentSyncCommitteeBranch[:])

	ssz.DefineDynamicObjectContent(c, &b.Header)
}

// LightClientUpdate is the spec's LightClientUpdate (electra light client).
type LightClientUpdate struct {
	AttestedHeader          *LightClientHeader
	NextSyncCommittee       *SyncCommittee
	NextSyncCommitteeBranch [NextSyncCommitteeBranchDepth]primitives.Bytes32
	FinalizedHeader         *LightClientHeader
	FinalityBranch          [FinalityBranchDepth]primitives.Bytes32
	SyncAggregate           *SyncAggregate
	SignatureSlot           primitives.Slot
}

const lightClientUpdateFixedSize = 4 + SyncCommitteeSize + NextSyncCommitteeBranchDepth*32 + 4 + FinalityBranchDepth*32 + SyncAggregateSize + 8

func (u *LightClientUpdate) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return lightClientUpdateFixedSize
	}
	return lightClientUpdateFixedSize + ssz.SizeDynamicObject(s, u.AttestedHeader) + ssz.SizeDynamicObject(s, u.FinalizedHeader)
}

func (u *LightClientUpdate) DefineSSZ(c *ssz.Codec) {
	ssz.DefineDynamicObjectOffset(c, &u.AttestedHeader)
	ssz.DefineStaticObject(c, &u.NextSyncCommittee)
	ssz.DefineUnsafeArrayOfStaticBytes(c, u.NextSyncCommitteeBranch[:])
	ssz.DefineDynamicObjectOffset(c, &u.FinalizedHeader)
	ssz.DefineUnsafeArrayOfStaticBytes(c, u.FinalityBranch[:])
	ssz.DefineStaticObject(c, &u.SyncAggregate)
	ssz.DefineUint64(c, &u.SignatureSlot)

	ssz.DefineDynamicObjectContent(c, &u.AttestedHeader)
	ssz.DefineDynamicObjectContent(c, &u.FinalizedHeader)
}

// LightClientFinalityUpdate is the spec's LightClientFinalityUpdate (electra light client).
type LightClientFinalityUpdate struct {
	AttestedHeader  *LightClientHeader
	FinalizedHeader *LightClientHeader
	FinalityBranch  [FinalityBranchDepth]primitives.Bytes32
	SyncAggregate   *SyncAggregate
	SignatureSlot   primitives.Slot
}

const lightClientFinalityUpdateFixedSize = 4 + 4 + FinalityBranchDepth*32 + SyncAggregateSize + 8

func (u *LightClientFinalityUpdate) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return lightClientFinalityUpdateFixedSize
	}
	return lightClientFinalityUpdateFixedSize + ssz.SizeDynamicObject(s, u.AttestedHeader) + ssz.SizeDynamicObject(s, u.FinalizedHeader)
}

func (u *LightClientFinalityUpdate) DefineSSZ(c *ssz.Codec) {
	ssz.DefineDynamicObjectOffset(c, &u.AttestedHeader)
	ssz.DefineDynamicObjectOffset(c, &u.FinalizedHeader)
	ssz.DefineUnsafeArrayOfStaticBytes(c, u.FinalityBranch[:])
	ssz.DefineStaticObject(c, &u.SyncAggregate)
	ssz.DefineUint64(c, &u.SignatureSlot)

	ssz.DefineDynamicObjectContent(c, &u.AttestedHeader)
	ssz.DefineDynamicObjectContent(c, &u.FinalizedHeader)
}

// LightClientOptimisticUpdate is the spec's LightClientOptimisticUpdate (electra light client).
type LightClientOptimisticUpdate struct {
	AttestedHeader *LightClientHeader
	SyncAggregate  *SyncAggregate
	SignatureSlot  primitives.Slot
}

const lightClientOptimisticUpdateFixedSize = 4 + SyncAggregateSize + 8

func (u *LightClientOptimisticUpdate) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return lightClientOptimisticUpdateFixedSize
	}
	return lightClientOptimisticUpdateFixedSize + ssz.SizeDynamicObject(s, u.AttestedHeader)
}

func (u *LightClientOptimisticUpdate) DefineSSZ(c *ssz.Codec) {
	ssz.DefineDynamicObjectOffset(c, &u.AttestedHeader)
	ssz.DefineStaticObject(c, &u.SyncAggregate)
	ssz.DefineUint64(c, &u.SignatureSlot)

	ssz.DefineDynamicObjectContent(c, &u.AttestedHeader)
}

// LightClientUpdatesByRangeRequest is the request of light_client_updates_by_range/1 (altair light-client p2p).
type LightClientUpdatesByRangeRequest struct {
	StartPeriod uint64
	Count       uint64
}

// LightClientUpdatesByRangeRequestSize is the length of an encoded LightClientUpdatesByRangeRequest.
const LightClientUpdatesByRangeRequestSize = 8 + 8

func (r *LightClientUpdatesByRangeRequest) SizeSSZ(*ssz.Sizer) uint32 {
	return LightClientUpdatesByRangeRequestSize
}

func (r *LightClientUpdatesByRangeRequest) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &r.StartPeriod)
	ssz.DefineUint64(c, &r.Count)
}
