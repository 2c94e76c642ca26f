package gossip

import (
	"testing"
	"time"

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
		items := make([]*pending, 0, len(msgs))
		for _, m := range msgs {
			items = append(items, &pending{checked: v.Check(topic, m, digest, time.Now())})
		}
		if invalid := verifyBatch(items); len(invalid) != 0 {
			b.Fatal("invalid signatures")
		}
	}
	b.ReportMetric(float64(b.N*len(msgs))/b.Elapsed().Seconds(), "attestations/s")
}
