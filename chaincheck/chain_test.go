package chaincheck

import (
	"context"
	"testing"

	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// TestStoreChain reads a store that holds the genesis, and checks a block three epochs later, whose proposer only a
// state advanced through the empty epochs knows.
func TestStoreChain(t *testing.T) {
	w, db := newStoreWorld(t)
	ctx := context.Background()
	c := NewStoreChain(w.env, db.Reader, 0)

	if slot, _, found, err := c.Block(w.genesis); err != nil || !found || slot != 0 {
		t.Fatalf("genesis block: slot %d, found %v, %v", slot, found, err)
	}
	if _, _, found, err := c.Block(primitives.Root{0x41}); err != nil || found {
		t.Fatalf("unknown block: found %v, %v", found, err)
	}
	if fin, err := c.Finalized(); err != nil || fin.Root != w.genesis || fin.Epoch != 0 {
		t.Fatalf("finalized %+v, %v", fin, err)
	}
	if root, slot, err := c.Head(); err != nil || root != w.genesis || slot != 0 {
		t.Fatalf("head %#x at %d, %v", root, slot, err)
	}
	if st, err := c.StateAt(ctx, w.genesis, 1); err != nil || st.Slot != 0 {
		t.Fatalf("state for the next epoch: %v", err)
	}
	if _, err := c.StateAt(ctx, primitives.Root{0x41}, 1); err == nil {
		t.Fatal("state of an unknown block")
	}
	advanced, err := c.StateAt(ctx, w.genesis, 3)
	if err != nil {
		t.Fatal(err)
	}
	if advanced.Slot != helpers.ComputeStartSlotAtEpoch(3) {
		t.Fatalf("advanced state at slot %d, want the start of epoch 3", advanced.Slot)
	}
	if again, err := c.StateAt(ctx, w.genesis, 3); err != nil || again != advanced {
		t.Fatalf("advanced state not kept: %v", err)
	}

	slot := helpers.ComputeStartSlotAtEpoch(3) + 1
	proposer, err := expectedProposer(advanced, slot)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := helpers.ComputeTimeAtSlot(w.env, advanced, slot)
	if err != nil {
		t.Fatal(err)
	}
	b := &types.BeaconBlock{Slot: slot, ProposerIndex: proposer, ParentRoot: w.genesis, Body: &types.BeaconBlockBody{
		Eth1Data: &types.Eth1Data{}, SyncAggregate: &types.SyncAggregate{}, ExecutionRequests: &types.ExecutionRequests{},
		ExecutionPayload: &types.ExecutionPayload{Timestamp: ts},
	}}
	dom := helpers.GetDomain(advanced, params.DomainBeaconProposer, 3)
	signed := &types.SignedBeaconBlock{Message: b, Signature: w.sign(proposer, types.HashTreeRoot(b), dom)}
	wantOutcome(t, w.checker.ValidateBeaconBlock(ctx, signed), gossip.Accept, nil)
	b.ProposerIndex = (proposer + 1) % testValidators
	wantOutcome(t, w.checker.ValidateBeaconBlock(ctx, signed), gossip.Reject, ErrWrongProposer)
}
