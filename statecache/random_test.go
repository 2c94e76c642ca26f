package statecache_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/merkle"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/statecache"
	"github.com/salamander-client/salamander/types"
)

// TestRandomMutations mutates random states step by step, checking the cached root against the full root after
// every step.
func TestRandomMutations(t *testing.T) {
	for _, size := range []int{0, 1, 63, 200, 3000} {
		t.Run(fmt.Sprintf("%d validators", size), func(t *testing.T) {
			g := newStateGen(uint64(size) + 1)
			s := g.state(size)
			cache, root, err := statecache.New(s)
			if err != nil {
				t.Fatal(err)
			}
			if want := ssz.HashSequential(s); root != want {
				t.Fatalf("new: cached root %#x, full root %#x", root, want)
			}
			steps := 150
			if testing.Short() {
				steps = 30
			}
			for step := range steps {
				done := g.mutate(s)
				requireRoot(t, cache, s, "step", step, done)
			}
		})
	}
}

// TestCopiesDiverge mutates a state and a copy of it differently, each with its own copy of one cache, and checks
// both (and a third copy left alone) after every step, in interleaved order.
func TestCopiesDiverge(t *testing.T) {
	g := newStateGen(7)
	a := g.state(500)
	cacheA, _, err := statecache.New(a)
	if err != nil {
		t.Fatal(err)
	}
	frozen := copyState(t, a)
	frozenCache := cacheA.Copy()
	b, cacheB := copyState(t, a), cacheA.Copy()
	for step := range 120 {
		doneA := g.mutate(a)
		doneB := g.mutate(b)
		if step%2 == 0 {
			requireRoot(t, cacheA, a, "a", step, doneA)
			requireRoot(t, cacheB, b, "b", step, doneB)
		} else {
			requireRoot(t, cacheB, b, "b", step, doneB)
			requireRoot(t, cacheA, a, "a", step, doneA)
		}
		if step%10 == 9 {
			// Branch again: b's state and cache fork off a.
			b, cacheB = copyState(t, a), cacheA.Copy()
		}
	}
	requireRoot(t, frozenCache, frozen, "untouched copy")
}

// TestFailedTransitionLeavesOriginal runs the block-import pattern: a copy of the cache hashes a changed copy of
// the state, which is then thrown away; the original cache still hashes the original state, and a new copy
// succeeds.
func TestFailedTransitionLeavesOriginal(t *testing.T) {
	g := newStateGen(11)
	pre := g.state(300)
	cache, preRoot, err := statecache.New(pre)
	if err != nil {
		t.Fatal(err)
	}
	for attempt := range 20 {
		post, postCache := copyState(t, pre), cache.Copy()
		g.mutate(post)
		requireRoot(t, postCache, post, "attempt", attempt)
		if root, err := cache.HashTreeRoot(pre); err != nil || root != preRoot {
			t.Fatalf("attempt %d: original cache gives %#x, %v; want %#x", attempt, root, err, preRoot)
		}
	}
}

// TestGrowAndShrinkAcrossPowersOfTwo walks the validator count across tree-depth and page boundaries both ways.
func TestGrowAndShrinkAcrossPowersOfTwo(t *testing.T) {
	g := newStateGen(3)
	s := g.state(0)
	var cache statecache.Cache
	for _, n := range []int{1, 2, 3, 4, 5, 16, 17, 64, 65, 128, 129, 1024, 1025, 1023, 513, 512, 511, 64, 1, 0, 2, 0, 2049, 33} {
		for len(s.Validators) < n {
			g.appendValidator(s)
		}
		truncate(s, n)
		requireRoot(t, &cache, s, n, "validators")
	}
}

// TestFieldsMatchBeaconState fails when BeaconState gains, loses or reorders a field, until the cache (fieldRoots)
// and this list follow.
func TestFieldsMatchBeaconState(t *testing.T) {
	hashed := []string{
		"genesis_time", "genesis_validators_root", "slot", "fork", "latest_block_header", "block_roots", "state_roots",
		"historical_roots", "eth1_data", "eth1_data_votes", "eth1_deposit_index", "validators", "balances",
		"randao_mixes", "slashings", "previous_epoch_participation", "current_epoch_participation",
		"justification_bits", "previous_justified_checkpoint", "current_justified_checkpoint", "finalized_checkpoint",
		"inactivity_scores", "current_sync_committee", "next_sync_committee", "latest_execution_payload_header",
		"next_withdrawal_index", "next_withdrawal_validator_index", "historical_summaries",
		"deposit_requests_start_index", "deposit_balance_to_consume", "exit_balance_to_consume", "earliest_exit_epoch",
		"consolidation_balance_to_consume", "earliest_consolidation_epoch", "pending_deposits",
		"pending_partial_withdrawals", "pending_consolidations", "proposer_lookahead",
	}
	fields := merkle.TypeOf((*types.BeaconState)(nil)).Fields
	if len(fields) != len(hashed) {
		t.Fatalf("BeaconState has %d fields, the cache hashes %d", len(fields), len(hashed))
	}
	for i, f := range fields {
		if f.Name != hashed[i] {
			t.Errorf("field %d: BeaconState has %s, the cache hashes %s", i, f.Name, hashed[i])
		}
	}
}

func TestErrors(t *testing.T) {
	var cache statecache.Cache
	if _, err := cache.HashTreeRoot(nil); !errors.Is(err, statecache.ErrNilState) {
		t.Errorf("nil state: %v, want ErrNilState", err)
	}

	g := newStateGen(5)
	s := g.state(100)
	requireRoot(t, &cache, s, "before")

	// A list over its limit is refused before anything changes.
	votes := s.Eth1DataVotes
	for len(s.Eth1DataVotes) <= params.EpochsPerEth1VotingPeriod*params.SlotsPerEpoch {
		s.Eth1DataVotes = append(s.Eth1DataVotes, g.eth1Data())
	}
	if _, err := cache.HashTreeRoot(s); !errors.Is(err, statecache.ErrListTooLong) {
		t.Errorf("too many eth1 votes: %v, want ErrListTooLong", err)
	}
	s.Eth1DataVotes = votes
	requireRoot(t, &cache, s, "after a list over its limit")

	// A nil element drops the cache, which then rebuilds.
	for _, field := range []string{"validators", "pending_deposits"} {
		broken := copyState(t, s)
		switch field {
		case "validators":
			broken.Validators[42] = nil
		default:
			broken.PendingDeposits = append(broken.PendingDeposits, nil)
		}
		if _, err := cache.HashTreeRoot(broken); !errors.Is(err, statecache.ErrNilElement) {
			t.Errorf("nil element in %s: %v, want ErrNilElement", field, err)
		}
		requireRoot(t, &cache, s, "after a nil element in", field)
	}
}

// TestConcurrentPaths runs random mutations and copies on a cache of four goroutines that hashes even small layers
// concurrently, on a registry long enough to be split into several ranges.
func TestConcurrentPaths(t *testing.T) {
	g := newStateGen(13)
	s := g.state(20_000)
	cache := statecache.NewWithParallelism(4, 64)
	requireRoot(t, cache, s, "build")
	for step := range 60 {
		if step%7 == 0 {
			s, cache = copyState(t, s), cache.Copy()
		}
		done := g.mutate(s)
		requireRoot(t, cache, s, "step", step, done)
	}
}
