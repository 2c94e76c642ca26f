package helpers_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/transition/helpers/helperstest"
	"github.com/salamander-client/salamander/types"
)

const testEpoch = 2000

func testState(t testing.TB, validators int) (*params.Spec, *types.BeaconState, helperstest.Options) {
	t.Helper()
	spec, err := helperstest.Spec()
	if err != nil {
		t.Fatal(err)
	}
	opts := helperstest.Options{Validators: validators, Epoch: testEpoch, Seed: 3, NewDeposits: 2}
	return spec, helperstest.NewState(spec, opts), opts
}

// committees returns every committee of the state's current epoch.
func committees(t *testing.T, env *helpers.Env, state *types.BeaconState) [][]primitives.ValidatorIndex {
	t.Helper()
	epoch := helpers.GetCurrentEpoch(state)
	perSlot := helpers.GetCommitteeCountPerSlot(env, state, epoch)
	var all [][]primitives.ValidatorIndex
	start := helpers.ComputeStartSlotAtEpoch(epoch)
	for slot := start; slot < start+params.SlotsPerEpoch; slot++ {
		for index := range perSlot {
			committee, err := helpers.GetBeaconCommittee(env, state, slot, primitives.CommitteeIndex(index))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, slices.Clone(committee))
		}
	}
	return all
}

func equalCommittees(a, b [][]primitives.ValidatorIndex) bool {
	return slices.EqualFunc(a, b, func(x, y []primitives.ValidatorIndex) bool { return slices.Equal(x, y) })
}

// GetBeaconCommittee reads a whole-list shuffle; it must agree with the spec's compute_committee.
func TestGetBeaconCommitteeMatchesComputeCommittee(t *testing.T) {
	spec, state, _ := testState(t, 3000)
	env := helpers.NewEnv(spec, helpers.NewCaches())
	epoch := helpers.GetCurrentEpoch(state)
	active := helpers.GetActiveValidatorIndices(env, state, epoch)
	seed := helpers.GetSeed(state, epoch, params.DomainBeaconAttester)
	perSlot := helpers.GetCommitteeCountPerSlot(env, state, epoch)
	start := helpers.ComputeStartSlotAtEpoch(epoch)
	for slot := start; slot < start+params.SlotsPerEpoch; slot++ {
		for index := range perSlot {
			have, err := helpers.GetBeaconCommittee(env, state, slot, primitives.CommitteeIndex(index))
			if err != nil {
				t.Fatal(err)
			}
			position := uint64(slot-start)*perSlot + index
			want, err := helpers.ComputeCommittee(active, seed, position, perSlot*params.SlotsPerEpoch)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(have, want) {
				t.Fatalf("slot %d committee %d: %v, compute_committee gives %v", slot, index, have, want)
			}
		}
	}
	if _, err := helpers.GetBeaconCommittee(env, state, start, primitives.CommitteeIndex(perSlot)); err == nil {
		t.Error("committee index beyond the slot's count: no error")
	}
}

// Two branches share the caches. Where they disagree on what decides an epoch's shuffling (the RANDAO mix that
// seeds it, recorded under a different decision block), each must get its own committees, in any order of
// queries; where they agree, they share one entry.
func TestCachesAreReorgSafe(t *testing.T) {
	spec, base, _ := testState(t, 3000)
	epoch := helpers.GetCurrentEpoch(base)
	decisionSlot := helpers.ComputeStartSlotAtEpoch(epoch-1) - 1
	seedEpoch := epoch - params.MinSeedLookahead - 1

	branchA := helpers.CopyState(base)
	branchB := helpers.CopyState(base)
	branchB.RandaoMixes[uint64(seedEpoch)%params.EpochsPerHistoricalVector][0] ^= 0xff
	branchB.BlockRoots[uint64(decisionSlot)%params.SlotsPerHistoricalRoot][0] ^= 0xff
	// A branch that differs only after the decision block shares branch A's shuffling.
	branchC := helpers.CopyState(base)
	branchC.BlockRoots[uint64(decisionSlot+1)%params.SlotsPerHistoricalRoot][0] ^= 0xff

	uncached := helpers.NewEnv(spec, nil)
	wantA, wantB := committees(t, uncached, branchA), committees(t, uncached, branchB)
	if equalCommittees(wantA, wantB) {
		t.Fatal("test setup: the branches' committees are the same")
	}

	shared := helpers.NewEnv(spec, helpers.NewCaches())
	for round := range 2 {
		for _, q := range []struct {
			name  string
			state *types.BeaconState
			want  [][]primitives.ValidatorIndex
		}{{"A", branchA, wantA}, {"B", branchB, wantB}, {"C", branchC, wantA}} {
			if got := committees(t, shared, q.state); !equalCommittees(got, q.want) {
				t.Fatalf("round %d: branch %s got another branch's committees", round, q.name)
			}
		}
	}
	a := helpers.GetActiveValidatorIndices(shared, branchA, epoch)
	c := helpers.GetActiveValidatorIndices(shared, branchC, epoch)
	if &a[0] != &c[0] {
		t.Error("branches with the same decision block did not share the cached shuffling")
	}

	// The total active balance follows the effective balances of the branch, keyed by the block before the epoch.
	balanceSlot := helpers.ComputeStartSlotAtEpoch(epoch) - 1
	branchD := helpers.CopyState(base)
	branchD.BlockRoots[uint64(balanceSlot)%params.SlotsPerHistoricalRoot][0] ^= 0xff
	for _, index := range helpers.GetActiveValidatorIndices(uncached, branchD, epoch)[:10] {
		branchD.Validators[index].EffectiveBalance -= params.EffectiveBalanceIncrement
	}
	for _, s := range []*types.BeaconState{branchA, branchD, branchA, branchD} {
		want, err := helpers.GetTotalActiveBalance(uncached, s)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := helpers.GetTotalActiveBalance(shared, s); err != nil || got != want {
			t.Fatalf("total active balance %d (%v), want %d", got, err, want)
		}
	}
}

