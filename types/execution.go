package types

import (
	"github.com/holiman/uint256"
	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
)

// ExecutionPayload is the spec's ExecutionPayload (deneb; unchanged through Fulu).
type ExecutionPayload struct {
	ParentHash    primitives.Hash32
	FeeRecipient  primitives.ExecutionAddress
	StateRoot     primitives.Bytes32
	ReceiptsRoot  primitives.Bytes32
	LogsBloom     [BytesPerLogsBloom]byte
	PrevRandao    primitives.Bytes32
	BlockNumber   uint64
	GasLimit      uint64
	GasUsed       uint64
	Timestamp     uint64
	ExtraData     []byte // ByteList[MAX_EXTRA_DATA_BYTES]
	BaseFeePerGas *uint256.Int
	BlockHash     primitives.Hash32
	Transactions  [][]byte      // List[Transaction, MAX_TRANSACTIONS_PER_PAYLOAD], Transaction = ByteList[MAX_BYTES_PER_TRANSACTION]
	Withdrawals   []*Withdrawal // List[Withdrawal, MAX_WITHDRAWALS_PER_PAYLOAD]
	BlobGasUsed   uint64
	ExcessBlobGas uint64
}

const executionPayloadFixedSize = 32 + 20 + 32 + 32 + BytesPerLogsBloom + 32 + 8 + 8 + 8 + 8 + 4 + 32 + 32 + 4 + 4 + 8 + 8

func (p *ExecutionPayload) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return executionPayloadFixedSize
	}
	return executionPayloadFixedSize +
		ssz.SizeDynamicBytes(s, p.ExtraData) +
		ssz.SizeSliceOfDynamicBytes(s, p.Transactions) +
		ssz.SizeSliceOfStaticObjects(s, p.Withdrawals)
}

func (p *ExecutionPayload) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &p.ParentHash)
	ssz.DefineStaticBytes(c, &p.FeeRecipient)
	ssz.DefineStaticBytes(c, &p.StateRoot)
	ssz.DefineStaticBytes(c, &p.ReceiptsRoot)
	ssz.DefineStaticBytes(c, &p.LogsBloom)
	ssz.DefineStaticBytes(c, &p.PrevRandao)
	ssz.DefineUint64(c, &p.BlockNumber)
	ssz.DefineUint64(c, &p.GasLimit)
	ssz.DefineUint64(c, &p.GasUsed)
	ssz.DefineUint64(c, &p.Timestamp)
	ssz.DefineDynamicBytesOffset(c, &p.ExtraData, params.MaxExtraDataBytes)
	ssz.DefineUint256(c, &p.BaseFeePerGas)
	ssz.DefineStaticBytes(c, &p.BlockHash)
	ssz.DefineSliceOfDynamicBytesOffset(c, &p.Transactions, params.MaxTransactionsPerPayload, params.MaxBytesPerTransaction)
	ssz.DefineSliceOfStaticObjectsOffset(c, &p.Withdrawals, params.MaxWithdrawalsPerPayload)
	ssz.DefineUint64(c, &p.BlobGasUsed)
	ssz.DefineUint64(c, &p.ExcessBlobGas)

	ssz.DefineDynamicBytesContent(c, &p.ExtraData, params.MaxExtraDataBytes)
	ssz.DefineSliceOfDynamicBytesContent(c, &p.Transactions, params.MaxTransactionsPerPayload, params.MaxBytesPerTransaction)
	ssz.DefineSliceOfStaticObjectsContent(c, &p.Withdrawals, params.MaxWithdrawalsPerPayload)
}

// ExecutionPayloadHeader is the spec's ExecutionPayloadHeader (deneb; unchanged through Fulu).
type ExecutionPayloadHeader struct {
	ParentHash       primitives.Hash32
	FeeRecipient     primitives.ExecutionAddress
	StateRoot        primitives.Bytes32
	ReceiptsRoot     primitives.Bytes32
	LogsBloom        [BytesPerLogsBloom]byte
	PrevRandao       primitives.Bytes32
	BlockNumber      uint64
	GasLimit         uint64
	GasUsed          uint64
	Timestamp        uint64
	ExtraData        []byte // ByteList[MAX_EXTRA_DATA_BYTES]
	BaseFeePerGas    *uint256.Int
	BlockHash        primitives.Hash32
	TransactionsRoot primitives.Root
	WithdrawalsRoot  primitives.Root
	BlobGasUsed      uint64
	ExcessBlobGas    uint64
}

const executionPayloadHeaderFixedSize = 32 + 20 + 32 + 32 + BytesPerLogsBloom + 32 + 8 + 8 + 8 + 8 + 4 + 32 + 32 + 32 + 32 + 8 + 8

func (h *ExecutionPayloadHeader) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return executionPayloadHeaderFixedSize
	}
	return executionPayloadHeaderFixedSize + ssz.SizeDynamicBytes(s, h.ExtraData)
}

