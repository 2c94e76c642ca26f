package forkchoice

import (
	"math/rand/v2"
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

const (
	benchValidators = 1 << 20 // 1,048,576
	benchBlocks     = 10_000
	benchCommittee  = 512 // validators per aggregate attestation
)

// benchTree is a store holding a 10,000-block tree with forks, and every validator's vote for one of its recent
// blocks.
type benchTree struct {
	store *Store
	roots []primitives.Root
	atts  []*types.IndexedAttestation // the attestations that cast the votes, benchCommittee validators each
}

func newBenchTree(b *testing.B) *benchTree {
	b.Helper()
	spec := testSpec(b)
	rng := rand.New(rand.NewPCG(1, 2))
	anchor := &Anchor{Root: primitives.Root{0xaa}, GenesisTime: 1_600_000_000}
	balances := &Balances{Checkpoint: anchor.Checkpoint(), Effective: make([]primitives.Gwei, benchValidators)}
	for i := range balances.Effective {
		balances.Effective[i] = 32_000_000_000
		balances.TotalActive += 32_000_000_000
	}
	store, err := NewStore(StoreConfig{Spec: spec, Availability: alwaysAvailable{},
		Balances: BalancesFunc(func(types.Checkpoint) (*Balances, error) { return balances, nil })}, anchor)
	if err != nil {
		b.Fatal(err)
	}
	if err := store.OnTick(anchor.GenesisTime + spec.SecondsPerSlot*(benchBlocks+2)); err != nil {
		b.Fatal(err)
	}
	cp := anchor.Checkpoint()
	post := PostState{Justified: cp, Finalized: cp, UnrealizedJustified: cp, UnrealizedFinalized: cp}
	t := &benchTree{store: store, roots: []primitives.Root{anchor.Root}}
	for i := range benchBlocks {
		// Mostly a chain, with a fork off one of the last 16 blocks one time in ten.
		parent := t.roots[len(t.roots)-1]
		if rng.IntN(10) == 0 {
			parent = t.roots[max(0, len(t.roots)-1-rng.IntN(16))]
		}
		blk := testBlock(primitives.Slot(i+1), parent, uint64(i))
		root := types.HashTreeRoot(blk)
		if err := store.OnBlock(&BlockInput{Root: root, Block: blk, Execution: ExecutionValid, PostState: post}); err != nil {
			b.Fatal(err)
		}
		t.roots = append(t.roots, root)
	}
	// Every validator votes, in aggregates of benchCommittee, for one of the last 64 blocks.
	for first := 0; first < benchValidators; first += benchCommittee {
		root := t.roots[len(t.roots)-1-rng.IntN(64)]
		info, _ := store.Block(root)
		epoch := helpers.ComputeEpochAtSlot(info.Slot)
		target, err := store.GetCheckpointBlock(root, epoch)
		if err != nil {
			b.Fatal(err)
		}
		indices := make([]primitives.ValidatorIndex, benchCommittee)
		for i := range indices {
			indices[i] = primitives.ValidatorIndex(first + i)
		}
		t.atts = append(t.atts, &types.IndexedAttestation{AttestingIndices: indices, Data: &types.AttestationData{
			Slot: info.Slot, BeaconBlockRoot: root, Source: &cp, Target: &types.Checkpoint{Epoch: epoch, Root: target}}})
	}
	for _, a := range t.atts {
		if err := store.OnAttestation(a, true); err != nil {
			b.Fatal(err)
		}
	}
	return t
}

// BenchmarkGetHead measures get_head on a 10,000-block tree with forks after all 1,048,576 validators moved their
// votes since the previous call (the worst case: computeDeltas over every validator, then one pass over the
// blocks), and when nothing changed (the head is then read from the justified block's best descendant).
func BenchmarkGetHead(b *testing.B) {
	t := newBenchTree(b)
	if _, err := t.store.GetHead(); err != nil {
		b.Fatal(err)
	}
	votes := &t.store.votes
	// Two vote assignments to swap between: every validator's vote differs between them.
	first := append([]uint32(nil), votes.next...)
	second := make([]uint32, len(first))
	for i, n := range first {
		second[i] = (n + 1 + uint32(i%7)) % uint32(len(t.store.blocks.nodes))
	}
	b.Run("all-votes-moved", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			if i%2 == 0 {
				copy(votes.next, second)
			} else {
				copy(votes.next, first)
			}
			t.store.stale = true // as update_latest_messages would have set it
			b.StartTimer()
			if _, err := t.store.GetHead(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("no-change", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := t.store.GetHead(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkComputeDeltas measures computeDeltas for 1,048,576 validators whose votes all moved, over 10,000
// blocks (Lodestar's reference: 9-15 ms for 1.4M validators), with the justified checkpoint's balances unchanged
// since the last call and with new ones.
func BenchmarkComputeDeltas(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	vt := voteTracker{current: make([]uint32, benchValidators), next: make([]uint32, benchValidators),
		nextEpoch: make([]primitives.Epoch, benchValidators)}
	next := make([]uint32, benchValidators)
	current := make([]uint32, benchValidators)
	balances := make([]primitives.Gwei, benchValidators)
	for i := range benchValidators {
		current[i] = uint32(rng.IntN(benchBlocks))
		next[i] = uint32(rng.IntN(benchBlocks))
		balances[i] = 32_000_000_000
	}
	newBalances := make([]primitives.Gwei, benchValidators)
	for i := range newBalances {
		newBalances[i] = primitives.Gwei(31+i%2) * 1_000_000_000
	}
	var none equivocators
	for _, bench := range []struct {
		name     string
		balances []primitives.Gwei // those of the new justified checkpoint
	}{{"same-justified-balances", balances}, {"new-justified-balances", newBalances}} {
		b.Run(bench.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				copy(vt.current, current)
				copy(vt.next, next)
				b.StartTimer()
				computeDeltas(benchBlocks, &vt, balances, bench.balances, &none)
			}
		})
	}
}

// BenchmarkOnAttestation measures on_attestation on the 10,000-block tree with every validator's vote in: for
// aggregates of 512 validators whose votes all move to a later epoch, for aggregates already seen (no vote
// changes), and for single-validator attestations already seen.
func BenchmarkOnAttestation(b *testing.B) {
	t := newBenchTree(b)
	b.Run("aggregate-512-new-votes", func(b *testing.B) {
		// Far ahead in time, so that there are later epochs to vote in: the votes stay on the same blocks.
		spec := t.store.cfg.Spec
		if err := t.store.OnTick(t.store.Time() + spec.SecondsPerSlot*20_000); err != nil {
			b.Fatal(err)
		}
		atts := make([]*types.IndexedAttestation, b.N)
		for i := range atts {
			base := t.atts[i%len(t.atts)]
			round := primitives.Slot(i/len(t.atts) + 1)
			slot := base.Data.Slot + round*primitives.Slot(params.SlotsPerEpoch)
			epoch := helpers.ComputeEpochAtSlot(slot)
			atts[i] = &types.IndexedAttestation{AttestingIndices: base.AttestingIndices, Data: &types.AttestationData{
				Slot: slot, BeaconBlockRoot: base.Data.BeaconBlockRoot, Source: base.Data.Source,
				Target: &types.Checkpoint{Epoch: epoch, Root: base.Data.BeaconBlockRoot}}}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for _, a := range atts {
			if err := t.store.OnAttestation(a, true); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("aggregate-512-seen", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := t.store.OnAttestation(t.atts[i%len(t.atts)], true); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("single-seen", func(b *testing.B) {
		singles := make([]*types.IndexedAttestation, 4096)
		for i := range singles {
			a := t.atts[i%len(t.atts)]
			singles[i] = &types.IndexedAttestation{AttestingIndices: a.AttestingIndices[:1], Data: a.Data}
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := t.store.OnAttestation(singles[i%len(singles)], true); err != nil {
				b.Fatal(err)
			}
		}
	})
}