// Branches that add different validators at the same index must each find their own, never the other's.
func TestPubkeyCacheAcrossBranches(t *testing.T) {
	spec, base, opts := testState(t, 1000)
	shared := helpers.NewEnv(spec, helpers.NewCaches())
	n := len(base.Validators)
	keys := helperstest.PublicKeys(2, 1<<40)
	x, y := keys[0], keys[1]

	branchA, branchB := helpers.CopyState(base), helpers.CopyState(base)
	if err := helpers.AddValidatorToRegistry(shared, branchA, x, primitives.Bytes32{}, 32_000_000_000); err != nil {
		t.Fatal(err)
	}
	if err := helpers.AddValidatorToRegistry(shared, branchB, y, primitives.Bytes32{}, 32_000_000_000); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		state  *types.BeaconState
		key    primitives.BLSPubkey
		want   primitives.ValidatorIndex
		exists bool
	}{
		{"A finds x", branchA, x, primitives.ValidatorIndex(n), true},
		{"A does not find y", branchA, y, 0, false},
		{"B finds y", branchB, y, primitives.ValidatorIndex(n), true},
		{"B does not find x", branchB, x, 0, false},
		{"the base finds neither", base, x, 0, false},
		{"the base finds its own", base, base.Validators[17].Pubkey, 17, true},
		{"B finds an old validator", branchB, base.Validators[n-1].Pubkey, primitives.ValidatorIndex(n - 1), true},
	} {
		index, ok := helpers.ValidatorIndexByPubkey(shared, tc.state, tc.key)
		if ok != tc.exists || index != tc.want {
			t.Errorf("%s: (%d, %v), want (%d, %v)", tc.name, index, ok, tc.want, tc.exists)
		}
	}
	// Decompressed keys follow the state's bytes too.
	for _, s := range []*types.BeaconState{branchA, branchB, branchA} {
		key, err := helpers.ValidatorPublicKey(shared, s, primitives.ValidatorIndex(n))
		if err != nil {
			t.Fatal(err)
		}
		if key.Bytes() != s.Validators[n].Pubkey {
			t.Fatalf("validator %d's decompressed key is another branch's", n)
		}
	}
	key, err := helpers.ValidatorPublicKey(shared, base, 5)
	if err != nil || key.Bytes() != base.Validators[5].Pubkey {
		t.Fatalf("validator 5's key: %v", err)
	}
	if sk := helperstest.ValidatorSecretKey(opts, 5); sk.PublicKey().Bytes() != base.Validators[5].Pubkey {
		t.Fatal("helperstest.ValidatorSecretKey does not match the state's key")
	}
}

// Branches transitioned concurrently share the caches safely (run with -race).
func TestCachesConcurrentUse(t *testing.T) {
	spec, base, _ := testState(t, 2000)
	shared := helpers.NewEnv(spec, helpers.NewCaches())
	uncached := helpers.NewEnv(spec, nil)
	epoch := helpers.GetCurrentEpoch(base)
	decisionSlot := helpers.ComputeStartSlotAtEpoch(epoch-1) - 1
	var branches []*types.BeaconState
	var want [][][]primitives.ValidatorIndex
	for i := range 4 {
		s := helpers.CopyState(base)
		s.RandaoMixes[uint64(epoch-2)%params.EpochsPerHistoricalVector][1] = byte(i)
		s.BlockRoots[uint64(decisionSlot)%params.SlotsPerHistoricalRoot][1] = byte(i)
		branches = append(branches, s)
		want = append(want, committees(t, uncached, s))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			i := g % len(branches)
			got := committees(t, shared, branches[i])
			if !equalCommittees(got, want[i]) {
				t.Errorf("goroutine %d: branch %d got wrong committees", g, i)
			}
			if _, err := helpers.GetTotalActiveBalance(shared, branches[i]); err != nil {
				t.Error(err)
			}
			if _, ok := helpers.ValidatorIndexByPubkey(shared, branches[i], branches[i].Validators[g].Pubkey); !ok {
				t.Errorf("goroutine %d: pubkey not found", g)
			}
			if _, err := helpers.ValidatorPublicKey(shared, branches[i], primitives.ValidatorIndex(g)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}
