package engineapi

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/holiman/uint256"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/types"
)

// The mock execution engine: what `salamander dev` runs instead of an execution client. It keeps a chain of
// well-formed, empty execution blocks in memory, builds a payload for every forkchoiceUpdated that carries
// attributes, and judges newPayload by its own rules, so that the consensus side (block production, payload
// checks, optimistic sync) runs exactly as it would against geth, without one.
//
// Its block hashes are NOT execution-layer hashes (keccak256 of an RLP header): MockBlockHash is a SHA-256 over the
// payload header's hash_tree_root and the fields a real header commits to beside the payload (the parent beacon
// block root, the EIP-7685 requests). A chain made by the mock is only ever valid to the mock.

// Defaults of MockConfig.
const (
	// DefaultMockGasLimit is the genesis block's gas limit, mainnet's since 2025.
	DefaultMockGasLimit = 60_000_000
	// mockInitialBaseFee is EIP-1559's INITIAL_BASE_FEE (1 gwei), the genesis block's base fee.
	mockInitialBaseFee = 1_000_000_000
	// mockBaseFeeChangeDenominator and mockElasticityMultiplier are EIP-1559's constants.
	mockBaseFeeChangeDenominator = 8
	mockElasticityMultiplier     = 2
	// mockPayloadBuilds bounds the payloads kept for GetPayload: a proposer asks for its payload within a slot.
	mockPayloadBuilds = 32
)

// mockExtraData marks every block the mock builds.
var mockExtraData = []byte("salamander mock engine")

// emptyTrieRoot is keccak256(rlp("")), the root of an empty Merkle-Patricia trie: the receipts root of a block
// without transactions.
var emptyTrieRoot = primitives.Bytes32{
	0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45, 0xe6, 0x92, 0xc0, 0xf8, 0x6e,
	0x5b, 0x48, 0xe0, 0x1b, 0x99, 0x6c, 0xad, 0xc0, 0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21,
}

// MockConfig shapes the mock's genesis block.
type MockConfig struct {
	// GenesisTime is the genesis block's timestamp: the beacon chain's genesis time, so that the first payload
	// (slot 1) is SECONDS_PER_SLOT later.
	GenesisTime uint64
	// GasLimit is the gas limit of the genesis block and, unchanged, of every block after it. Zero means
	// DefaultMockGasLimit.
	GasLimit uint64
}

// MockGenesisHeader returns the header of the mock chain's genesis block for cfg: number 0, no parent, no
// transactions or withdrawals, EIP-1559's initial base fee. Its BlockHash is MockBlockHash of it.
func MockGenesisHeader(cfg MockConfig) *types.ExecutionPayloadHeader {
	gasLimit := cfg.GasLimit
	if gasLimit == 0 {
		gasLimit = DefaultMockGasLimit
	}
	header := &types.ExecutionPayloadHeader{
		StateRoot:        sha256.Sum256([]byte("salamander mock genesis state")),
		ReceiptsRoot:     emptyTrieRoot,
		GasLimit:         gasLimit,
		Timestamp:        cfg.GenesisTime,
		ExtraData:        []byte{},
		BaseFeePerGas:    uint256.NewInt(mockInitialBaseFee),
		TransactionsRoot: types.TransactionsRoot(nil),
		WithdrawalsRoot:  types.WithdrawalsRoot(nil),
	}
	header.BlockHash = MockBlockHash(header, primitives.Root{}, nil)
	return header
}

