package types

import (
	"github.com/holiman/uint256"
	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
)

// Fork is the spec's Fork (phase0).
type Fork struct {
	PreviousVersion primitives.Version
	CurrentVersion  primitives.Version
	Epoch           primitives.Epoch
}

// ForkSize is the length of an encoded Fork.
const ForkSize = 4 + 4 + 8

func (f *Fork) SizeSSZ(*ssz.Sizer) uint32 { return ForkSize }

func (f *Fork) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &f.PreviousVersion)
	ssz.DefineStaticBytes(c, &f.CurrentVersion)
	ssz.DefineUint64(c, &f.Epoch)
}

// ForkData is the spec's ForkData (phase0), hashed into fork digests and signing domains.
type ForkData struct {
	CurrentVersion        primitives.Version
	GenesisValidatorsRoot primitives.Root
}

// ForkDataSize is the length of an encoded ForkData.
const ForkDataSize = 4 + 32

func (f *ForkData) SizeSSZ(*ssz.Sizer) uint32 { return ForkDataSize }

func (f *ForkData) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &f.CurrentVersion)
	ssz.DefineStaticBytes(c, &f.GenesisValidatorsRoot)
}

// Checkpoint is the spec's Checkpoint (phase0).
type Checkpoint struct {
	Epoch primitives.Epoch
	Root  primitives.Root
}

// CheckpointSize is the length of an encoded Checkpoint.
const CheckpointSize = 8 + 32

func (cp *Checkpoint) SizeSSZ(*ssz.Sizer) uint32 { return CheckpointSize }

func (cp *Checkpoint) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &cp.Epoch)
	ssz.DefineStaticBytes(c, &cp.Root)
}

// SigningData is the spec's SigningData (phase0): the object whose root a signature signs.
type SigningData struct {
	ObjectRoot primitives.Root
	Domain     primitives.Domain
}

// SigningDataSize is the length of an encoded SigningData.
const SigningDataSize = 32 + 32

func (s *SigningData) SizeSSZ(*ssz.Sizer) uint32 { return SigningDataSize }

func (s *SigningData) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &s.ObjectRoot)
	ssz.DefineStaticBytes(c, &s.Domain)
}

// Eth1Data is the spec's Eth1Data (phase0).
type Eth1Data struct {
	DepositRoot  primitives.Root
	DepositCount uint64
	BlockHash    primitives.Hash32
}

// Eth1DataSize is the length of an encoded Eth1Data.
const Eth1DataSize = 32 + 8 + 32

func (e *Eth1Data) SizeSSZ(*ssz.Sizer) uint32 { return Eth1DataSize }

func (e *Eth1Data) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &e.DepositRoot)
	ssz.DefineUint64(c, &e.DepositCount)
	ssz.DefineStaticBytes(c, &e.BlockHash)
}

// Eth1Block is the spec's Eth1Block (phase0 validator guide): the fields of an execution block that eth1 voting
// reads.
type Eth1Block struct {
	Timestamp    uint64
	DepositRoot  primitives.Root
	DepositCount uint64
}

// Eth1BlockSize is the length of an encoded Eth1Block.
const Eth1BlockSize = 8 + 32 + 8

func (e *Eth1Block) SizeSSZ(*ssz.Sizer) uint32 { return Eth1BlockSize }

func (e *Eth1Block) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &e.Timestamp)
	ssz.DefineStaticBytes(c, &e.DepositRoot)
	ssz.DefineUint64(c, &e.DepositCount)
}

// PowBlock is the spec's PowBlock (bellatrix fork choice).
type PowBlock struct {
	BlockHash       primitives.Hash32
	ParentHash      primitives.Hash32
	TotalDifficulty *uint256.Int
}

// PowBlockSize is the length of an encoded PowBlock.
const PowBlockSize = 32 + 32 + 32

func (p *PowBlock) SizeSSZ(*ssz.Sizer) uint32 { return PowBlockSize }

func (p *PowBlock) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &p.BlockHash)
	ssz.DefineStaticBytes(c, &p.ParentHash)
	ssz.DefineUint256(c, &p.TotalDifficulty)
}

// HistoricalBatch is the spec's HistoricalBatch (phase0); since Capella only its two roots are kept, as a
// HistoricalSummary.
type HistoricalBatch struct {
	BlockRoots [params.SlotsPerHistoricalRoot]primitives.Root
	StateRoots [params.SlotsPerHistoricalRoot]primitives.Root
}

// HistoricalBatchSize is the length of an encoded HistoricalBatch.
const HistoricalBatchSize = 2 * params.SlotsPerHistoricalRoot * 32

func (h *HistoricalBatch) SizeSSZ(*ssz.Sizer) uint32 { return HistoricalBatchSize }

func (h *HistoricalBatch) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUnsafeArrayOfStaticBytes(c, h.BlockRoots[:])
	ssz.DefineUnsafeArrayOfStaticBytes(c, h.StateRoots[:])
}

// HistoricalSummary is the spec's HistoricalSummary (capella).
type HistoricalSummary struct {
	BlockSummaryRoot primitives.Root
	StateSummaryRoot primitives.Root
}

// HistoricalSummarySize is the length of an encoded HistoricalSummary.
const HistoricalSummarySize = 32 + 32

func (h *HistoricalSummary) SizeSSZ(*ssz.Sizer) uint32 { return HistoricalSummarySize }

func (h *HistoricalSummary) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &h.BlockSummaryRoot)
	ssz.DefineStaticBytes(c, &h.StateSummaryRoot)
}
