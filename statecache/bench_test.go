//go:build !minimal && unix

package statecache_test

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/bench/cputime"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/statecache"
	"github.com/salamander-client/salamander/types"
)

// Benchmarks on a synthetic mainnet-preset state of 2^20 validators, built once per test process (about 250 MB,
// plus as much again for the cache):
//
//	go test -run='^$' -bench=. -benchtime=5x -count=3 ./statecache
//
// Full* hash the whole state with karalabe/ssz, the baseline. Cached* hash it with a cache that already holds it,
// after the changes of the scenario: nothing, a block, a block as mainnet sees it, an epoch transition; the
// *Copied variants first copy the cache, as block import does, and go on with the copy. Each reports cpu-ms/op,
// the processor time of the whole process per operation, which stays meaningful on a machine shared with other
// work, beside the wall time.

const benchValidators = 1 << 20

var (
	benchOnce  sync.Once
	benchState *types.BeaconState
	benchCache *statecache.Cache
)

// benchSetup returns the shared state and a cache that holds it. Benchmarks that change the state leave it
// changed; the cache follows it, so every benchmark starts from a cache that matches the state.
func benchSetup(b *testing.B) (*types.BeaconState, *statecache.Cache) {
	b.Helper()
	benchOnce.Do(func() {
		benchState = syntheticState(benchValidators)
		cache, _, err := statecache.New(benchState)
		if err != nil {
			b.Fatal(err)
		}
		benchCache = cache
	})
	if benchCache == nil {
		b.Fatal("synthetic state unavailable")
	}
	if _, err := benchCache.HashTreeRoot(benchState); err != nil {
		b.Fatal(err)
	}
	return benchState, benchCache
}

// syntheticState builds a deterministic mainnet-like state of n validators: distinct pubkeys, 0x01 and 0x02
// credentials, balances around the effective balance, some exited and slashed validators, filled history and
// sync committees, and queues of pending deposits and withdrawals.
func syntheticState(n int) *types.BeaconState {
	g := newStateGen(42)
	const epoch = primitives.Epoch(400_000)
	s := g.state(0)
	s.Slot = primitives.Slot(uint64(epoch) * params.SlotsPerEpoch)
	slab := make([]types.Validator, n)
	s.Validators = make([]*types.Validator, n)
	s.Balances = make([]primitives.Gwei, n)
	s.PreviousEpochParticipation = make([]primitives.ParticipationFlag, n)
	s.CurrentEpochParticipation = make([]primitives.ParticipationFlag, n)
	s.InactivityScores = make([]uint64, n)
	for i := range n {
		v := &slab[i]
		g.bytes(v.Pubkey[:])
		v.WithdrawalCredentials = primitives.Bytes32(g.root())
		v.WithdrawalCredentials[0] = byte(1 + i%2)
		v.EffectiveBalance = 32_000_000_000
		v.ActivationEligibilityEpoch = primitives.Epoch(i / 64)
		v.ActivationEpoch = primitives.Epoch(i/64 + 5)
		v.ExitEpoch, v.WithdrawableEpoch = primitives.FarFutureEpoch, primitives.FarFutureEpoch
		if i%97 == 0 {
			v.ExitEpoch, v.WithdrawableEpoch = epoch-100, epoch+156
			v.Slashed = i%(97*13) == 0
		}
		s.Validators[i] = v
		s.Balances[i] = primitives.Gwei(32_000_000_000 + g.rng.IntN(100_000_000))
		s.PreviousEpochParticipation[i] = 7
		s.CurrentEpochParticipation[i] = primitives.ParticipationFlag(g.rng.IntN(8))
	}
	for range 1000 {
		s.HistoricalSummaries = append(s.HistoricalSummaries, &types.HistoricalSummary{BlockSummaryRoot: g.root(), StateSummaryRoot: g.root()})
		s.PendingDeposits = append(s.PendingDeposits, g.pendingDeposit())
		s.PendingPartialWithdrawals = append(s.PendingPartialWithdrawals, g.partialWithdrawal())
	}
	return s
}

func BenchmarkFullRootSequential(b *testing.B) {
	state, _ := benchSetup(b)
	cpu := cputime.Start()
	for b.Loop() {
		ssz.HashSequential(state)
	}
	cpu.Report(b)
}

func BenchmarkFullRootConcurrent(b *testing.B) {
	state, _ := benchSetup(b)
	cpu := cputime.Start()
	for b.Loop() {
		ssz.HashConcurrent(state)
	}
	cpu.Report(b)
}

