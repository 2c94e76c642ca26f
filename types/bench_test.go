//go:build !minimal && unix

package types_test

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/holiman/uint256"

	"github.com/salamander-client/salamander/bench/cputime"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// Benchmarks on a synthetic mainnet-preset BeaconState with 2^20 validators, built once per test process and
// shared by every benchmark (it takes about 250 MB; the encoding about 150 MB):
//
//	go test -run='^$' -bench=BeaconState -benchmem -benchtime=5x ./types
//
// Beside the wall time each reports cpu-ms/op (package cputime), the processor time of the whole process per
// operation, which stays meaningful on a machine shared with other work.

const benchValidators = 1 << 20

var (
	benchStateOnce    sync.Once
	benchState        *types.BeaconState
	benchStateEncoded []byte
)

// largeState returns the shared synthetic state and its encoding.
func largeState(b *testing.B) (*types.BeaconState, []byte) {
	b.Helper()
	benchStateOnce.Do(func() {
		benchState = syntheticState(benchValidators)
		encoded, err := types.Marshal(benchState)
		if err != nil {
			b.Fatalf("encode synthetic state: %v", err)
		}
		benchStateEncoded = encoded
	})
	if benchState == nil {
		b.Fatal("synthetic state unavailable")
	}
	return benchState, benchStateEncoded
}

// syntheticState builds a deterministic, mainnet-like state of n validators: distinct pubkeys, a mix of 0x01 and
// 0x02 withdrawal credentials, balances around their effective balance, a few exited and slashed validators, full
// participation for most, filled history vectors and sync committees, and some queued deposits and withdrawals.
func syntheticState(n int) *types.BeaconState {
	rng := rand.New(rand.NewPCG(1, 2))
	randomRoot := func() (r primitives.Root) {
		for i := 0; i < len(r); i += 8 {
			binary.LittleEndian.PutUint64(r[i:], rng.Uint64())
		}
		return r
	}
	const epoch = primitives.Epoch(400_000)
	state := &types.BeaconState{
		GenesisTime:                 1_606_824_023,
		GenesisValidatorsRoot:       randomRoot(),
		Slot:                        primitives.Slot(uint64(epoch) * params.SlotsPerEpoch),
		Fork:                        &types.Fork{PreviousVersion: primitives.Version{5}, CurrentVersion: primitives.Version{6}, Epoch: epoch - 1000},
		LatestBlockHeader:           &types.BeaconBlockHeader{Slot: primitives.Slot(uint64(epoch)*params.SlotsPerEpoch - 1), ProposerIndex: 7, ParentRoot: randomRoot(), BodyRoot: randomRoot()},
		Eth1Data:                    &types.Eth1Data{DepositRoot: randomRoot(), DepositCount: uint64(n), BlockHash: primitives.Hash32(randomRoot())},
		Eth1DepositIndex:            uint64(n),
		Validators:                  make([]*types.Validator, n),
		Balances:                    make([]primitives.Gwei, n),
		PreviousEpochParticipation:  make([]primitives.ParticipationFlag, n),
		CurrentEpochParticipation:   make([]primitives.ParticipationFlag, n),
		JustificationBits:           [1]byte{0b1111},
		PreviousJustifiedCheckpoint: &types.Checkpoint{Epoch: epoch - 2, Root: randomRoot()},
		CurrentJustifiedCheckpoint:  &types.Checkpoint{Epoch: epoch - 1, Root: randomRoot()},
		FinalizedCheckpoint:         &types.Checkpoint{Epoch: epoch - 2, Root: randomRoot()},
		InactivityScores:            make([]uint64, n),
		CurrentSyncCommittee:        new(types.SyncCommittee),
		NextSyncCommittee:           new(types.SyncCommittee),
		LatestExecutionPayloadHeader: &types.ExecutionPayloadHeader{
			ParentHash: primitives.Hash32(randomRoot()), StateRoot: primitives.Bytes32(randomRoot()), ReceiptsRoot: primitives.Bytes32(randomRoot()),
			BlockNumber: 23_000_000, GasLimit: 45_000_000, GasUsed: 21_000_000, Timestamp: 1_760_000_000,
			ExtraData: []byte("salamander"), BaseFeePerGas: uint256.NewInt(1_000_000_000),
			BlockHash: primitives.Hash32(randomRoot()), TransactionsRoot: randomRoot(), WithdrawalsRoot: randomRoot(),
		},
		NextWithdrawalIndex:          90_000_000,
		NextWithdrawalValidatorIndex: 12_345,
		DepositRequestsStartIndex:    2_000_000,
		EarliestExitEpoch:            epoch + 5,
		EarliestConsolidationEpoch:   epoch + 5,
	}
	for i := range state.BlockRoots {
		state.BlockRoots[i], state.StateRoots[i] = randomRoot(), randomRoot()
	}
	for i := range state.RandaoMixes {
		state.RandaoMixes[i] = primitives.Bytes32(randomRoot())
	}
	for i := range state.Slashings {
		if rng.IntN(64) == 0 {
			state.Slashings[i] = primitives.Gwei(32_000_000_000 * (1 + rng.IntN(4)))
		}
	}
	for i := range 1_000 {
		state.HistoricalSummaries = append(state.HistoricalSummaries, &types.HistoricalSummary{BlockSummaryRoot: randomRoot(), StateSummaryRoot: randomRoot()})
		if i < 100 {
			state.Eth1DataVotes = append(state.Eth1DataVotes, &types.Eth1Data{DepositRoot: randomRoot(), DepositCount: uint64(n)})
			state.PendingPartialWithdrawals = append(state.PendingPartialWithdrawals, &types.PendingPartialWithdrawal{ValidatorIndex: primitives.ValidatorIndex(rng.IntN(n)), Amount: 1_000_000_000, WithdrawableEpoch: epoch + 256})
		}
	}
	var seed [8]byte
	for i := range n {
		v := &types.Validator{
			EffectiveBalance:           32_000_000_000,
			ActivationEligibilityEpoch: primitives.Epoch(i / 64),
			ActivationEpoch:            primitives.Epoch(i/64 + 5),
			ExitEpoch:                  primitives.FarFutureEpoch,
			WithdrawableEpoch:          primitives.FarFutureEpoch,
		}
		binary.LittleEndian.PutUint64(seed[:], uint64(i))
		first, second := sha256.Sum256(seed[:]), sha256.Sum256(append(seed[:], 1))
		copy(v.Pubkey[:32], first[:])
		copy(v.Pubkey[32:], second[:16])
		v.WithdrawalCredentials[0] = 0x01
		copy(v.WithdrawalCredentials[12:], second[16:])
		if i%10 == 0 {
			v.WithdrawalCredentials[0] = 0x02
			v.EffectiveBalance = primitives.Gwei(32_000_000_000 + 1_000_000_000*rng.IntN(2017))
		}
		switch {
		case i%500 == 0:
			v.Slashed = true
			v.ExitEpoch, v.WithdrawableEpoch = epoch-10, epoch+8182
		case i%97 == 0:
			v.ExitEpoch, v.WithdrawableEpoch = epoch-300, epoch-44
		}
		state.Validators[i] = v
		state.Balances[i] = v.EffectiveBalance + primitives.Gwei(rng.IntN(1_000_000_000))
		if rng.IntN(100) < 97 {
			state.PreviousEpochParticipation[i] = 0b111
			state.CurrentEpochParticipation[i] = primitives.ParticipationFlag(rng.IntN(8))
		}
		if rng.IntN(50) == 0 {
			state.InactivityScores[i] = uint64(rng.IntN(100))
		}
	}
	for i := range state.CurrentSyncCommittee.Pubkeys {
		state.CurrentSyncCommittee.Pubkeys[i] = state.Validators[rng.IntN(n)].Pubkey
		state.NextSyncCommittee.Pubkeys[i] = state.Validators[rng.IntN(n)].Pubkey
	}
	for i := range 5_000 {
		state.PendingDeposits = append(state.PendingDeposits, &types.PendingDeposit{
			Pubkey: state.Validators[rng.IntN(n)].Pubkey, Amount: 32_000_000_000, Slot: primitives.Slot(i),
		})
	}
	for i := range state.ProposerLookahead {
		state.ProposerLookahead[i] = primitives.ValidatorIndex(rng.IntN(n))
	}
	return state
}

