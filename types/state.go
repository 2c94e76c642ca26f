package types

import (
	"encoding/binary"
	"unsafe"

	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/sszkit"
)

// ProposerLookaheadLength is the length of BeaconState.ProposerLookahead: (MIN_SEED_LOOKAHEAD + 1) * SLOTS_PER_EPOCH.
const ProposerLookaheadLength = (params.MinSeedLookahead + 1) * params.SlotsPerEpoch

// Validator is the spec's Validator (phase0).
type Validator struct {
	Pubkey                     primitives.BLSPubkey
	WithdrawalCredentials      primitives.Bytes32
	EffectiveBalance           primitives.Gwei
	Slashed                    bool
	ActivationEligibilityEpoch primitives.Epoch
	ActivationEpoch            primitives.Epoch
	ExitEpoch                  primitives.Epoch
	WithdrawableEpoch          primitives.Epoch
}

// ValidatorSize is the length of an encoded Validator.
const ValidatorSize = 48 + 32 + 8 + 1 + 8 + 8 + 8 + 8

func (v *Validator) SizeSSZ(*ssz.Sizer) uint32 { return ValidatorSize }

func (v *Validator) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &v.Pubkey)
	ssz.DefineStaticBytes(c, &v.WithdrawalCredentials)
	ssz.DefineUint64(c, &v.EffectiveBalance)
	ssz.DefineBool(c, &v.Slashed)
	ssz.DefineUint64(c, &v.ActivationEligibilityEpoch)
	ssz.DefineUint64(c, &v.ActivationEpoch)
	ssz.DefineUint64(c, &v.ExitEpoch)
	ssz.DefineUint64(c, &v.WithdrawableEpoch)
}

// PendingDeposit is the spec's PendingDeposit (electra).
type PendingDeposit struct {
	Pubkey                primitives.BLSPubkey
	WithdrawalCredentials primitives.Bytes32
	Amount                primitives.Gwei
	Signature             primitives.BLSSignature
	Slot                  primitives.Slot
}

// PendingDepositSize is the length of an encoded PendingDeposit.
const PendingDepositSize = 48 + 32 + 8 + 96 + 8

func (d *PendingDeposit) SizeSSZ(*ssz.Sizer) uint32 { return PendingDepositSize }

func (d *PendingDeposit) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &d.Pubkey)
	ssz.DefineStaticBytes(c, &d.WithdrawalCredentials)
	ssz.DefineUint64(c, &d.Amount)
	ssz.DefineStaticBytes(c, &d.Signature)
	ssz.DefineUint64(c, &d.Slot)
}

// PendingPartialWithdrawal is the spec's PendingPartialWithdrawal (electra).
type PendingPartialWithdrawal struct {
	ValidatorIndex    primitives.ValidatorIndex
	Amount            primitives.Gwei
	WithdrawableEpoch primitives.Epoch
}

// PendingPartialWithdrawalSize is the length of an encoded PendingPartialWithdrawal.
const PendingPartialWithdrawalSize = 8 + 8 + 8

func (w *PendingPartialWithdrawal) SizeSSZ(*ssz.Sizer) uint32 { return PendingPartialWithdrawalSize }

func (w *PendingPartialWithdrawal) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &w.ValidatorIndex)
	ssz.DefineUint64(c, &w.Amount)
	ssz.DefineUint64(c, &w.WithdrawableEpoch)
}

// PendingConsolidation is the spec's PendingConsolidation (electra).
type PendingConsolidation struct {
	SourceIndex primitives.ValidatorIndex
	TargetIndex primitives.ValidatorIndex
}

// PendingConsolidationSize is the length of an encoded PendingConsolidation.
const PendingConsolidationSize = 8 + 8

func (p *PendingConsolidation) SizeSSZ(*ssz.Sizer) uint32 { return PendingConsolidationSize }

func (p *PendingConsolidation) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &p.SourceIndex)
	ssz.DefineUint64(c, &p.TargetIndex)
}