// BenchmarkCacheBuild builds a cache from nothing: the cost of New at startup.
func BenchmarkCacheBuild(b *testing.B) {
	state, _ := benchSetup(b)
	cpu := cputime.Start()
	for b.Loop() {
		if _, _, err := statecache.New(state); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report(b)
}

// blockChanges makes the changes of a typical block, as the brief describes one: a few hundred balances and
// participation flags, a few validators, the slot's block and state roots, the RANDAO mix, the latest header and
// payload header, withdrawals.
func blockChanges(s *types.BeaconState, rng *rand.Rand) {
	n := len(s.Validators)
	s.Slot++
	slot := uint64(s.Slot)
	s.BlockRoots[slot%params.SlotsPerHistoricalRoot][0]++
	s.StateRoots[slot%params.SlotsPerHistoricalRoot][0]++
	s.RandaoMixes[(slot/params.SlotsPerEpoch)%params.EpochsPerHistoricalVector][1]++
	s.LatestBlockHeader = &types.BeaconBlockHeader{Slot: s.Slot, ProposerIndex: primitives.ValidatorIndex(rng.IntN(n))}
	header := *s.LatestExecutionPayloadHeader
	header.BlockNumber++
	s.LatestExecutionPayloadHeader = &header
	for range 600 { // sync committee rewards and penalties, the proposer, withdrawals
		s.Balances[rng.IntN(n)] += 10_000
	}
	for range 300 {
		s.CurrentEpochParticipation[rng.IntN(n)] |= 1
		s.PreviousEpochParticipation[rng.IntN(n)] |= 2
	}
	for range 4 { // an exit, a slashing, a credentials change, a consolidation
		v := s.Validators[rng.IntN(n)]
		v.ExitEpoch--
	}
	s.NextWithdrawalIndex += 16
	s.NextWithdrawalValidatorIndex += 16
	s.PendingPartialWithdrawals = s.PendingPartialWithdrawals[2:]
	s.PendingPartialWithdrawals = append(s.PendingPartialWithdrawals, &types.PendingPartialWithdrawal{ValidatorIndex: primitives.ValidatorIndex(rng.IntN(n))})
}

// mainnetBlockChanges adds what a block on mainnet also does with 2^20 validators: its attestations set the
// participation flags of one slot's committees, about 2^15 validators scattered over the registry.
func mainnetBlockChanges(s *types.BeaconState, rng *rand.Rand) {
	blockChanges(s, rng)
	n := len(s.Validators)
	for range n / int(params.SlotsPerEpoch) {
		s.CurrentEpochParticipation[rng.IntN(n)] |= 1 << rng.IntN(3)
	}
}

// epochChanges makes the changes of an epoch transition: every balance (rewards and penalties), participation
// rotated and reset, inactivity scores of some, effective balances of some validators, the slashings and RANDAO
// vectors' next entries, the proposer lookahead, pending deposits processed.
func epochChanges(s *types.BeaconState, rng *rand.Rand) {
	n := len(s.Validators)
	for i := range s.Balances {
		s.Balances[i] += primitives.Gwei(1000 + i%7)
	}
	s.PreviousEpochParticipation, s.CurrentEpochParticipation = s.CurrentEpochParticipation, s.PreviousEpochParticipation
	clear(s.CurrentEpochParticipation)
	for range n / 100 {
		s.InactivityScores[rng.IntN(n)]++
	}
	for range n / 200 {
		s.Validators[rng.IntN(n)].EffectiveBalance -= 1_000_000_000
	}
	epoch := uint64(s.Slot) / params.SlotsPerEpoch
	s.Slashings[(epoch+1)%params.EpochsPerSlashingsVector] = 0
	s.RandaoMixes[(epoch+1)%params.EpochsPerHistoricalVector] = s.RandaoMixes[epoch%params.EpochsPerHistoricalVector]
	copy(s.ProposerLookahead[:], s.ProposerLookahead[params.SlotsPerEpoch:])
	for i := len(s.ProposerLookahead) - params.SlotsPerEpoch; i < len(s.ProposerLookahead); i++ {
		s.ProposerLookahead[i] = primitives.ValidatorIndex(rng.IntN(n))
	}
	processed := s.PendingDeposits[:16]
	s.PendingDeposits = append(s.PendingDeposits[16:], processed...)
	s.JustificationBits[0] = s.JustificationBits[0]<<1 | 1
}

func benchCached(b *testing.B, changes func(*types.BeaconState, *rand.Rand), copied bool) {
	state, cache := benchSetup(b)
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	cpu := cputime.Start()
	for b.Loop() {
		if changes != nil {
			changes(state, rng)
		}
		c := cache
		if copied {
			c = cache.Copy()
		}
		if _, err := c.HashTreeRoot(state); err != nil {
			b.Fatal(err)
		}
		cache = c
	}
	cpu.Report(b)
	b.StopTimer()
	benchCache = cache
	if root, want := must(cache.HashTreeRoot(state)), ssz.HashConcurrent(state); root != want {
		b.Fatalf("cached root %#x, full root %#x", root, want)
	}
}

func must(root primitives.Root, err error) primitives.Root {
	if err != nil {
		panic(err)
	}
	return root
}

func BenchmarkCachedNoChange(b *testing.B)    { benchCached(b, nil, false) }
func BenchmarkCachedBlock(b *testing.B)       { benchCached(b, blockChanges, false) }
func BenchmarkCachedBlockCopied(b *testing.B) { benchCached(b, blockChanges, true) }
func BenchmarkCachedMainnetBlockCopied(b *testing.B) {
	benchCached(b, mainnetBlockChanges, true)
}
func BenchmarkCachedEpoch(b *testing.B)       { benchCached(b, epochChanges, false) }
func BenchmarkCachedEpochCopied(b *testing.B) { benchCached(b, epochChanges, true) }

// BenchmarkCopy measures Copy alone: the page tables of a cache of 2^20 validators.
func BenchmarkCopy(b *testing.B) {
	_, cache := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		cache.Copy()
	}
}

// BenchmarkMemory reports the memory a cache of 2^20 validators holds: Size, and the growth of the live heap
// when one is built, per validator.
func BenchmarkMemory(b *testing.B) {
	state, _ := benchSetup(b)
	var cache *statecache.Cache
	var heap uint64
	for b.Loop() {
		before := liveHeap()
		c, _, err := statecache.New(state)
		if err != nil {
			b.Fatal(err)
		}
		heap = liveHeap() - before
		cache = c
	}
	b.ReportMetric(float64(cache.Size())/benchValidators, "size-B/validator")
	b.ReportMetric(float64(heap)/benchValidators, "heap-B/validator")
	runtime.KeepAlive(cache)
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
