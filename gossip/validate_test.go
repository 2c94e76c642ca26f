package gossip

import (
	"errors"
	"testing"
	"time"

	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

func testSpec(tb testing.TB) *params.Spec {
	tb.Helper()
	spec, err := params.NewSpec(params.DevnetConfig())
	if err != nil {
		tb.Fatal(err)
	}
	return spec
}

type keys map[primitives.ValidatorIndex]*bls.PublicKey

func (k keys) Pubkey(i primitives.ValidatorIndex) (*bls.PublicKey, bool) { p, ok := k[i]; return p, ok }

// attestations signs n single attestations at slot 1 by interop validators 0..n-1.
func attestations(tb testing.TB, spec *params.Spec, gvr primitives.Root, n int) ([][]byte, keys) {
	sks, err := bls.InteropSecretKeys(uint64(n))
	if err != nil {
		tb.Fatal(err)
	}
	pks := keys{}
	var out [][]byte
	for i, sk := range sks {
		pks[primitives.ValidatorIndex(i)] = sk.PublicKey()
		a := &types.SingleAttestation{AttesterIndex: primitives.ValidatorIndex(i),
			Data: &types.AttestationData{Slot: 1, Source: &types.Checkpoint{}, Target: &types.Checkpoint{}}}
		dom := params.ComputeDomain(params.DomainBeaconAttester, spec.ComputeForkVersion(0), gvr)
		root := params.ComputeSigningRoot(types.HashTreeRoot(a.Data), dom)
		a.Signature = sk.Sign(root[:]).Bytes()
		ssz, err := types.Marshal(a)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, Encode(ssz))
	}
	return out, pks
}

func TestValidateAttestations(t *testing.T) {
	spec := testSpec(t)
	gvr := primitives.Root{9}
	msgs, pks := attestations(t, spec, gvr, 4)
	genesis := time.Now().Add(-spec.SlotDuration * 3 / 2)
	v := NewValidator(spec, gvr, genesis, pks)
	digest := spec.ComputeForkDigest(gvr, 0)
	topic := Topic{Digest: digest, Kind: BeaconAttestation, Subnet: 1}.String()
	for i, m := range msgs {
		c := v.Check(topic, m, digest, time.Now())
		if c.Decided || len(c.Sets) != 1 || !bls.BatchVerify(c.Sets) {
			t.Fatalf("attestation %d: %+v", i, c)
		}
		if r, err := v.Finish(&c, true, time.Now()); r != Accept {
			t.Fatalf("attestation %d: %s %v", i, r, err)
		}
		// The same attester again is a duplicate.
		if c := v.Check(topic, m, digest, time.Now()); !c.Decided || c.Result != Ignore {
			t.Fatalf("duplicate %d: %+v", i, c)
		}
	}
	bad := []struct {
		name  string
		topic string
		data  []byte
		want  Result
	}{
		{"unknown topic", "/eth2/00000000/nope/ssz_snappy", msgs[0], Reject},
		{"other digest", Topic{Kind: BeaconAttestation}.String(), msgs[0], Ignore},
		{"invalid snappy", topic, []byte{0xff, 0xff, 0xff, 0xff}, Reject},
		{"not an attestation", topic, Encode([]byte{1, 2, 3}), Reject},
		{"invalid block", Topic{Digest: digest, Kind: BeaconBlock}.String(), Encode(make([]byte, 300)), Reject},
	}
	for _, tc := range bad {
		if c := v.Check(tc.topic, tc.data, digest, time.Now()); !c.Decided || c.Result != tc.want {
			t.Errorf("%s: %+v, want %s", tc.name, c, tc.want)
		}
	}
}

// FuzzCheck feeds arbitrary gossip data to every topic's decoder: a verdict or passing checks, never a panic.
func FuzzCheck(f *testing.F) {
	spec := testSpec(f)
	gvr := primitives.Root{9}
	digest := spec.ComputeForkDigest(gvr, 0)
	v := NewValidator(spec, gvr, time.Now(), nil)
	f.Add(uint8(0), Encode(make([]byte, 100)))
	f.Add(uint8(2), Encode(make([]byte, types.SingleAttestationSize)))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		k := Kind(kind % uint8(numKinds))
		topic := Topic{Digest: digest, Kind: k}.String()
		c := v.Check(topic, data, digest, time.Now())
		_, _ = v.Finish(&c, true, time.Now())
	})
}

