package block_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/block/blocktest"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/transition/helpers/helperstest"
	"github.com/salamander-client/salamander/types"
)

const testSeed = 7

// fixture is a synthetic state, a valid block for the next slot and the state at that slot (process_slots
// applied), shared by the tests, which must not modify them: they transition copies.
type fixture struct {
	env    *helpers.Env
	signed *types.SignedBeaconBlock
	pre    *types.BeaconState
}

var loadFixture = sync.OnceValues(func() (*fixture, error) {
	spec, err := helperstest.Spec()
	if err != nil {
		return nil, err
	}
	env := helpers.NewEnv(spec, helpers.NewCaches())
	state, err := blocktest.NewState(env, helperstest.Options{Validators: 2048, Epoch: helperstest.MinEpoch, Seed: testSeed})
	if err != nil {
		return nil, err
	}
	opts := blocktest.DefaultOptions(testSeed)
	opts.Transactions = 10
	signed, pre, err := blocktest.Build(env, state, opts)
	if err != nil {
		return nil, err
	}
	return &fixture{env: env, signed: signed, pre: pre}, nil
})

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f, err := loadFixture()
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return f
}

// cloneBlock returns a deep copy of the fixture's block, for a test to corrupt.
func (f *fixture) cloneBlock(t *testing.T) *types.BeaconBlock {
	t.Helper()
	raw, err := types.Marshal(f.signed.Message)
	if err != nil {
		t.Fatal(err)
	}
	blk := new(types.BeaconBlock)
	if err := types.Unmarshal(raw, blk); err != nil {
		t.Fatal(err)
	}
	return blk
}

