package gossip

import (
	"errors"
	"testing"
	"time"

	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// TestForgetAfterChainRefusal: without the signer's key the signature is the chain's to check, so a message the
// chain refuses must not keep the attester's next message out as a duplicate.
func TestForgetAfterChainRefusal(t *testing.T) {
	spec := testSpec(t)
	gvr := primitives.Root{9}
	msgs, _ := attestations(t, spec, gvr, 1)
	genesis := time.Now().Add(-spec.SlotDuration * 3 / 2)
	v := NewValidator(spec, gvr, genesis, nil)
	digest := spec.ComputeForkDigest(gvr, 0)
	topic := Topic{Digest: digest, Kind: BeaconAttestation, Subnet: 1}.String()

	c := v.Check(topic, msgs[0], digest, time.Now())
	if c.Decided || len(c.Sets) != 0 {
		t.Fatalf("without keys: %+v", c)
	}
	if r, err := v.Finish(&c, true, time.Now()); r != Accept {
		t.Fatalf("finish: %s %v", r, err)
	}
	if again := v.Check(topic, msgs[0], digest, time.Now()); again.Result != Ignore || !errors.Is(again.Err, ErrDuplicate) {
		t.Fatalf("copy while the chain checks the first: %+v", again)
	}
	v.Forget(&c)
	if again := v.Check(topic, msgs[0], digest, time.Now()); again.Decided {
		t.Fatalf("after the chain refused the first: %+v", again)
	}
}

// TestSyncCommitteeMessagePerSubnet: the spec's duplicate rule for sync committee messages is per topic.
func TestSyncCommitteeMessagePerSubnet(t *testing.T) {
	spec := testSpec(t)
	gvr := primitives.Root{9}
	genesis := time.Now().Add(-spec.SlotDuration / 2)
	v := NewValidator(spec, gvr, genesis, nil)
	digest := spec.ComputeForkDigest(gvr, 0)
	ssz, err := types.Marshal(&types.SyncCommitteeMessage{Slot: 0, ValidatorIndex: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, subnet := range []uint64{0, 1} {
		topic := Topic{Digest: digest, Kind: SyncCommittee, Subnet: subnet}.String()
		c := v.Check(topic, Encode(ssz), digest, time.Now())
		if r, err := v.Finish(&c, true, time.Now()); r != Accept {
			t.Fatalf("subnet %d: %s %v", subnet, r, err)
		}
		if again := v.Check(topic, Encode(ssz), digest, time.Now()); !errors.Is(again.Err, ErrDuplicate) {
			t.Fatalf("subnet %d again: %+v", subnet, again)
		}
	}
}

// TestAggregateSuperset: once the chain accepted an aggregate, one of the same data whose participants it covers
// is ignored; one with a new participant is not.
func TestAggregateSuperset(t *testing.T) {
	spec := testSpec(t)
	gvr := primitives.Root{9}
	v := NewValidator(spec, gvr, time.Now().Add(-spec.SlotDuration*3/2), nil)
	digest := spec.ComputeForkDigest(gvr, 0)
	topic := Topic{Digest: digest, Kind: BeaconAggregateAndProof}.String()
	aggregate := func(aggregator primitives.ValidatorIndex, participants ...uint64) []byte {
		bits := bitfield.NewBitlist(8)
		for _, p := range participants {
			bits.SetBitAt(p, true)
		}
		a := &types.Attestation{AggregationBits: bits, Data: &types.AttestationData{Slot: 1, Source: &types.Checkpoint{}, Target: &types.Checkpoint{}}}
		a.CommitteeBits[0] = 1
		ssz, err := types.Marshal(&types.SignedAggregateAndProof{Message: &types.AggregateAndProof{AggregatorIndex: aggregator, Aggregate: a}})
		if err != nil {
			t.Fatal(err)
		}
		return Encode(ssz)
	}
	first := v.Check(topic, aggregate(1, 0, 1), digest, time.Now())
	if r, err := v.Finish(&first, true, time.Now()); r != Accept {
		t.Fatalf("first: %s %v", r, err)
	}
	v.Accepted(&first)
	if c := v.Check(topic, aggregate(2, 0), digest, time.Now()); c.Result != Ignore || !errors.Is(c.Err, ErrDuplicate) {
		t.Fatalf("covered aggregate: %+v", c)
	}
	if c := v.Check(topic, aggregate(3, 0, 2), digest, time.Now()); c.Decided {
		t.Fatalf("aggregate with a new participant: %+v", c)
	}
}

// TestAttesterSlashingSeenOnceAccepted: only a slashing the chain accepted marks its indices as seen, so an
// invalid one (a forged signature, say) does not shut out the valid slashing of the same validators.
func TestAttesterSlashingSeenOnceAccepted(t *testing.T) {
	spec := testSpec(t)
	gvr := primitives.Root{9}
	v := NewValidator(spec, gvr, time.Now().Add(-spec.SlotDuration*3/2), nil)
	digest := spec.ComputeForkDigest(gvr, 0)
	topic := Topic{Digest: digest, Kind: AttesterSlashing}.String()
	indexed := func(root byte) *types.IndexedAttestation {
		return &types.IndexedAttestation{AttestingIndices: []primitives.ValidatorIndex{1, 2},
			Data: &types.AttestationData{Slot: 1, BeaconBlockRoot: primitives.Root{root}, Source: &types.Checkpoint{}, Target: &types.Checkpoint{}}}
	}
	ssz, err := types.Marshal(&types.AttesterSlashing{Attestation1: indexed(1), Attestation2: indexed(2)})
	if err != nil {
		t.Fatal(err)
	}
	check := func() Checked {
		c := v.Check(topic, Encode(ssz), digest, time.Now())
		if !c.Decided {
			if r, err := v.Finish(&c, true, time.Now()); r != Accept {
				t.Fatalf("finish: %s %v", r, err)
			}
		}
		return c
	}
	refused := check()
	if refused.Decided {
		t.Fatalf("first slashing: %+v", refused)
	}
	v.Forget(&refused) // the chain refused it
	accepted := check()
	if accepted.Decided {
		t.Fatalf("after a refused slashing of the same validators: %+v", accepted)
	}
	v.Accepted(&accepted)
	if c := check(); c.Result != Ignore || !errors.Is(c.Err, ErrDuplicate) {
		t.Fatalf("after an accepted slashing of the same validators: %+v", c)
	}
}