// BenchmarkValidateAttestations measures gossip validation throughput: decode, stateless checks and batched
// signature verification of 64 attestations per batch.
func BenchmarkValidateAttestations(b *testing.B) {
	spec := testSpec(b)
	gvr := primitives.Root{9}
	msgs, pks := attestations(b, spec, gvr, 64)
	digest := spec.ComputeForkDigest(gvr, 0)
	topic := Topic{Digest: digest, Kind: BeaconAttestation, Subnet: 1}.String()
	genesis := time.Now().Add(-spec.SlotDuration * 3 / 2)
	b.ResetTimer()
	for b.Loop() {
		v := NewValidator(spec, gvr, genesis, pks)
		groups := make([][]bls.SignatureSet, 0, len(msgs))
		for _, m := range msgs {
			groups = append(groups, v.Check(topic, m, digest, time.Now()).Sets)
		}
		if invalid := bls.FindInvalidGroups(groups); len(invalid) != 0 {
			b.Fatal("invalid signatures")
		}
	}
	b.ReportMetric(float64(b.N*len(msgs))/b.Elapsed().Seconds(), "attestations/s")
}

// TestAttestationEpochWindow: since Deneb (EIP-7045) an attestation or aggregate is current while its slot's epoch
// is the current or the previous one, which reaches further back than ATTESTATION_PROPAGATION_SLOT_RANGE on
// mainnet and less far on minimal.
func TestAttestationEpochWindow(t *testing.T) {
	spec := testSpec(t)
	gvr := primitives.Root{9}
	genesis := time.Now().Add(-time.Hour)
	v := NewValidator(spec, gvr, genesis, nil)
	digest := spec.ComputeForkDigest(gvr, 0)
	spe := primitives.Slot(spec.SlotsPerEpoch)
	at := func(slot primitives.Slot) time.Time {
		return genesis.Add(time.Duration(slot)*spec.SlotDuration + spec.SlotDuration/2)
	}
	check := func(kind Kind, slot primitives.Slot, now time.Time) Checked {
		d := &types.AttestationData{Slot: slot, Source: &types.Checkpoint{}, Target: &types.Checkpoint{Epoch: primitives.Epoch(slot / spe)}}
		var ssz []byte
		var err error
		if kind == BeaconAttestation {
			ssz, err = types.Marshal(&types.SingleAttestation{AttesterIndex: primitives.ValidatorIndex(slot), Data: d})
		} else {
			a := &types.Attestation{AggregationBits: bitfield.NewBitlist(8), Data: d}
			a.AggregationBits.SetBitAt(0, true)
			a.CommitteeBits[0] = 1
			ssz, err = types.Marshal(&types.SignedAggregateAndProof{Message: &types.AggregateAndProof{AggregatorIndex: primitives.ValidatorIndex(slot), Aggregate: a}})
		}
		if err != nil {
			t.Fatal(err)
		}
		return v.Check(Topic{Digest: digest, Kind: kind}.String(), Encode(ssz), digest, now)
	}
	for _, kind := range []Kind{BeaconAttestation, BeaconAggregateAndProof} {
		// The first slot of the previous epoch at the last slot of the current one: 2*SLOTS_PER_EPOCH-1 slots back.
		if c := check(kind, spe, at(3*spe-1)); c.Decided {
			t.Errorf("%s of the previous epoch: %s %v", kind, c.Result, c.Err)
		}
		// The last slot of the epoch before the previous one, a few slots into the current epoch.
		if c := check(kind, spe-1, at(2*spe+1)); c.Result != Ignore || !errors.Is(c.Err, ErrTooOld) {
			t.Errorf("%s of two epochs ago: %+v", kind, c)
		}
		if c := check(kind, 2*spe, at(2*spe-1)); c.Result != Ignore || !errors.Is(c.Err, ErrFuture) {
			t.Errorf("%s of the next slot: %+v", kind, c)
		}
	}
}

