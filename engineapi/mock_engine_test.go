package engineapi

import (
	"context"
	"errors"
	"testing"

	"github.com/holiman/uint256"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/types"
)

const mockGenesisTime = 1_700_000_000

func newMock(t *testing.T) (*MockEngine, *types.ExecutionPayloadHeader) {
	t.Helper()
	genesis := MockGenesisHeader(MockConfig{GenesisTime: mockGenesisTime})
	m, err := NewMockEngine(genesis)
	if err != nil {
		t.Fatal(err)
	}
	return m, genesis
}

func attributesAt(slot uint64, withdrawals []*types.Withdrawal) *PayloadAttributes {
	return &PayloadAttributes{
		Timestamp:             mockGenesisTime + 6*slot,
		PrevRandao:            primitives.Bytes32{byte(slot), 0xaa},
		SuggestedFeeRecipient: primitives.ExecutionAddress{0xfe, byte(slot)},
		Withdrawals:           withdrawals,
		ParentBeaconBlockRoot: primitives.Root{0xbb, byte(slot)},
	}
}

// build asks the mock for a payload on head and returns it.
func build(t *testing.T, m *MockEngine, head primitives.Hash32, attrs *PayloadAttributes) *types.ExecutionPayload {
	t.Helper()
	ctx := context.Background()
	res, err := m.ForkchoiceUpdated(ctx, ForkchoiceState{HeadBlockHash: head}, attrs)
	if err != nil {
		t.Fatalf("forkchoice updated: %v", err)
	}
	if res.PayloadStatus.Status != StatusValid || res.PayloadID == nil || *res.PayloadStatus.LatestValidHash != head {
		t.Fatalf("forkchoice updated: %+v", res)
	}
	got, err := m.GetPayload(ctx, *res.PayloadID)
	if err != nil {
		t.Fatalf("get payload: %v", err)
	}
	if got.BlockValue.Sign() != 0 || len(got.ExecutionRequests) != 0 || len(got.BlobsBundle.Commitments) != 0 {
		t.Fatalf("get payload: %+v", got)
	}
	return got.ExecutionPayload
}

func TestGenesisHeader(t *testing.T) {
	genesis := MockGenesisHeader(MockConfig{GenesisTime: mockGenesisTime})
	if genesis.BlockNumber != 0 || genesis.ParentHash != (primitives.Hash32{}) || genesis.Timestamp != mockGenesisTime ||
		genesis.GasLimit != DefaultMockGasLimit || genesis.BaseFeePerGas.Uint64() != mockInitialBaseFee {
		t.Fatalf("genesis header %+v", genesis)
	}
	if genesis.BlockHash != MockBlockHash(genesis, primitives.Root{}, nil) {
		t.Fatal("the genesis block hash is not its MockBlockHash")
	}
	if genesis.TransactionsRoot != types.TransactionsRoot(nil) || genesis.WithdrawalsRoot != types.WithdrawalsRoot(nil) {
		t.Fatal("the genesis block's lists are not empty")
	}
	if other := MockGenesisHeader(MockConfig{GenesisTime: mockGenesisTime + 1}); other.BlockHash == genesis.BlockHash {
		t.Fatal("another genesis time gives the same genesis block")
	}
	if _, err := types.Marshal(genesis); err != nil {
		t.Fatal(err)
	}
}

