// Package primitives holds the consensus spec's custom scalar and byte types. It sits below params and types so
// that both can speak in Slot, Epoch and Gwei without an import cycle.
package primitives

type (
	Slot              uint64
	Epoch             uint64
	CommitteeIndex    uint64
	ValidatorIndex    uint64
	Gwei              uint64
	WithdrawalIndex   uint64
	BlobIndex         uint64
	ColumnIndex       uint64
	CustodyIndex      uint64
	RowIndex          uint64
	ParticipationFlag uint8

	Root             [32]byte
	Hash32           [32]byte
	Bytes32          [32]byte
	Version          [4]byte
	DomainType       [4]byte
	ForkDigest       [4]byte
	Domain           [32]byte
	BLSPubkey        [48]byte
	BLSSignature     [96]byte
	ExecutionAddress [20]byte
	KZGCommitment    [48]byte
	KZGProof         [48]byte
)

// FarFutureEpoch is the spec's FAR_FUTURE_EPOCH: an epoch that never comes.
const FarFutureEpoch = Epoch(1<<64 - 1)