// otherSignature is a valid signature by the wrong key over the wrong message.
func otherSignature(t *testing.T) primitives.BLSSignature {
	t.Helper()
	sig, err := blocktest.Sign(testSeed, []primitives.ValidatorIndex{3}, primitives.Root{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestProcessBlockAcceptsAValidBlock(t *testing.T) {
	f := newFixture(t)
	state := helpers.CopyState(f.pre)
	batch := block.NewSignatureBatch()
	blk := f.signed.Message
	if err := block.VerifyBlockSignature(f.env, state, f.signed, batch); err != nil {
		t.Fatalf("VerifyBlockSignature: %v", err)
	}
	if err := block.ProcessBlock(t.Context(), f.env, state, blk, block.AcceptAllEngine{}, batch); err != nil {
		t.Fatalf("ProcessBlock: %v", err)
	}
	if len(blk.Body.Attestations) != 8 {
		t.Fatalf("the fixture block has %d attestations, want 8", len(blk.Body.Attestations))
	}
	// Proposer, RANDAO, each attestation and the sync aggregate.
	if want := 3 + len(blk.Body.Attestations); batch.Len() != want {
		t.Errorf("the batch holds %d signatures, want %d", batch.Len(), want)
	}
	if err := batch.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if root, err := f.env.HashTreeRoot(state); err != nil || root != blk.StateRoot {
		t.Errorf("post-state root %#x (%v), the block says %#x", root, err, blk.StateRoot)
	}
	if state.LatestExecutionPayloadHeader.BlockHash != blk.Body.ExecutionPayload.BlockHash {
		t.Error("the payload header was not recorded")
	}
}

// TestABadSignatureIsNamed corrupts one signature of the block at a time and checks that each way of verifying
// names it: the batch when it is verified, VerifyNow at once, and that SkipSignatureChecks lets it through.
func TestABadSignatureIsNamed(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name     string
		corrupt  func(*types.BeaconBlock, primitives.BLSSignature)
		sentinel error
		mention  string
	}{
		{"randao", func(b *types.BeaconBlock, s primitives.BLSSignature) { b.Body.RandaoReveal = s }, block.ErrInvalidRandaoReveal, "RANDAO"},
		{"attestation", func(b *types.BeaconBlock, s primitives.BLSSignature) { b.Body.Attestations[2].Signature = s }, block.ErrInvalidAttestation, "attestation 2"},
		{"sync aggregate", func(b *types.BeaconBlock, s primitives.BLSSignature) { b.Body.SyncAggregate.SyncCommitteeSignature = s }, block.ErrInvalidSyncAggregate, "sync committee"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blk := f.cloneBlock(t)
			tt.corrupt(blk, otherSignature(t))
			check := func(how string, err error) {
				t.Helper()
				switch {
				case err == nil:
					t.Errorf("%s: the bad signature was accepted", how)
				case !errors.Is(err, tt.sentinel) || !errors.Is(err, helpers.ErrInvalidSignature):
					t.Errorf("%s: %v does not wrap %v and %v", how, err, tt.sentinel, helpers.ErrInvalidSignature)
				case !strings.Contains(err.Error(), tt.mention):
					t.Errorf("%s: %q does not mention %q", how, err, tt.mention)
				}
			}

			batch := block.NewSignatureBatch()
			if err := block.ProcessBlock(t.Context(), f.env, helpers.CopyState(f.pre), blk, block.AcceptAllEngine{}, batch); err != nil {
				t.Fatalf("batch: ProcessBlock: %v", err)
			}
			check("batch", batch.Verify())

			err := block.ProcessBlock(t.Context(), f.env, helpers.CopyState(f.pre), blk, block.AcceptAllEngine{}, helpers.VerifyNow{})
			check("VerifyNow", err)

			if err := block.ProcessBlock(t.Context(), f.env, helpers.CopyState(f.pre), blk, block.AcceptAllEngine{}, helpers.SkipSignatureChecks{}); err != nil {
				t.Errorf("SkipSignatureChecks: %v", err)
			}
		})
	}
}

func TestABadProposerSignatureIsNamed(t *testing.T) {
	f := newFixture(t)
	signed := &types.SignedBeaconBlock{Message: f.signed.Message, Signature: otherSignature(t)}
	batch := block.NewSignatureBatch()
	if err := block.VerifyBlockSignature(f.env, f.pre, signed, batch); err != nil {
		t.Fatal(err)
	}
	if err := batch.Verify(); !errors.Is(err, block.ErrInvalidBlockSignature) {
		t.Errorf("Verify: %v, want %v", err, block.ErrInvalidBlockSignature)
	}
	if err := block.VerifyBlockSignature(f.env, f.pre, signed, helpers.VerifyNow{}); !errors.Is(err, block.ErrInvalidBlockSignature) {
		t.Errorf("VerifyNow: %v, want %v", err, block.ErrInvalidBlockSignature)
	}
	if err := block.VerifyBlockSignature(f.env, f.pre, f.signed, helpers.VerifyNow{}); err != nil {
		t.Errorf("the valid signature: %v", err)
	}
}

type engineFunc func(context.Context, *block.NewPayloadRequest) (bool, error)

func (f engineFunc) VerifyAndNotifyNewPayload(ctx context.Context, r *block.NewPayloadRequest) (bool, error) {
	return f(ctx, r)
}

func TestTheEngineJudgesThePayload(t *testing.T) {
	f := newFixture(t)
	blk := f.signed.Message
	unreachable := errors.New("connection refused")
	tests := []struct {
		name   string
		engine block.ExecutionEngine
		want   error
	}{
		{"valid", block.AcceptAllEngine{}, nil},
		{"invalid", engineFunc(func(context.Context, *block.NewPayloadRequest) (bool, error) { return false, nil }), block.ErrInvalidExecutionPayload},
		{"unavailable", engineFunc(func(context.Context, *block.NewPayloadRequest) (bool, error) { return false, unreachable }), block.ErrExecutionEngineUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := block.ProcessBlock(t.Context(), f.env, helpers.CopyState(f.pre), blk, tt.engine, helpers.SkipSignatureChecks{})
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("ProcessBlock: %v, want %v", err, tt.want)
			}
		})
	}

	// The request carries what the spec's NewPayloadRequest does.
	var got *block.NewPayloadRequest
	engine := engineFunc(func(_ context.Context, r *block.NewPayloadRequest) (bool, error) { got = r; return true, nil })
	state := helpers.CopyState(f.pre)
	if err := block.ProcessBlock(t.Context(), f.env, state, blk, engine, helpers.SkipSignatureChecks{}); err != nil {
		t.Fatal(err)
	}
	if got.ExecutionPayload != blk.Body.ExecutionPayload || got.ExecutionRequests != blk.Body.ExecutionRequests {
		t.Error("the request does not carry the block's payload and requests")
	}
	if got.ParentBeaconBlockRoot != blk.ParentRoot {
		t.Errorf("parent beacon block root %#x, want %#x", got.ParentBeaconBlockRoot, blk.ParentRoot)
	}
	if len(got.VersionedHashes) != len(blk.Body.BlobKZGCommitments) {
		t.Fatalf("%d versioned hashes for %d commitments", len(got.VersionedHashes), len(blk.Body.BlobKZGCommitments))
	}
	for i, c := range blk.Body.BlobKZGCommitments {
		if got.VersionedHashes[i] != block.KZGCommitmentToVersionedHash(c) {
			t.Errorf("versioned hash %d is not the commitment's", i)
		}
	}
}