func TestMockBuildsAChain(t *testing.T) {
	m, genesis := newMock(t)
	ctx := context.Background()
	parent := genesis
	fee := genesis.BaseFeePerGas.Uint64()
	for slot := uint64(1); slot <= 160; slot++ {
		var withdrawals []*types.Withdrawal
		if slot%2 == 0 {
			withdrawals = []*types.Withdrawal{{Index: primitives.WithdrawalIndex(slot), ValidatorIndex: 3,
				Address: primitives.ExecutionAddress{3}, Amount: 1234}}
		}
		attrs := attributesAt(slot, withdrawals)
		payload := build(t, m, parent.BlockHash, attrs)

		switch {
		case payload.ParentHash != parent.BlockHash:
			t.Fatalf("slot %d: parent %#x, want %#x", slot, payload.ParentHash, parent.BlockHash)
		case payload.BlockNumber != parent.BlockNumber+1:
			t.Fatalf("slot %d: number %d", slot, payload.BlockNumber)
		case payload.Timestamp != attrs.Timestamp || payload.PrevRandao != attrs.PrevRandao || payload.FeeRecipient != attrs.SuggestedFeeRecipient:
			t.Fatalf("slot %d: payload does not follow its attributes: %+v", slot, payload)
		case types.WithdrawalsRoot(payload.Withdrawals) != types.WithdrawalsRoot(withdrawals):
			t.Fatalf("slot %d: withdrawals %v", slot, payload.Withdrawals)
		case len(payload.Transactions) != 0 || payload.GasUsed != 0 || payload.GasLimit != parent.GasLimit:
			t.Fatalf("slot %d: payload %+v", slot, payload)
		case payload.BlockHash != MockBlockHash(payload.Header(), attrs.ParentBeaconBlockRoot, nil):
			t.Fatalf("slot %d: block hash is not the mock's hash", slot)
		}
		// EIP-1559 without gas used: an eighth less each block, down to 7 wei.
		if want := max(fee-fee/8, 7); fee > 7 && payload.BaseFeePerGas.Uint64() != want {
			t.Fatalf("slot %d: base fee %d, want %d", slot, payload.BaseFeePerGas.Uint64(), want)
		}
		fee = payload.BaseFeePerGas.Uint64()
		if _, err := types.Marshal(payload); err != nil {
			t.Fatalf("slot %d: %v", slot, err)
		}

		status, err := m.NewPayload(ctx, payload, nil, attrs.ParentBeaconBlockRoot, nil)
		if err != nil || status.Status != StatusValid || *status.LatestValidHash != payload.BlockHash {
			t.Fatalf("slot %d: new payload %+v %v", slot, status, err)
		}
		// Asking again is answered the same.
		if status, _ := m.NewPayload(ctx, payload, nil, attrs.ParentBeaconBlockRoot, nil); status.Status != StatusValid {
			t.Fatalf("slot %d: second new payload %+v", slot, status)
		}
		parent = payload.Header()
	}
	if fee != 7 {
		t.Fatalf("base fee after 160 empty blocks %d, want 7", fee)
	}
}

func TestPayloadIDIsDeterministic(t *testing.T) {
	m, genesis := newMock(t)
	ctx := context.Background()
	first, err := m.ForkchoiceUpdated(ctx, ForkchoiceState{HeadBlockHash: genesis.BlockHash}, attributesAt(1, nil))
	if err != nil {
		t.Fatal(err)
	}
	second, err := m.ForkchoiceUpdated(ctx, ForkchoiceState{HeadBlockHash: genesis.BlockHash}, attributesAt(1, nil))
	if err != nil {
		t.Fatal(err)
	}
	other, err := m.ForkchoiceUpdated(ctx, ForkchoiceState{HeadBlockHash: genesis.BlockHash}, attributesAt(2, nil))
	if err != nil {
		t.Fatal(err)
	}
	if *first.PayloadID != *second.PayloadID || *first.PayloadID == *other.PayloadID {
		t.Fatalf("payload ids %x %x %x", *first.PayloadID, *second.PayloadID, *other.PayloadID)
	}
	// Without attributes nothing is built.
	res, err := m.ForkchoiceUpdated(ctx, ForkchoiceState{HeadBlockHash: genesis.BlockHash}, nil)
	if err != nil || res.PayloadID != nil || res.PayloadStatus.Status != StatusValid {
		t.Fatalf("forkchoice updated without attributes: %+v %v", res, err)
	}
}

