package types

import (
	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/primitives"
)

// ProposerSlashing is the spec's ProposerSlashing (phase0).
type ProposerSlashing struct {
	SignedHeader1 *SignedBeaconBlockHeader
	SignedHeader2 *SignedBeaconBlockHeader
}

// ProposerSlashingSize is the length of an encoded ProposerSlashing.
const ProposerSlashingSize = 2 * SignedBeaconBlockHeaderSize

func (p *ProposerSlashing) SizeSSZ(*ssz.Sizer) uint32 { return ProposerSlashingSize }

func (p *ProposerSlashing) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticObject(c, &p.SignedHeader1)
	ssz.DefineStaticObject(c, &p.SignedHeader2)
}

// AttesterSlashing is the spec's AttesterSlashing (electra, EIP-7549).
type AttesterSlashing struct {
	Attestation1 *IndexedAttestation
	Attestation2 *IndexedAttestation
}

const attesterSlashingFixedSize = 4 + 4

func (a *AttesterSlashing) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return attesterSlashingFixedSize
	}
	return attesterSlashingFixedSize + ssz.SizeDynamicObject(s, a.Attestation1) + ssz.SizeDynamicObject(s, a.Attestation2)
}

func (a *AttesterSlashing) DefineSSZ(c *ssz.Codec) {
	ssz.DefineDynamicObjectOffset(c, &a.Attestation1)
	ssz.DefineDynamicObjectOffset(c, &a.Attestation2)

	ssz.DefineDynamicObjectContent(c, &a.Attestation1)
	ssz.DefineDynamicObjectContent(c, &a.Attestation2)
}

// DepositMessage is the spec's DepositMessage (phase0): what a deposit signature signs.
type DepositMessage struct {
	Pubkey                primitives.BLSPubkey
	WithdrawalCredentials primitives.Bytes32
	Amount                primitives.Gwei
}

// DepositMessageSize is the length of an encoded DepositMessage.
const DepositMessageSize = 48 + 32 + 8

func (d *DepositMessage) SizeSSZ(*ssz.Sizer) uint32 { return DepositMessageSize }

func (d *DepositMessage) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &d.Pubkey)
	ssz.DefineStaticBytes(c, &d.WithdrawalCredentials)
	ssz.DefineUint64(c, &d.Amount)
}

// DepositData is the spec's DepositData (phase0).
type DepositData struct {
	Pubkey                primitives.BLSPubkey
	WithdrawalCredentials primitives.Bytes32
	Amount                primitives.Gwei
	Signature             primitives.BLSSignature
}

// DepositDataSize is the length of an encoded DepositData.
const DepositDataSize = 48 + 32 + 8 + 96

func (d *DepositData) SizeSSZ(*ssz.Sizer) uint32 { return DepositDataSize }

func (d *DepositData) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &d.Pubkey)
	ssz.DefineStaticBytes(c, &d.WithdrawalCredentials)
	ssz.DefineUint64(c, &d.Amount)
	ssz.DefineStaticBytes(c, &d.Signature)
}

// Deposit is the spec's Deposit (phase0): deposit data with its Merkle proof (the branch plus the length mix-in).
type Deposit struct {
	Proof [DepositContractTreeDepth + 1]primitives.Bytes32
	Data  *DepositData
}

// DepositSize is the length of an encoded Deposit.
const DepositSize = (DepositContractTreeDepth+1)*32 + DepositDataSize

func (d *Deposit) SizeSSZ(*ssz.Sizer) uint32 { return DepositSize }

func (d *Deposit) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUnsafeArrayOfStaticBytes(c, d.Proof[:])
	ssz.DefineStaticObject(c, &d.Data)
}

// VoluntaryExit is the spec's VoluntaryExit (phase0).
type VoluntaryExit struct {
	Epoch          primitives.Epoch
	ValidatorIndex primitives.ValidatorIndex
}

// VoluntaryExitSize is the length of an encoded VoluntaryExit.
const VoluntaryExitSize = 8 + 8

func (v *VoluntaryExit) SizeSSZ(*ssz.Sizer) uint32 { return VoluntaryExitSize }

func (v *VoluntaryExit) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &v.Epoch)
	ssz.DefineUint64(c, &v.ValidatorIndex)
}

// SignedVoluntaryExit is the spec's SignedVoluntaryExit (phase0).
type SignedVoluntaryExit struct {
	Message   *VoluntaryExit
	Signature primitives.BLSSignature
}

// SignedVoluntaryExitSize is the length of an encoded SignedVoluntaryExit.
const SignedVoluntaryExitSize = VoluntaryExitSize + 96

func (v *SignedVoluntaryExit) SizeSSZ(*ssz.Sizer) uint32 { return SignedVoluntaryExitSize }

func (v *SignedVoluntaryExit) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticObject(c, &v.Message)
	ssz.DefineStaticBytes(c, &v.Signature)
}

// BLSToExecutionChange is the spec's BLSToExecutionChange (capella).
type BLSToExecutionChange struct {
	ValidatorIndex     primitives.ValidatorIndex
	FromBLSPubkey      primitives.BLSPubkey
	ToExecutionAddress primitives.ExecutionAddress
}

// BLSToExecutionChangeSize is the length of an encoded BLSToExecutionChange.
const BLSToExecutionChangeSize = 8 + 48 + 20

func (b *BLSToExecutionChange) SizeSSZ(*ssz.Sizer) uint32 { return BLSToExecutionChangeSize }

func (b *BLSToExecutionChange) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &b.ValidatorIndex)
	ssz.DefineStaticBytes(c, &b.FromBLSPubkey)
	ssz.DefineStaticBytes(c, &b.ToExecutionAddress)
}

// SignedBLSToExecutionChange is the spec's SignedBLSToExecutionChange (capella).
type SignedBLSToExecutionChange struct {
	Message   *BLSToExecutionChange
	Signature primitives.BLSSignature
}

// SignedBLSToExecutionChangeSize is the length of an encoded SignedBLSToExecutionChange.
const SignedBLSToExecutionChangeSize = BLSToExecutionChangeSize + 96

func (b *SignedBLSToExecutionChange) SizeSSZ(*ssz.Sizer) uint32 {
	return SignedBLSToExecutionChangeSize
}

func (b *SignedBLSToExecutionChange) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticObject(c, &b.Message)
	ssz.DefineStaticBytes(c, &b.Signature)
}