func BenchmarkBeaconStateEncode(b *testing.B) {
	state, encoded := largeState(b)
	buf := make([]byte, 0, len(encoded))
	b.SetBytes(int64(len(encoded)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Start()
	for b.Loop() {
		var err error
		if buf, err = types.MarshalAppend(buf[:0], state); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report(b)
}

func BenchmarkBeaconStateDecode(b *testing.B) {
	_, encoded := largeState(b)
	b.SetBytes(int64(len(encoded)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Start()
	for b.Loop() {
		if err := types.Unmarshal(encoded, new(types.BeaconState)); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report(b)
}

func BenchmarkBeaconStateHashSequential(b *testing.B) {
	state, encoded := largeState(b)
	b.SetBytes(int64(len(encoded)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Start()
	for b.Loop() {
		types.HashTreeRoot(state)
	}
	cpu.Report(b)
}

func BenchmarkBeaconStateHashConcurrent(b *testing.B) {
	state, encoded := largeState(b)
	b.SetBytes(int64(len(encoded)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Start()
	for b.Loop() {
		state.HashTreeRoot()
	}
	cpu.Report(b)
}

// TestBeaconStateHashersAgree guards the benchmark's premise: both hashers give one root, on a state large enough
// for the concurrent hasher to split its lists.
func TestBeaconStateHashersAgree(t *testing.T) {
	state := syntheticState(20_000)
	if seq, con := types.HashTreeRoot(state), state.HashTreeRoot(); seq != con {
		t.Fatalf("sequential root %#x, concurrent root %#x", seq, con)
	}
}