func TestKZGCommitmentToVersionedHash(t *testing.T) {
	// sha256(48 zero bytes) = 17b0761f...dcbcd1; the version byte replaces its first byte.
	hash := block.KZGCommitmentToVersionedHash(primitives.KZGCommitment{})
	if want := "01b0761f87b081d5cf10757ccc89f12be355c70e2e29df288b65b30710dcbcd1"; hex.EncodeToString(hash[:]) != want {
		t.Errorf("versioned hash %x, want %s", hash, want)
	}
}

func TestGetExecutionRequestsList(t *testing.T) {
	requests := &types.ExecutionRequests{
		Deposits:       []*types.DepositRequest{{Amount: 1, Index: 2}},
		Consolidations: []*types.ConsolidationRequest{{SourceAddress: primitives.ExecutionAddress{1}}, {SourceAddress: primitives.ExecutionAddress{2}}},
	}
	list, err := block.GetExecutionRequestsList(requests)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d entries, want 2 (withdrawals are empty and left out)", len(list))
	}
	deposit, _ := types.Marshal(requests.Deposits[0])
	if want := append([]byte{block.DepositRequestType}, deposit...); !bytes.Equal(list[0], want) {
		t.Errorf("deposits entry %x, want %x", list[0], want)
	}
	if list[1][0] != block.ConsolidationRequestType || len(list[1]) != 1+2*types.ConsolidationRequestSize {
		t.Errorf("consolidations entry of %d bytes with type %#x", len(list[1]), list[1][0])
	}
	if list, _ := block.GetExecutionRequestsList(&types.ExecutionRequests{}); len(list) != 0 {
		t.Errorf("no requests encode as %d entries", len(list))
	}
}

func TestAnIncompleteBlockIsAnErrorNotAPanic(t *testing.T) {
	f := newFixture(t)
	for name, blk := range map[string]*types.BeaconBlock{
		"nil block":  nil,
		"no body":    {Slot: f.pre.Slot},
		"no payload": {Slot: f.pre.Slot, Body: &types.BeaconBlockBody{Eth1Data: &types.Eth1Data{}, SyncAggregate: &types.SyncAggregate{}}},
	} {
		if err := block.ProcessBlock(t.Context(), f.env, helpers.CopyState(f.pre), blk, block.AcceptAllEngine{}, helpers.VerifyNow{}); !errors.Is(err, block.ErrInvalidBlockHeader) {
			t.Errorf("%s: %v, want %v", name, err, block.ErrInvalidBlockHeader)
		}
	}
}

// TestAnAttestationWithoutCommitteesIsInvalid checks the case is_valid_indexed_attestation catches before any
// signature: no committee bit, so no attester, is invalid even with signature checks off.
func TestAnAttestationWithoutCommitteesIsInvalid(t *testing.T) {
	f := newFixture(t)
	blk := f.cloneBlock(t)
	attestation := blk.Body.Attestations[0]
	attestation.CommitteeBits = [types.CommitteeBitsBytes]byte{}
	attestation.AggregationBits = bitfield.NewBitlist(0)
	err := block.ProcessAttestation(f.env, helpers.CopyState(f.pre), attestation, helpers.SkipSignatureChecks{})
	if !errors.Is(err, block.ErrInvalidAttestation) {
		t.Errorf("ProcessAttestation: %v, want %v", err, block.ErrInvalidAttestation)
	}
}
