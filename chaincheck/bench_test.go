package chaincheck

import (
	"context"
	"testing"
	"time"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// attestationMessages signs an attestation of every committee member of the first epoch's slots and returns them
// as gossip delivers them, with their subnets.
func attestationMessages(b *testing.B, w *world) (msgs [][]byte, subnets []uint64) {
	for slot := range params.SlotsPerEpoch {
		committee, d := w.attestationData(b, primitives.Slot(slot))
		perSlot := helpers.GetCommitteeCountPerSlot(w.env, w.state, 0)
		for _, v := range committee {
			ssz, err := types.Marshal(w.single(v, d))
			if err != nil {
				b.Fatal(err)
			}
			msgs = append(msgs, ssz)
			subnets = append(subnets, ComputeSubnetForAttestation(perSlot, d.Slot, 0))
		}
	}
	return msgs, subnets
}

// BenchmarkValidateBeaconAttestation measures the chain checks of single attestations against the store (block
// lookups, the target's state and shuffling from the caches), on every core: "single" verifies each signature on
// its own, "batched" as the actor does, gossip.BatchSize at a time.
func BenchmarkValidateBeaconAttestation(b *testing.B) {
	w, _ := newStoreWorld(b)
	ctx := context.Background()
	msgs, subnets := attestationMessages(b, w)
	if out := w.checker.Validate(ctx, gossip.BeaconAttestation, subnets[0], msgs[0]).Verify(); out.Result != gossip.Accept {
		b.Fatalf("%s %v", out.Result, out.Err)
	}
	b.Run("single", func(b *testing.B) {
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				j := i % len(msgs)
				if out := w.checker.Validate(ctx, gossip.BeaconAttestation, subnets[j], msgs[j]).Verify(); out.Result != gossip.Accept {
					b.Errorf("%s %v", out.Result, out.Err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "attestations/s")
	})
	b.Run("batched", func(b *testing.B) {
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			var sets []bls.SignatureSet
			for i := 0; pb.Next(); i++ {
				j := i % len(msgs)
				out := w.checker.Validate(ctx, gossip.BeaconAttestation, subnets[j], msgs[j])
				if out.Result != gossip.Accept {
					b.Errorf("%s %v", out.Result, out.Err)
					return
				}
				if sets = append(sets, out.Sets...); len(sets) >= gossip.BatchSize {
					if bad := bls.FindInvalidSets(sets); len(bad) != 0 {
						b.Errorf("%d invalid signatures", len(bad))
						return
					}
					sets = sets[:0]
				}
			}
			if len(bls.FindInvalidSets(sets)) != 0 {
				b.Error("invalid signatures")
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "attestations/s")
	})
}