// BeaconState is the spec's BeaconState (fulu: electra's state plus the EIP-7917 proposer lookahead).
type BeaconState struct {
	// Versioning
	GenesisTime           uint64
	GenesisValidatorsRoot primitives.Root
	Slot                  primitives.Slot
	Fork                  *Fork
	// History
	LatestBlockHeader *BeaconBlockHeader
	BlockRoots        [params.SlotsPerHistoricalRoot]primitives.Root
	StateRoots        [params.SlotsPerHistoricalRoot]primitives.Root
	HistoricalRoots   []primitives.Root // List[Root, HISTORICAL_ROOTS_LIMIT], frozen since Capella
	// Eth1
	Eth1Data         *Eth1Data
	Eth1DataVotes    []*Eth1Data // List[Eth1Data, EPOCHS_PER_ETH1_VOTING_PERIOD * SLOTS_PER_EPOCH]
	Eth1DepositIndex uint64
	// Registry
	Validators []*Validator      // List[Validator, VALIDATOR_REGISTRY_LIMIT]
	Balances   []primitives.Gwei // List[Gwei, VALIDATOR_REGISTRY_LIMIT]
	// Randomness
	RandaoMixes [params.EpochsPerHistoricalVector]primitives.Bytes32
	// Slashings
	Slashings [params.EpochsPerSlashingsVector]primitives.Gwei
	// Participation
	PreviousEpochParticipation []primitives.ParticipationFlag // List[ParticipationFlags, VALIDATOR_REGISTRY_LIMIT]
	CurrentEpochParticipation  []primitives.ParticipationFlag // List[ParticipationFlags, VALIDATOR_REGISTRY_LIMIT]
	// Finality
	JustificationBits           [(JustificationBitsLength + 7) / 8]byte // Bitvector[JUSTIFICATION_BITS_LENGTH]
	PreviousJustifiedCheckpoint *Checkpoint
	CurrentJustifiedCheckpoint  *Checkpoint
	FinalizedCheckpoint         *Checkpoint
	// Inactivity
	InactivityScores []uint64 // List[uint64, VALIDATOR_REGISTRY_LIMIT]
	// Sync
	CurrentSyncCommittee *SyncCommittee
	NextSyncCommittee    *SyncCommittee
	// Execution
	LatestExecutionPayloadHeader *ExecutionPayloadHeader
	// Withdrawals
	NextWithdrawalIndex          primitives.WithdrawalIndex
	NextWithdrawalValidatorIndex primitives.ValidatorIndex
	// Deep history valid from Capella onwards
	HistoricalSummaries []*HistoricalSummary // List[HistoricalSummary, HISTORICAL_ROOTS_LIMIT]
	// Electra
	DepositRequestsStartIndex     uint64
	DepositBalanceToConsume       primitives.Gwei
	ExitBalanceToConsume          primitives.Gwei
	EarliestExitEpoch             primitives.Epoch
	ConsolidationBalanceToConsume primitives.Gwei
	EarliestConsolidationEpoch    primitives.Epoch
	PendingDeposits               []*PendingDeposit           // List[PendingDeposit, PENDING_DEPOSITS_LIMIT]
	PendingPartialWithdrawals     []*PendingPartialWithdrawal // List[PendingPartialWithdrawal, PENDING_PARTIAL_WITHDRAWALS_LIMIT]
	PendingConsolidations         []*PendingConsolidation     // List[PendingConsolidation, PENDING_CONSOLIDATIONS_LIMIT]
	// Fulu
	ProposerLookahead [ProposerLookaheadLength]primitives.ValidatorIndex
}

const beaconStateFixedSize = 8 + 32 + 8 + ForkSize + BeaconBlockHeaderSize +
	params.SlotsPerHistoricalRoot*32 + params.SlotsPerHistoricalRoot*32 + 4 +
	Eth1DataSize + 4 + 8 +
	4 + 4 +
	params.EpochsPerHistoricalVector*32 +
	params.EpochsPerSlashingsVector*8 +
	4 + 4 +
	(JustificationBitsLength+7)/8 + CheckpointSize + CheckpointSize + CheckpointSize +
	4 +
	SyncCommitteeSize + SyncCommitteeSize +
	4 +
	8 + 8 +
	4 +
	8 + 8 + 8 + 8 + 8 + 8 + 4 + 4 + 4 +
	ProposerLookaheadLength*8