func (h *ExecutionPayloadHeader) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &h.ParentHash)
	ssz.DefineStaticBytes(c, &h.FeeRecipient)
	ssz.DefineStaticBytes(c, &h.StateRoot)
	ssz.DefineStaticBytes(c, &h.ReceiptsRoot)
	ssz.DefineStaticBytes(c, &h.LogsBloom)
	ssz.DefineStaticBytes(c, &h.PrevRandao)
	ssz.DefineUint64(c, &h.BlockNumber)
	ssz.DefineUint64(c, &h.GasLimit)
	ssz.DefineUint64(c, &h.GasUsed)
	ssz.DefineUint64(c, &h.Timestamp)
	ssz.DefineDynamicBytesOffset(c, &h.ExtraData, params.MaxExtraDataBytes)
	ssz.DefineUint256(c, &h.BaseFeePerGas)
	ssz.DefineStaticBytes(c, &h.BlockHash)
	ssz.DefineStaticBytes(c, &h.TransactionsRoot)
	ssz.DefineStaticBytes(c, &h.WithdrawalsRoot)
	ssz.DefineUint64(c, &h.BlobGasUsed)
	ssz.DefineUint64(c, &h.ExcessBlobGas)

	ssz.DefineDynamicBytesContent(c, &h.ExtraData, params.MaxExtraDataBytes)
}

// Withdrawal is the spec's Withdrawal (capella).
type Withdrawal struct {
	Index          primitives.WithdrawalIndex
	ValidatorIndex primitives.ValidatorIndex
	Address        primitives.ExecutionAddress
	Amount         primitives.Gwei
}

// WithdrawalSize is the length of an encoded Withdrawal.
const WithdrawalSize = 8 + 8 + 20 + 8

func (w *Withdrawal) SizeSSZ(*ssz.Sizer) uint32 { return WithdrawalSize }

func (w *Withdrawal) DefineSSZ(c *ssz.Codec) {
	ssz.DefineUint64(c, &w.Index)
	ssz.DefineUint64(c, &w.ValidatorIndex)
	ssz.DefineStaticBytes(c, &w.Address)
	ssz.DefineUint64(c, &w.Amount)
}

// DepositRequest is the spec's DepositRequest (electra, EIP-6110).
type DepositRequest struct {
	Pubkey                primitives.BLSPubkey
	WithdrawalCredentials primitives.Bytes32
	Amount                primitives.Gwei
	Signature             primitives.BLSSignature
	Index                 uint64
}

// DepositRequestSize is the length of an encoded DepositRequest.
const DepositRequestSize = 48 + 32 + 8 + 96 + 8

func (r *DepositRequest) SizeSSZ(*ssz.Sizer) uint32 { return DepositRequestSize }

func (r *DepositRequest) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &r.Pubkey)
	ssz.DefineStaticBytes(c, &r.WithdrawalCredentials)
	ssz.DefineUint64(c, &r.Amount)
	ssz.DefineStaticBytes(c, &r.Signature)
	ssz.DefineUint64(c, &r.Index)
}

// WithdrawalRequest is the spec's WithdrawalRequest (electra, EIP-7002).
type WithdrawalRequest struct {
	SourceAddress   primitives.ExecutionAddress
	ValidatorPubkey primitives.BLSPubkey
	Amount          primitives.Gwei
}

// WithdrawalRequestSize is the length of an encoded WithdrawalRequest.
const WithdrawalRequestSize = 20 + 48 + 8

func (r *WithdrawalRequest) SizeSSZ(*ssz.Sizer) uint32 { return WithdrawalRequestSize }

func (r *WithdrawalRequest) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &r.SourceAddress)
	ssz.DefineStaticBytes(c, &r.ValidatorPubkey)
	ssz.DefineUint64(c, &r.Amount)
}

// ConsolidationRequest is the spec's ConsolidationRequest (electra, EIP-7251).
type ConsolidationRequest struct {
	SourceAddress primitives.ExecutionAddress
	SourcePubkey  primitives.BLSPubkey
	TargetPubkey  primitives.BLSPubkey
}

// ConsolidationRequestSize is the length of an encoded ConsolidationRequest.
const ConsolidationRequestSize = 20 + 48 + 48

func (r *ConsolidationRequest) SizeSSZ(*ssz.Sizer) uint32 { return ConsolidationRequestSize }

func (r *ConsolidationRequest) DefineSSZ(c *ssz.Codec) {
	ssz.DefineStaticBytes(c, &r.SourceAddress)
	ssz.DefineStaticBytes(c, &r.SourcePubkey)
	ssz.DefineStaticBytes(c, &r.TargetPubkey)
}