// MockBlockHash is the mock's block hash of a payload with header h (its BlockHash field ignored), built on the
// beacon block parentBeaconBlockRoot and carrying the EIP-7685 executionRequests:
//
//	sha256("salamander mock execution block" || hash_tree_root(h with a zero block_hash)
//	       || parent_beacon_block_root || requests_hash)
//
// where requests_hash is EIP-7685's sha256(sha256(r_1) || ... ) over the non-empty requests. It commits to
// everything a real execution block hash commits to that the consensus layer sees, but it is not one.
func MockBlockHash(h *types.ExecutionPayloadHeader, parentBeaconBlockRoot primitives.Root, executionRequests [][]byte) primitives.Hash32 {
	header := *h
	header.BlockHash = primitives.Hash32{}
	root := types.HashTreeRoot(&header)
	requests := sha256.New()
	for _, r := range executionRequests {
		if len(r) > 1 { // EIP-7685 leaves out request types without data
			digest := sha256.Sum256(r)
			requests.Write(digest[:])
		}
	}
	hash := sha256.New()
	hash.Write([]byte("salamander mock execution block"))
	hash.Write(root[:])
	hash.Write(parentBeaconBlockRoot[:])
	hash.Write(requests.Sum(nil))
	return primitives.Hash32(hash.Sum(nil))
}

// mockBlock is what the mock remembers of a block of its chain: what a child needs from its parent.
type mockBlock struct {
	hash, parent  primitives.Hash32
	number        uint64
	timestamp     uint64
	gasLimit      uint64
	gasUsed       uint64
	baseFee       uint256.Int
	stateRoot     primitives.Bytes32
	blobGasUsed   uint64
	excessBlobGas uint64
}

func blockOfHeader(h *types.ExecutionPayloadHeader) *mockBlock {
	b := &mockBlock{hash: h.BlockHash, parent: h.ParentHash, number: h.BlockNumber, timestamp: h.Timestamp,
		gasLimit: h.GasLimit, gasUsed: h.GasUsed, stateRoot: h.StateRoot, blobGasUsed: h.BlobGasUsed,
		excessBlobGas: h.ExcessBlobGas}
	if h.BaseFeePerGas != nil {
		b.baseFee.Set(h.BaseFeePerGas)
	}
	return b
}

// MockEngine is the embedded mock execution engine. It is safe for concurrent use: block production and block
// import call it from different actors.
type MockEngine struct {
	mu        sync.Mutex
	blocks    map[primitives.Hash32]*mockBlock
	head      primitives.Hash32
	finalized primitives.Hash32
	builds    map[PayloadID]*types.ExecutionPayload
	buildIDs  []PayloadID // oldest first, for the bound
}

// NewMockEngine returns a mock engine whose chain starts at anchor: the genesis header (MockGenesisHeader, or an
// execution client's genesis block), or after a restart the latest execution payload header of the node's state.
// The anchor is trusted: its hash is not checked.
func NewMockEngine(anchor *types.ExecutionPayloadHeader) (*MockEngine, error) {
	if anchor == nil || anchor.BaseFeePerGas == nil {
		return nil, fmt.Errorf("new mock engine: %w: no anchor header", ErrInvalidForkchoiceState)
	}
	b := blockOfHeader(anchor)
	return &MockEngine{
		blocks:    map[primitives.Hash32]*mockBlock{b.hash: b},
		head:      b.hash,
		finalized: b.hash,
		builds:    make(map[PayloadID]*types.ExecutionPayload),
	}, nil
}

// AddBlock makes a block of a chain the mock did not see being built known and valid: after a restart, the mock
// learns the head of the node's chain this way before it is asked to build on it.
func (m *MockEngine) AddBlock(header *types.ExecutionPayloadHeader) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.blocks[header.BlockHash]; !ok {
		m.blocks[header.BlockHash] = blockOfHeader(header)
	}
}

// Head returns the hash of the block the last forkchoiceUpdated made the head.
func (m *MockEngine) Head() primitives.Hash32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.head
}