func (s *BeaconState) SizeSSZ(sz *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return beaconStateFixedSize
	}
	return beaconStateFixedSize +
		ssz.SizeSliceOfStaticBytes(sz, s.HistoricalRoots) +
		ssz.SizeSliceOfStaticObjects(sz, s.Eth1DataVotes) +
		ssz.SizeSliceOfStaticObjects(sz, s.Validators) +
		ssz.SizeSliceOfUint64s(sz, s.Balances) +
		uint32(len(s.PreviousEpochParticipation)) +
		uint32(len(s.CurrentEpochParticipation)) +
		ssz.SizeSliceOfUint64s(sz, s.InactivityScores) +
		ssz.SizeDynamicObject(sz, s.LatestExecutionPayloadHeader) +
		ssz.SizeSliceOfStaticObjects(sz, s.HistoricalSummaries) +
		ssz.SizeSliceOfStaticObjects(sz, s.PendingDeposits) +
		ssz.SizeSliceOfStaticObjects(sz, s.PendingPartialWithdrawals) +
		ssz.SizeSliceOfStaticObjects(sz, s.PendingConsolidations)
}

func (s *BeaconState) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &s.GenesisTime)
	ssz.DefineStaticBytes(c, &s.GenesisValidatorsRoot)
	ssz.DefineUint64(c, &s.Slot)
	ssz.DefineStaticObject(c, &s.Fork)
	ssz.DefineStaticObject(c, &s.LatestBlockHeader)
	ssz.DefineUnsafeArrayOfStaticBytes(c, s.BlockRoots[:])
	ssz.DefineUnsafeArrayOfStaticBytes(c, s.StateRoots[:])
	ssz.DefineSliceOfStaticBytesOffset(c, &s.HistoricalRoots, params.HistoricalRootsLimit)
	ssz.DefineStaticObject(c, &s.Eth1Data)
	ssz.DefineSliceOfStaticObjectsOffset(c, &s.Eth1DataVotes, params.EpochsPerEth1VotingPeriod*params.SlotsPerEpoch)
	ssz.DefineUint64(c, &s.Eth1DepositIndex)
	ssz.DefineSliceOfStaticObjectsOffset(c, &s.Validators, params.ValidatorRegistryLimit)
	ssz.DefineSliceOfUint64sOffset(c, &s.Balances, params.ValidatorRegistryLimit)
	ssz.DefineUnsafeArrayOfStaticBytes(c, s.RandaoMixes[:])
	sszkit.DefineUint64Vector(c, s.Slashings[:])
	ssz.DefineDynamicBytesOffset(c, participationBytes(&s.PreviousEpochParticipation), params.ValidatorRegistryLimit)
	ssz.DefineDynamicBytesOffset(c, participationBytes(&s.CurrentEpochParticipation), params.ValidatorRegistryLimit)
	ssz.DefineArrayOfBits(c, &s.JustificationBits, JustificationBitsLength)
	ssz.DefineStaticObject(c, &s.PreviousJustifiedCheckpoint)
	ssz.DefineStaticObject(c, &s.CurrentJustifiedCheckpoint)
	ssz.DefineStaticObject(c, &s.FinalizedCheckpoint)
	ssz.DefineSliceOfUint64sOffset(c, &s.InactivityScores, params.ValidatorRegistryLimit)
	ssz.DefineStaticObject(c, &s.CurrentSyncCommittee)
	ssz.DefineStaticObject(c, &s.NextSyncCommittee)
	ssz.DefineDynamicObjectOffset(c, &s.LatestExecutionPayloadHeader)
	ssz.DefineUint64(c, &s.NextWithdrawalIndex)
	ssz.DefineUint64(c, &s.NextWithdrawalValidatorIndex)
	ssz.DefineSliceOfStaticObjectsOffset(c, &s.HistoricalSummaries, params.HistoricalRootsLimit)
	ssz.DefineUint64(c, &s.DepositRequestsStartIndex)
	ssz.DefineUint64(c, &s.DepositBalanceToConsume)
	ssz.DefineUint64(c, &s.ExitBalanceToConsume)
	ssz.DefineUint64(c, &s.EarliestExitEpoch)
	ssz.DefineUint64(c, &s.ConsolidationBalanceToConsume)
	ssz.DefineUint64(c, &s.EarliestConsolidationEpoch)
	ssz.DefineSliceOfStaticObjectsOffset(c, &s.PendingDeposits, params.PendingDepositsLimit)
	ssz.DefineSliceOfStaticObjectsOffset(c, &s.PendingPartialWithdrawals, params.PendingPartialWithdrawalsLimit)
	ssz.DefineSliceOfStaticObjectsOffset(c, &s.PendingConsolidations, params.PendingConsolidationsLimit)
	sszkit.DefineUint64Vector(c, s.ProposerLookahead[:])

	ssz.DefineSliceOfStaticBytesContent(c, &s.HistoricalRoots, params.HistoricalRootsLimit)
	ssz.DefineSliceOfStaticObjectsContent(c, &s.Eth1DataVotes, params.EpochsPerEth1VotingPeriod*params.SlotsPerEpoch)
	ssz.DefineSliceOfStaticObjectsContent(c, &s.Validators, params.ValidatorRegistryLimit)
	ssz.DefineSliceOfUint64sContent(c, &s.Balances, params.ValidatorRegistryLimit)
	ssz.DefineDynamicBytesContent(c, participationBytes(&s.PreviousEpochParticipation), params.ValidatorRegistryLimit)
	ssz.DefineDynamicBytesContent(c, participationBytes(&s.CurrentEpochParticipation), params.ValidatorRegistryLimit)
	ssz.DefineSliceOfUint64sContent(c, &s.InactivityScores, params.ValidatorRegistryLimit)
	ssz.DefineDynamicObjectContent(c, &s.LatestExecutionPayloadHeader)
	ssz.DefineSliceOfStaticObjectsContent(c, &s.HistoricalSummaries, params.HistoricalRootsLimit)
	ssz.DefineSliceOfStaticObjectsContent(c, &s.PendingDeposits, params.PendingDepositsLimit)
	ssz.DefineSliceOfStaticObjectsContent(c, &s.PendingPartialWithdrawals, params.PendingPartialWithdrawalsLimit)
	ssz.DefineSliceOfStaticObjectsContent(c, &s.PendingConsolidations, params.PendingConsolidationsLimit)
}