// ExecutionRequests is the spec's ExecutionRequests (electra).
type ExecutionRequests struct {
	Deposits       []*DepositRequest       // List[DepositRequest, MAX_DEPOSIT_REQUESTS_PER_PAYLOAD]
	Withdrawals    []*WithdrawalRequest    // List[WithdrawalRequest, MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD]
	Consolidations []*ConsolidationRequest // List[ConsolidationRequest, MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD]
}

const executionRequestsFixedSize = 4 + 4 + 4

func (r *ExecutionRequests) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return executionRequestsFixedSize
	}
	return executionRequestsFixedSize +
		ssz.SizeSliceOfStaticObjects(s, r.Deposits) +
		ssz.SizeSliceOfStaticObjects(s, r.Withdrawals) +
		ssz.SizeSliceOfStaticObjects(s, r.Consolidations)
}

func (r *ExecutionRequests) DefineSSZ(c *ssz.Codec) {
	ssz.DefineSliceOfStaticObjectsOffset(c, &r.Deposits, params.MaxDepositRequestsPerPayload)
	ssz.DefineSliceOfStaticObjectsOffset(c, &r.Withdrawals, params.MaxWithdrawalRequestsPerPayload)
	ssz.DefineSliceOfStaticObjectsOffset(c, &r.Consolidations, params.MaxConsolidationRequestsPerPayload)

	ssz.DefineSliceOfStaticObjectsContent(c, &r.Deposits, params.MaxDepositRequestsPerPayload)
	ssz.DefineSliceOfStaticObjectsContent(c, &r.Withdrawals, params.MaxWithdrawalRequestsPerPayload)
	ssz.DefineSliceOfStaticObjectsContent(c, &r.Consolidations, params.MaxConsolidationRequestsPerPayload)
}

// Header returns the ExecutionPayloadHeader that process_execution_payload records for p: its fields, with the
// transactions and withdrawals replaced by their roots. The header shares no memory with p.
func (p *ExecutionPayload) Header() *ExecutionPayloadHeader {
	h := &ExecutionPayloadHeader{
		ParentHash:       p.ParentHash,
		FeeRecipient:     p.FeeRecipient,
		StateRoot:        p.StateRoot,
		ReceiptsRoot:     p.ReceiptsRoot,
		LogsBloom:        p.LogsBloom,
		PrevRandao:       p.PrevRandao,
		BlockNumber:      p.BlockNumber,
		GasLimit:         p.GasLimit,
		GasUsed:          p.GasUsed,
		Timestamp:        p.Timestamp,
		ExtraData:        append([]byte{}, p.ExtraData...),
		BlockHash:        p.BlockHash,
		TransactionsRoot: TransactionsRoot(p.Transactions),
		WithdrawalsRoot:  WithdrawalsRoot(p.Withdrawals),
		BlobGasUsed:      p.BlobGasUsed,
		ExcessBlobGas:    p.ExcessBlobGas,
	}
	if p.BaseFeePerGas != nil {
		h.BaseFeePerGas = new(uint256.Int).Set(p.BaseFeePerGas)
	}
	return h
}

// TransactionsRoot returns hash_tree_root(List[Transaction, MAX_TRANSACTIONS_PER_PAYLOAD]) of txs.
func TransactionsRoot(txs [][]byte) primitives.Root {
	return ssz.HashSequential(&transactionList{transactions: txs})
}

// WithdrawalsRoot returns hash_tree_root(List[Withdrawal, MAX_WITHDRAWALS_PER_PAYLOAD]) of withdrawals.
func WithdrawalsRoot(withdrawals []*Withdrawal) primitives.Root {
	return ssz.HashSequential(&withdrawalList{withdrawals: withdrawals})
}

// transactionList and withdrawalList exist to hash a bare list with the codec, which hashes only containers: the
// root of a container whose single field is a list is the root of that list.
type transactionList struct{ transactions [][]byte }

func (l *transactionList) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 4
	}
	return 4 + ssz.SizeSliceOfDynamicBytes(s, l.transactions)
}

func (l *transactionList) DefineSSZ(c *ssz.Codec) {
	ssz.DefineSliceOfDynamicBytesOffset(c, &l.transactions, params.MaxTransactionsPerPayload, params.MaxBytesPerTransaction)
	ssz.DefineSliceOfDynamicBytesContent(c, &l.transactions, params.MaxTransactionsPerPayload, params.MaxBytesPerTransaction)
}

type withdrawalList struct{ withdrawals []*Withdrawal }

func (l *withdrawalList) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 4
	}
	return 4 + ssz.SizeSliceOfStaticObjects(s, l.withdrawals)
}

func (l *withdrawalList) DefineSSZ(c *ssz.Codec) {
	ssz.DefineSliceOfStaticObjectsOffset(c, &l.withdrawals, params.MaxWithdrawalsPerPayload)
	ssz.DefineSliceOfStaticObjectsContent(c, &l.withdrawals, params.MaxWithdrawalsPerPayload)
}