// TestSeenOutlivesTheAttestationWindow: an attestation first seen a slot before its epoch began is still current
// in the first slot two epochs later (the clock disparity allowance), so its duplicate entry must survive a
// collection then.
func TestSeenOutlivesTheAttestationWindow(t *testing.T) {
	spec := testSpec(t)
	gvr := primitives.Root{9}
	genesis := time.Now().Add(-time.Hour)
	v := NewValidator(spec, gvr, genesis, nil)
	digest := spec.ComputeForkDigest(gvr, 0)
	topic := Topic{Digest: digest, Kind: BeaconAttestation}.String()
	spe := primitives.Slot(spec.SlotsPerEpoch)
	attestation := func(attester primitives.ValidatorIndex, slot primitives.Slot) []byte {
		ssz, err := types.Marshal(&types.SingleAttestation{AttesterIndex: attester,
			Data: &types.AttestationData{Slot: slot, Source: &types.Checkpoint{}, Target: &types.Checkpoint{Epoch: primitives.Epoch(slot / spe)}}})
		if err != nil {
			t.Fatal(err)
		}
		return Encode(ssz)
	}
	pass := func(msg []byte, now time.Time) {
		t.Helper()
		c := v.Check(topic, msg, digest, now)
		if r, err := v.Finish(&c, true, now); r != Accept {
			t.Fatalf("%s %v", r, err)
		}
	}
	// Early by less than the disparity allowance, in the last slot of the epoch before its own.
	first := genesis.Add(time.Duration(2*spe)*spec.SlotDuration - spec.MaximumGossipClockDisparity/2)
	pass(attestation(1, 2*spe), first)
	// Late by less than the allowance, in the first slot two epochs on; another message's Finish collects.
	last := genesis.Add(time.Duration(4*spe)*spec.SlotDuration + spec.MaximumGossipClockDisparity/2)
	pass(attestation(2, 3*spe), last)
	if c := v.Check(topic, attestation(1, 2*spe), digest, last); c.Result != Ignore || !errors.Is(c.Err, ErrDuplicate) {
		t.Fatalf("duplicate at the window's end: %+v", c)
	}
}

// TestBlockAndSidecarFromTheFuture: a block or sidecar of a slot after the current one (beyond the clock disparity
// allowance) is ignored; one of the current slot goes on to the chain's checks.
func TestBlockAndSidecarFromTheFuture(t *testing.T) {
	spec := testSpec(t)
	gvr := primitives.Root{9}
	genesis := time.Now().Add(-time.Hour)
	v := NewValidator(spec, gvr, genesis, nil)
	digest := spec.ComputeForkDigest(gvr, 0)
	const current = 10
	now := genesis.Add(current*spec.SlotDuration + spec.SlotDuration/2)
	block := func(slot primitives.Slot) []byte {
		ssz, err := types.Marshal(&types.SignedBeaconBlock{Message: &types.BeaconBlock{Slot: slot, Body: &types.BeaconBlockBody{
			Eth1Data: &types.Eth1Data{}, SyncAggregate: &types.SyncAggregate{}, ExecutionRequests: &types.ExecutionRequests{},
			ExecutionPayload: &types.ExecutionPayload{}}}})
		if err != nil {
			t.Fatal(err)
		}
		return Encode(ssz)
	}
	sidecar := func(slot primitives.Slot) []byte {
		ssz, err := types.Marshal(&types.DataColumnSidecar{Column: []*types.Cell{{}}, KZGCommitments: make([]primitives.KZGCommitment, 1),
			KZGProofs: make([]primitives.KZGProof, 1), SignedBlockHeader: &types.SignedBeaconBlockHeader{Message: &types.BeaconBlockHeader{Slot: slot}}})
		if err != nil {
			t.Fatal(err)
		}
		return Encode(ssz)
	}
	for _, tc := range []struct {
		kind Kind
		msg  func(primitives.Slot) []byte
	}{{BeaconBlock, block}, {DataColumnSidecar, sidecar}} {
		topic := Topic{Digest: digest, Kind: tc.kind}.String()
		if c := v.Check(topic, tc.msg(current+1), digest, now); c.Result != Ignore || !errors.Is(c.Err, ErrFuture) {
			t.Errorf("%s of the next slot: %s %v", tc.kind, c.Result, c.Err)
		}
		if c := v.Check(topic, tc.msg(current), digest, now); c.Decided {
			t.Errorf("%s of the current slot: %s %v", tc.kind, c.Result, c.Err)
		}
	}
}