// HashTreeRoot returns the state's hash_tree_root, hashing the validator registry and the other large lists on all
// cores.
func (s *BeaconState) HashTreeRoot() [32]byte {
	return ssz.HashConcurrent(s)
}

// validatorsOffsetPosition is where the offset of BeaconState.Validators sits in the encoding; the offset of
// Balances follows it.
const validatorsOffsetPosition = 8 + 32 + 8 + ForkSize + BeaconBlockHeaderSize +
	params.SlotsPerHistoricalRoot*32 + params.SlotsPerHistoricalRoot*32 + 4 +
	Eth1DataSize + 4 + 8

// prepareDecode is called by Unmarshal before decoding data into s. It gives the validator registry one contiguous
// slab instead of one allocation per validator (a million of them on mainnet), which the codec then fills in place.
// The slab is sized from the list's two bounding offsets, which decoding goes on to check in full; on malformed
// input it is simply not made, and it can never be larger than the input.
func (s *BeaconState) prepareDecode(data []byte) {
	if len(data) < beaconStateFixedSize {
		return
	}
	start := binary.LittleEndian.Uint32(data[validatorsOffsetPosition:])
	end := binary.LittleEndian.Uint32(data[validatorsOffsetPosition+4:])
	if start > end || uint64(end) > uint64(len(data)) || (end-start)%ValidatorSize != 0 {
		return
	}
	n := int((end - start) / ValidatorSize)
	if cap(s.Validators) >= n {
		return // the codec reuses the validators already there
	}
	slab := make([]Validator, n)
	s.Validators = make([]*Validator, n)
	for i := range s.Validators {
		s.Validators[i] = &slab[i]
	}
}

// participationBytes views a participation list as the byte list it is on the wire: ParticipationFlags is a uint8,
// so List[ParticipationFlags, N] encodes and hashes exactly as ByteList[N], which is the form the codec accepts.
func participationBytes(flags *[]primitives.ParticipationFlag) *[]byte {
	return (*[]byte)(unsafe.Pointer(flags))
}