func TestNewPayloadJudgesPayloads(t *testing.T) {
	m, genesis := newMock(t)
	ctx := context.Background()
	attrs := attributesAt(1, nil)
	good := build(t, m, genesis.BlockHash, attrs)

	// rehash makes a payload's hash consistent after a change, so that the check after the hash is reached.
	rehash := func(p *types.ExecutionPayload) *types.ExecutionPayload {
		p.BlockHash = MockBlockHash(p.Header(), attrs.ParentBeaconBlockRoot, nil)
		return p
	}
	for _, c := range []struct {
		name            string
		payload         *types.ExecutionPayload
		versionedHashes []primitives.Bytes32
		want            PayloadStatusKind
	}{
		{"a changed field", func() *types.ExecutionPayload { p := copyPayload(good); p.GasUsed = 1; return p }(), nil, StatusInvalidBlockHash},
		{"another parent beacon block", func() *types.ExecutionPayload {
			p := copyPayload(good)
			p.BlockHash = MockBlockHash(p.Header(), primitives.Root{9}, nil)
			return p
		}(), nil, StatusInvalidBlockHash},
		{"an unknown parent", rehash(func() *types.ExecutionPayload { p := copyPayload(good); p.ParentHash = primitives.Hash32{7}; return p }()), nil, StatusSyncing},
		{"blob versioned hashes", good, []primitives.Bytes32{{1}}, StatusInvalid},
		{"a skipped number", rehash(func() *types.ExecutionPayload { p := copyPayload(good); p.BlockNumber = 2; return p }()), nil, StatusInvalid},
		{"a timestamp not after the parent's", rehash(func() *types.ExecutionPayload { p := copyPayload(good); p.Timestamp = genesis.Timestamp; return p }()), nil, StatusInvalid},
		{"more gas used than the limit", rehash(func() *types.ExecutionPayload { p := copyPayload(good); p.GasUsed = p.GasLimit + 1; return p }()), nil, StatusInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, err := m.NewPayload(ctx, c.payload, c.versionedHashes, attrs.ParentBeaconBlockRoot, nil)
			if err != nil || status.Status != c.want {
				t.Fatalf("status %+v %v, want %s", status, err, c.want)
			}
			if c.want == StatusInvalid && (status.LatestValidHash == nil || *status.LatestValidHash != genesis.BlockHash || status.ValidationError == "") {
				t.Fatalf("an invalid payload's status %+v should name its valid parent and the reason", status)
			}
		})
	}
	if status, err := m.NewPayload(ctx, nil, nil, primitives.Root{}, nil); err != nil || status.Status != StatusInvalid {
		t.Fatalf("no payload: %+v %v", status, err)
	}
}

func TestForkchoiceUpdatedErrors(t *testing.T) {
	m, genesis := newMock(t)
	ctx := context.Background()
	res, err := m.ForkchoiceUpdated(ctx, ForkchoiceState{HeadBlockHash: primitives.Hash32{1}}, attributesAt(1, nil))
	if err != nil || res.PayloadStatus.Status != StatusSyncing || res.PayloadID != nil {
		t.Fatalf("unknown head: %+v %v", res, err)
	}
	if _, err := m.ForkchoiceUpdated(ctx, ForkchoiceState{HeadBlockHash: genesis.BlockHash, FinalizedBlockHash: primitives.Hash32{2}}, nil); !errors.Is(err, ErrInvalidForkchoiceState) {
		t.Fatalf("unknown finalized block: %v", err)
	}
	stale := attributesAt(0, nil)
	if _, err := m.ForkchoiceUpdated(ctx, ForkchoiceState{HeadBlockHash: genesis.BlockHash}, stale); !errors.Is(err, ErrInvalidPayloadAttributes) {
		t.Fatalf("a timestamp not after the head's: %v", err)
	}
	tooMany := attributesAt(1, make([]*types.Withdrawal, 100_000))
	if _, err := m.ForkchoiceUpdated(ctx, ForkchoiceState{HeadBlockHash: genesis.BlockHash}, tooMany); !errors.Is(err, ErrInvalidPayloadAttributes) {
		t.Fatalf("too many withdrawals: %v", err)
	}
	if _, err := m.GetPayload(ctx, PayloadID{1}); !errors.Is(err, ErrUnknownPayload) {
		t.Fatalf("unknown payload id: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := m.ForkchoiceUpdated(cancelled, ForkchoiceState{HeadBlockHash: genesis.BlockHash}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled context: %v", err)
	}
	if _, err := NewMockEngine(nil); err == nil {
		t.Fatal("a mock without an anchor")
	}
}