// NewPayload is engine_newPayloadV4: the mock checks the payload's block hash, that it carries no blob versioned
// hashes (its blocks have no transactions to carry blobs), that it extends a known block with the next number and
// a later timestamp, and remembers it. A payload whose parent it does not know is SYNCING, as an execution client
// would answer.
func (m *MockEngine) NewPayload(ctx context.Context, payload *types.ExecutionPayload, versionedHashes []primitives.Bytes32,
	parentBeaconBlockRoot primitives.Root, executionRequests [][]byte) (PayloadStatus, error) {
	if err := ctx.Err(); err != nil {
		return PayloadStatus{}, fmt.Errorf("new payload: %w", err)
	}
	if payload == nil {
		return PayloadStatus{Status: StatusInvalid, ValidationError: "no payload"}, nil
	}
	header := payload.Header()
	if hash := MockBlockHash(header, parentBeaconBlockRoot, executionRequests); hash != payload.BlockHash {
		return PayloadStatus{Status: StatusInvalidBlockHash,
			ValidationError: fmt.Sprintf("invalid block hash: have %#x, want %#x", payload.BlockHash, hash)}, nil
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.blocks[payload.BlockHash]; ok {
		return valid(payload.BlockHash), nil
	}
	parent, ok := m.blocks[payload.ParentHash]
	if !ok {
		return PayloadStatus{Status: StatusSyncing}, nil
	}
	invalid := func(format string, args ...any) PayloadStatus {
		latest := parent.hash
		return PayloadStatus{Status: StatusInvalid, LatestValidHash: &latest, ValidationError: fmt.Sprintf(format, args...)}
	}
	switch {
	case len(versionedHashes) != 0:
		return invalid("invalid versioned hashes: have %d, the block has no blob transactions", len(versionedHashes)), nil
	case payload.BlockNumber != parent.number+1:
		return invalid("invalid block number: have %d, want %d", payload.BlockNumber, parent.number+1), nil
	case payload.Timestamp <= parent.timestamp:
		return invalid("invalid timestamp: have %d, parent has %d", payload.Timestamp, parent.timestamp), nil
	case payload.GasUsed > payload.GasLimit:
		return invalid("invalid gas used: have %d, gas limit %d", payload.GasUsed, payload.GasLimit), nil
	}
	m.blocks[payload.BlockHash] = blockOfHeader(header)
	return valid(payload.BlockHash), nil
}

func valid(hash primitives.Hash32) PayloadStatus {
	return PayloadStatus{Status: StatusValid, LatestValidHash: &hash}
}

// ForkchoiceUpdated is engine_forkchoiceUpdatedV3: it moves the mock's head and, given attributes, starts building
// a payload on it. An unknown head is SYNCING (and nothing is built); an unknown safe or finalized block is
// ErrInvalidForkchoiceState. Blocks below the finalized block's number are forgotten.
func (m *MockEngine) ForkchoiceUpdated(ctx context.Context, state ForkchoiceState, attributes *PayloadAttributes) (ForkchoiceUpdatedResult, error) {
	if err := ctx.Err(); err != nil {
		return ForkchoiceUpdatedResult{}, fmt.Errorf("forkchoice updated: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	head, ok := m.blocks[state.HeadBlockHash]
	if !ok {
		return ForkchoiceUpdatedResult{PayloadStatus: PayloadStatus{Status: StatusSyncing}}, nil
	}
	for _, h := range []primitives.Hash32{state.SafeBlockHash, state.FinalizedBlockHash} {
		if h == (primitives.Hash32{}) {
			continue
		}
		if !m.isAncestor(h, head) {
			return ForkchoiceUpdatedResult{}, fmt.Errorf("forkchoice updated: %w: %#x is not a known ancestor of head %#x",
				ErrInvalidForkchoiceState, h, head.hash)
		}
	}
	var id *PayloadID
	if attributes != nil {
		payload, err := buildPayload(head, attributes)
		if err != nil {
			return ForkchoiceUpdatedResult{}, fmt.Errorf("forkchoice updated: %w", err)
		}
		built := mockPayloadID(head.hash, attributes)
		m.remember(built, payload)
		id = &built
	}
	m.head = head.hash
	if state.FinalizedBlockHash != (primitives.Hash32{}) && state.FinalizedBlockHash != m.finalized {
		m.finalized = state.FinalizedBlockHash
		m.prune(m.blocks[m.finalized].number)
	}
	return ForkchoiceUpdatedResult{PayloadStatus: valid(head.hash), PayloadID: id}, nil
}

// GetPayload is engine_getPayloadV5: the payload built under id, with no blobs, no execution requests and a block
// value of zero (its blocks carry no transactions, hence no fees). The payload is the caller's to keep.
func (m *MockEngine) GetPayload(ctx context.Context, id PayloadID) (*GetPayloadResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get payload: %w", err)
	}
	m.mu.Lock()
	payload, ok := m.builds[id]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("get payload %#x: %w", id, ErrUnknownPayload)
	}
	return &GetPayloadResponse{
		ExecutionPayload:  copyPayload(payload),
		BlockValue:        uint256.NewInt(0),
		BlobsBundle:       &BlobsBundle{},
		ExecutionRequests: [][]byte{},
	}, nil
}

// VerifyAndNotifyNewPayload makes the mock the ExecutionEngine of block processing (transition/block): VALID is
// valid, INVALID and INVALID_BLOCK_HASH invalid, and SYNCING or ACCEPTED an error that says the payload could not
// be judged.
func (m *MockEngine) VerifyAndNotifyNewPayload(ctx context.Context, request *block.NewPayloadRequest) (bool, error) {
	requests, err := block.GetExecutionRequestsList(request.ExecutionRequests)
	if err != nil {
		return false, fmt.Errorf("mock engine: encode execution requests: %w", err)
	}
	status, err := m.NewPayload(ctx, request.ExecutionPayload, request.VersionedHashes, request.ParentBeaconBlockRoot, requests)
	if err != nil {
		return false, err
	}
	switch status.Status {
	case StatusValid:
		return true, nil
	case StatusInvalid, StatusInvalidBlockHash:
		return false, nil
	}
	return false, fmt.Errorf("mock engine: payload %#x is %s", request.ExecutionPayload.BlockHash, status.Status)
}

// isAncestor reports whether the block hash is head or one of its known ancestors. Walking is bounded by the
// pruning at finality.
func (m *MockEngine) isAncestor(hash primitives.Hash32, head *mockBlock) bool {
	for b := head; b != nil; b = m.blocks[b.parent] {
		if b.hash == hash {
			return true
		}
		if b.number == 0 {
			return false
		}
	}
	return false
}

// prune forgets blocks below the finalized number: nothing can build on them any more.
func (m *MockEngine) prune(finalizedNumber uint64) {
	for hash, b := range m.blocks {
		if b.number < finalizedNumber {
			delete(m.blocks, hash)
		}
	}
}

func (m *MockEngine) remember(id PayloadID, payload *types.ExecutionPayload) {
	if _, ok := m.builds[id]; !ok {
		m.buildIDs = append(m.buildIDs, id)
	}
	m.builds[id] = payload
	for len(m.buildIDs) > mockPayloadBuilds {
		delete(m.builds, m.buildIDs[0])
		m.buildIDs = m.buildIDs[1:]
	}
}

// buildPayload is the payload the mock builds on parent for attributes: no transactions, the attributes'
// withdrawals, the parent's gas limit, EIP-1559's next base fee, and a state root that moves with the withdrawals.
func buildPayload(parent *mockBlock, attributes *PayloadAttributes) (*types.ExecutionPayload, error) {
	if attributes.Timestamp <= parent.timestamp {
		return nil, fmt.Errorf("%w: timestamp %d is not after the head's %d", ErrInvalidPayloadAttributes,
			attributes.Timestamp, parent.timestamp)
	}
	if len(attributes.Withdrawals) > params.MaxWithdrawalsPerPayload {
		return nil, fmt.Errorf("%w: %d withdrawals, at most %d", ErrInvalidPayloadAttributes,
			len(attributes.Withdrawals), params.MaxWithdrawalsPerPayload)
	}
	withdrawals := make([]*types.Withdrawal, len(attributes.Withdrawals))
	for i, w := range attributes.Withdrawals {
		if w == nil {
			return nil, fmt.Errorf("%w: withdrawal %d is missing", ErrInvalidPayloadAttributes, i)
		}
		copied := *w
		withdrawals[i] = &copied
	}
	withdrawalsRoot := types.WithdrawalsRoot(withdrawals)
	payload := &types.ExecutionPayload{
		ParentHash:    parent.hash,
		FeeRecipient:  attributes.SuggestedFeeRecipient,
		StateRoot:     sha256.Sum256(append(parent.stateRoot[:], withdrawalsRoot[:]...)),
		ReceiptsRoot:  emptyTrieRoot,
		PrevRandao:    attributes.PrevRandao,
		BlockNumber:   parent.number + 1,
		GasLimit:      parent.gasLimit,
		Timestamp:     attributes.Timestamp,
		ExtraData:     append([]byte{}, mockExtraData...),
		BaseFeePerGas: nextBaseFee(parent),
		Transactions:  [][]byte{},
		Withdrawals:   withdrawals,
		ExcessBlobGas: nextExcessBlobGas(parent),
	}
	payload.BlockHash = MockBlockHash(payload.Header(), attributes.ParentBeaconBlockRoot, nil)
	return payload, nil
}

// nextBaseFee is EIP-1559's base fee of parent's child. The mock's blocks use no gas, so it falls by an eighth a
// block until the integer arithmetic keeps it at 7 wei.
func nextBaseFee(parent *mockBlock) *uint256.Int {
	fee := new(uint256.Int).Set(&parent.baseFee)
	target := parent.gasLimit / mockElasticityMultiplier
	if target == 0 || parent.gasUsed == target {
		return fee
	}
	delta := new(uint256.Int)
	if parent.gasUsed > target {
		delta.Mul(&parent.baseFee, uint256.NewInt(parent.gasUsed-target))
		delta.Div(delta, uint256.NewInt(target))
		delta.Div(delta, uint256.NewInt(mockBaseFeeChangeDenominator))
		return fee.Add(fee, uint256.NewInt(max(delta.Uint64(), 1)))
	}
	delta.Mul(&parent.baseFee, uint256.NewInt(target-parent.gasUsed))
	delta.Div(delta, uint256.NewInt(target))
	delta.Div(delta, uint256.NewInt(mockBaseFeeChangeDenominator))
	return fee.Sub(fee, delta)
}

// mockTargetBlobGas is the blob gas target above which EIP-4844's excess grows; the mock's blocks carry no blobs,
// so the excess only ever falls to zero.
const mockTargetBlobGas = 6 * 131072

// nextExcessBlobGas is EIP-4844's calc_excess_blob_gas of parent's child.
func nextExcessBlobGas(parent *mockBlock) uint64 {
	if parent.excessBlobGas+parent.blobGasUsed < mockTargetBlobGas {
		return 0
	}
	return parent.excessBlobGas + parent.blobGasUsed - mockTargetBlobGas
}

// mockPayloadID derives the build's id from what it is built on and of, so that asking twice for the same build
// gives the same id, as execution clients do.
func mockPayloadID(head primitives.Hash32, a *PayloadAttributes) PayloadID {
	h := sha256.New()
	h.Write(head[:])
	h.Write(binary.LittleEndian.AppendUint64(nil, a.Timestamp))
	h.Write(a.PrevRandao[:])
	h.Write(a.SuggestedFeeRecipient[:])
	withdrawalsRoot := types.WithdrawalsRoot(a.Withdrawals)
	h.Write(withdrawalsRoot[:])
	h.Write(a.ParentBeaconBlockRoot[:])
	return PayloadID(h.Sum(nil)[:8])
}

// copyPayload returns a copy of p that shares no memory with it.
func copyPayload(p *types.ExecutionPayload) *types.ExecutionPayload {
	c := *p
	c.ExtraData = append([]byte{}, p.ExtraData...)
	if p.BaseFeePerGas != nil {
		c.BaseFeePerGas = new(uint256.Int).Set(p.BaseFeePerGas)
	}
	c.Transactions = make([][]byte, len(p.Transactions))
	for i, tx := range p.Transactions {
		c.Transactions[i] = append([]byte{}, tx...)
	}
	c.Withdrawals = make([]*types.Withdrawal, len(p.Withdrawals))
	for i, w := range p.Withdrawals {
		copied := *w
		c.Withdrawals[i] = &copied
	}
	return &c
}