func TestFinalityForgetsOldBlocks(t *testing.T) {
	m, genesis := newMock(t)
	ctx := context.Background()
	var chain []*types.ExecutionPayload
	parent := genesis.BlockHash
	for slot := uint64(1); slot <= 4; slot++ {
		attrs := attributesAt(slot, nil)
		p := build(t, m, parent, attrs)
		if status, err := m.NewPayload(ctx, p, nil, attrs.ParentBeaconBlockRoot, nil); err != nil || status.Status != StatusValid {
			t.Fatal(status, err)
		}
		chain = append(chain, p)
		parent = p.BlockHash
	}
	// A sibling of block 2, on block 1.
	attrs := attributesAt(9, nil)
	sibling := build(t, m, chain[0].BlockHash, attrs)

	res, err := m.ForkchoiceUpdated(ctx, ForkchoiceState{HeadBlockHash: chain[3].BlockHash, SafeBlockHash: chain[2].BlockHash,
		FinalizedBlockHash: chain[2].BlockHash}, nil)
	if err != nil || res.PayloadStatus.Status != StatusValid {
		t.Fatalf("forkchoice updated: %+v %v", res, err)
	}
	if m.Head() != chain[3].BlockHash {
		t.Fatal("head did not move")
	}
	// Block 1 is forgotten: its child is now of an unknown parent.
	if status, _ := m.NewPayload(ctx, sibling, nil, attrs.ParentBeaconBlockRoot, nil); status.Status != StatusSyncing {
		t.Fatalf("a payload on a block below finality: %+v", status)
	}
	// A block that is not an ancestor of the head cannot be finalized.
	if _, err := m.ForkchoiceUpdated(ctx, ForkchoiceState{HeadBlockHash: chain[2].BlockHash, FinalizedBlockHash: chain[3].BlockHash}, nil); !errors.Is(err, ErrInvalidForkchoiceState) {
		t.Fatalf("finalizing a descendant of the head: %v", err)
	}
}

func TestAddBlockResumesAChain(t *testing.T) {
	_, genesis := newMock(t)
	builder, _ := newMock(t)
	attrs := attributesAt(1, nil)
	first := build(t, builder, genesis.BlockHash, attrs)

	// A fresh mock anchored at genesis, told of block 1 as a restarted node would, builds on it.
	m, err := NewMockEngine(genesis)
	if err != nil {
		t.Fatal(err)
	}
	m.AddBlock(first.Header())
	second := build(t, m, first.BlockHash, attributesAt(2, nil))
	if second.BlockNumber != 2 || second.ParentHash != first.BlockHash {
		t.Fatalf("payload on a resumed chain: %+v", second)
	}
}

func TestVerifyAndNotifyNewPayload(t *testing.T) {
	m, genesis := newMock(t)
	ctx := context.Background()
	attrs := attributesAt(1, nil)
	payload := build(t, m, genesis.BlockHash, attrs)
	request := &block.NewPayloadRequest{ExecutionPayload: payload, ParentBeaconBlockRoot: attrs.ParentBeaconBlockRoot,
		ExecutionRequests: &types.ExecutionRequests{}}
	if ok, err := m.VerifyAndNotifyNewPayload(ctx, request); !ok || err != nil {
		t.Fatalf("a good payload: %v %v", ok, err)
	}
	bad := copyPayload(payload)
	bad.BaseFeePerGas = uint256.NewInt(1)
	request.ExecutionPayload = bad
	if ok, err := m.VerifyAndNotifyNewPayload(ctx, request); ok || err != nil {
		t.Fatalf("a tampered payload: %v %v", ok, err)
	}
	orphan := copyPayload(payload)
	orphan.ParentHash = primitives.Hash32{5}
	orphan.BlockHash = MockBlockHash(orphan.Header(), attrs.ParentBeaconBlockRoot, nil)
	request.ExecutionPayload = orphan
	if _, err := m.VerifyAndNotifyNewPayload(ctx, request); err == nil {
		t.Fatal("a payload the mock cannot judge must be an error, not a verdict")
	}
}
