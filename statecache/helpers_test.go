package statecache_test

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/holiman/uint256"
	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/statecache"
	"github.com/salamander-client/salamander/types"
)

// stateGen builds random states and random changes to them, deterministically from its seed.
type stateGen struct {
	rng *rand.Rand
}

func newStateGen(seed uint64) *stateGen {
	return &stateGen{rng: rand.New(rand.NewPCG(seed, seed^0x5eed))}
}

func (g *stateGen) root() (r primitives.Root) {
	for i := 0; i < len(r); i += 8 {
		binary.LittleEndian.PutUint64(r[i:], g.rng.Uint64())
	}
	return r
}

func (g *stateGen) bytes(b []byte) {
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
}

// small returns a small number, often zero, so that equal neighbours and zero chunks are common.
func (g *stateGen) small() uint64 {
	if g.rng.IntN(3) == 0 {
		return 0
	}
	return g.rng.Uint64N(1 << (g.rng.IntN(4) * 16))
}

func (g *stateGen) validator() *types.Validator {
	v := &types.Validator{
		EffectiveBalance:           primitives.Gwei(g.small()),
		Slashed:                    g.rng.IntN(8) == 0,
		ActivationEligibilityEpoch: primitives.Epoch(g.small()),
		ActivationEpoch:            primitives.Epoch(g.small()),
		ExitEpoch:                  primitives.FarFutureEpoch,
		WithdrawableEpoch:          primitives.Epoch(g.small()),
	}
	g.bytes(v.Pubkey[:])
	g.bytes(v.WithdrawalCredentials[:])
	return v
}

func (g *stateGen) pendingDeposit() *types.PendingDeposit {
	d := &types.PendingDeposit{Amount: primitives.Gwei(g.small()), Slot: primitives.Slot(g.small())}
	g.bytes(d.Pubkey[:])
	g.bytes(d.WithdrawalCredentials[:])
	g.bytes(d.Signature[:])
	return d
}

func (g *stateGen) partialWithdrawal() *types.PendingPartialWithdrawal {
	return &types.PendingPartialWithdrawal{
		ValidatorIndex: primitives.ValidatorIndex(g.small()), Amount: primitives.Gwei(g.small()), WithdrawableEpoch: primitives.Epoch(g.small()),
	}
}

func (g *stateGen) consolidation() *types.PendingConsolidation {
	return &types.PendingConsolidation{SourceIndex: primitives.ValidatorIndex(g.small()), TargetIndex: primitives.ValidatorIndex(g.small())}
}

func (g *stateGen) eth1Data() *types.Eth1Data {
	return &types.Eth1Data{DepositRoot: g.root(), DepositCount: g.small(), BlockHash: primitives.Hash32(g.root())}
}

func (g *stateGen) syncCommittee() *types.SyncCommittee {
	c := new(types.SyncCommittee)
	for i := range c.Pubkeys {
		g.bytes(c.Pubkeys[i][:])
	}
	g.bytes(c.AggregatePubkey[:])
	return c
}

func (g *stateGen) payloadHeader() *types.ExecutionPayloadHeader {
	h := &types.ExecutionPayloadHeader{
		ParentHash: primitives.Hash32(g.root()), StateRoot: primitives.Bytes32(g.root()), BlockNumber: g.small(),
		GasLimit: g.small(), Timestamp: g.small(), ExtraData: make([]byte, g.rng.IntN(33)),
		BaseFeePerGas: uint256.NewInt(g.small()), BlockHash: primitives.Hash32(g.root()), TransactionsRoot: g.root(),
	}
	g.bytes(h.ExtraData)
	return h
}

// state returns a random state with n validators and lists of matching lengths.
func (g *stateGen) state(n int) *types.BeaconState {
	s := &types.BeaconState{
		GenesisTime:                  g.small(),
		GenesisValidatorsRoot:        g.root(),
		Slot:                         primitives.Slot(g.small()),
		Fork:                         &types.Fork{PreviousVersion: primitives.Version{1}, CurrentVersion: primitives.Version{2}, Epoch: 3},
		LatestBlockHeader:            &types.BeaconBlockHeader{Slot: 9, ParentRoot: g.root(), BodyRoot: g.root()},
		Eth1Data:                     g.eth1Data(),
		Eth1DepositIndex:             g.small(),
		PreviousJustifiedCheckpoint:  &types.Checkpoint{Epoch: 1, Root: g.root()},
		CurrentJustifiedCheckpoint:   &types.Checkpoint{Epoch: 2, Root: g.root()},
		FinalizedCheckpoint:          &types.Checkpoint{Epoch: 1, Root: g.root()},
		CurrentSyncCommittee:         g.syncCommittee(),
		NextSyncCommittee:            g.syncCommittee(),
		LatestExecutionPayloadHeader: g.payloadHeader(),
		NextWithdrawalIndex:          primitives.WithdrawalIndex(g.small()),
		EarliestExitEpoch:            primitives.Epoch(g.small()),
	}
	for i := range s.BlockRoots {
		s.BlockRoots[i], s.StateRoots[i] = g.root(), g.root()
	}
	for i := range s.RandaoMixes {
		s.RandaoMixes[i] = primitives.Bytes32(g.root())
	}
	for i := range s.Slashings {
		s.Slashings[i] = primitives.Gwei(g.small())
	}
	for i := range s.ProposerLookahead {
		s.ProposerLookahead[i] = primitives.ValidatorIndex(g.rng.IntN(n + 1))
	}
	for range n {
		g.appendValidator(s)
	}
	for range g.rng.IntN(40) {
		s.HistoricalRoots = append(s.HistoricalRoots, g.root())
		s.HistoricalSummaries = append(s.HistoricalSummaries, &types.HistoricalSummary{BlockSummaryRoot: g.root(), StateSummaryRoot: g.root()})
		s.PendingDeposits = append(s.PendingDeposits, g.pendingDeposit())
		s.PendingPartialWithdrawals = append(s.PendingPartialWithdrawals, g.partialWithdrawal())
		s.PendingConsolidations = append(s.PendingConsolidations, g.consolidation())
	}
	for range g.rng.IntN(min(20, params.EpochsPerEth1VotingPeriod*params.SlotsPerEpoch)) {
		s.Eth1DataVotes = append(s.Eth1DataVotes, g.eth1Data())
	}
	return s
}

func (g *stateGen) appendValidator(s *types.BeaconState) {
	s.Validators = append(s.Validators, g.validator())
	s.Balances = append(s.Balances, primitives.Gwei(g.small()))
	s.PreviousEpochParticipation = append(s.PreviousEpochParticipation, primitives.ParticipationFlag(g.rng.IntN(8)))
	s.CurrentEpochParticipation = append(s.CurrentEpochParticipation, primitives.ParticipationFlag(g.rng.IntN(8)))
	s.InactivityScores = append(s.InactivityScores, g.small())
}

// mutate applies a few random changes to s, of the kinds the state transition makes and some it never makes
// (lists of unrelated lengths, nil container fields), and returns their names.
func (g *stateGen) mutate(s *types.BeaconState) []string {
	var done []string
	for range 1 + g.rng.IntN(4) {
		name, change := g.pick()
		change(s)
		done = append(done, name)
	}
	return done
}

func (g *stateGen) pick() (string, func(*types.BeaconState)) {
	type mutation struct {
		name   string
		change func(*types.BeaconState)
	}
	idx := func(n int) int { return g.rng.IntN(max(n, 1)) }
	mutations := []mutation{
		{"nothing", func(*types.BeaconState) {}},
		{"validator fields", func(s *types.BeaconState) {
			for range 1 + g.rng.IntN(5) {
				if len(s.Validators) == 0 {
					return
				}
				v := s.Validators[idx(len(s.Validators))]
				switch g.rng.IntN(5) {
				case 0:
					v.EffectiveBalance += 1_000_000_000
				case 1:
					v.Slashed = !v.Slashed
				case 2:
					v.ExitEpoch, v.WithdrawableEpoch = primitives.Epoch(g.small()), primitives.Epoch(g.small())
				case 3:
					v.WithdrawalCredentials[0] = 2
				default:
					v.Pubkey[47] ^= 1
				}
			}
		}},
		{"validator replaced by an equal copy", func(s *types.BeaconState) {
			if len(s.Validators) > 0 {
				i := idx(len(s.Validators))
				v := *s.Validators[i]
				s.Validators[i] = &v
			}
		}},
		{"deposits", func(s *types.BeaconState) {
			for range 1 + g.rng.IntN(70) {
				g.appendValidator(s)
			}
		}},
		{"registry shrinks", func(s *types.BeaconState) {
			truncate(s, idx(len(s.Validators)+1))
		}},
		{"one list shrinks", func(s *types.BeaconState) {
			switch g.rng.IntN(3) {
			case 0:
				s.Balances = s.Balances[:idx(len(s.Balances)+1)]
			case 1:
				s.CurrentEpochParticipation = s.CurrentEpochParticipation[:idx(len(s.CurrentEpochParticipation)+1)]
			default:
				s.InactivityScores = nil
			}
		}},
		{"balances", func(s *types.BeaconState) {
			for range g.rng.IntN(300) {
				if len(s.Balances) > 0 {
					s.Balances[idx(len(s.Balances))] += primitives.Gwei(g.rng.IntN(1000))
				}
			}
		}},
		{"epoch: all balances and inactivity", func(s *types.BeaconState) {
			for i := range s.Balances {
				s.Balances[i] += primitives.Gwei(i)
			}
			for i := range s.InactivityScores {
				s.InactivityScores[i] = uint64(g.rng.IntN(3))
			}
		}},
		{"participation", func(s *types.BeaconState) {
			for range g.rng.IntN(300) {
				if len(s.CurrentEpochParticipation) > 0 {
					s.CurrentEpochParticipation[idx(len(s.CurrentEpochParticipation))] |= 1 << g.rng.IntN(3)
				}
			}
		}},
		{"epoch: participation rotation", func(s *types.BeaconState) {
			s.PreviousEpochParticipation = s.CurrentEpochParticipation
			s.CurrentEpochParticipation = make([]primitives.ParticipationFlag, len(s.Validators))
		}},
		{"slot roots", func(s *types.BeaconState) {
			s.Slot++
			s.BlockRoots[uint64(s.Slot)%params.SlotsPerHistoricalRoot] = g.root()
			s.StateRoots[uint64(s.Slot)%params.SlotsPerHistoricalRoot] = g.root()
			s.RandaoMixes[g.rng.IntN(len(s.RandaoMixes))] = primitives.Bytes32(g.root())
			s.LatestBlockHeader = &types.BeaconBlockHeader{Slot: s.Slot, ParentRoot: g.root()}
		}},
		{"slashings and lookahead", func(s *types.BeaconState) {
			s.Slashings[g.rng.IntN(len(s.Slashings))] = primitives.Gwei(g.small())
			copy(s.ProposerLookahead[:], s.ProposerLookahead[params.SlotsPerEpoch:])
			for i := len(s.ProposerLookahead) - params.SlotsPerEpoch; i < len(s.ProposerLookahead); i++ {
				s.ProposerLookahead[i] = primitives.ValidatorIndex(g.small())
			}
		}},
		{"history", func(s *types.BeaconState) {
			s.HistoricalSummaries = append(s.HistoricalSummaries, &types.HistoricalSummary{BlockSummaryRoot: g.root()})
			if g.rng.IntN(2) == 0 {
				s.HistoricalRoots = append(s.HistoricalRoots, g.root())
			} else {
				s.HistoricalRoots = s.HistoricalRoots[:idx(len(s.HistoricalRoots)+1)]
			}
		}},
		{"eth1 votes", func(s *types.BeaconState) {
			if g.rng.IntN(4) == 0 {
				s.Eth1DataVotes = nil
				return
			}
			if len(s.Eth1DataVotes) < params.EpochsPerEth1VotingPeriod*params.SlotsPerEpoch {
				s.Eth1DataVotes = append(s.Eth1DataVotes, g.eth1Data())
			}
		}},
		{"pending deposits drained and queued", func(s *types.BeaconState) {
			k := idx(len(s.PendingDeposits) + 1)
			postponed := s.PendingDeposits[:g.rng.IntN(k+1)]
			s.PendingDeposits = append(append(append([]*types.PendingDeposit(nil), s.PendingDeposits[k:]...), postponed...), g.pendingDeposit())
		}},
		{"pending deposit duplicated", func(s *types.BeaconState) {
			if len(s.PendingDeposits) > 0 {
				d := *s.PendingDeposits[idx(len(s.PendingDeposits))]
				s.PendingDeposits = append([]*types.PendingDeposit{&d}, s.PendingDeposits...)
			}
		}},
		{"pending withdrawals and consolidations", func(s *types.BeaconState) {
			s.PendingPartialWithdrawals = s.PendingPartialWithdrawals[idx(len(s.PendingPartialWithdrawals)+1):]
			for range g.rng.IntN(4) {
				s.PendingPartialWithdrawals = append(s.PendingPartialWithdrawals, g.partialWithdrawal())
			}
			if len(s.PendingConsolidations) > 0 && g.rng.IntN(2) == 0 {
				s.PendingConsolidations[idx(len(s.PendingConsolidations))].TargetIndex++
			}
			s.PendingConsolidations = append(s.PendingConsolidations[idx(len(s.PendingConsolidations)+1):], g.consolidation())
		}},
		{"sync committee period", func(s *types.BeaconState) {
			s.CurrentSyncCommittee, s.NextSyncCommittee = s.NextSyncCommittee, g.syncCommittee()
		}},
		{"sync committee edited in place", func(s *types.BeaconState) {
			s.NextSyncCommittee.Pubkeys[g.rng.IntN(len(s.NextSyncCommittee.Pubkeys))][0] ^= 1
		}},
		{"payload header and finality", func(s *types.BeaconState) {
			s.LatestExecutionPayloadHeader = g.payloadHeader()
			s.JustificationBits[0] = byte(g.rng.IntN(16))
			s.FinalizedCheckpoint = &types.Checkpoint{Epoch: primitives.Epoch(g.small()), Root: g.root()}
			s.NextWithdrawalValidatorIndex++
			s.ExitBalanceToConsume = primitives.Gwei(g.small())
		}},
		{"nil container fields", func(s *types.BeaconState) {
			s.Fork, s.CurrentSyncCommittee, s.LatestExecutionPayloadHeader, s.PreviousJustifiedCheckpoint = nil, nil, nil, nil
		}},
		{"everything replaced", func(s *types.BeaconState) {
			*s = *g.state(g.rng.IntN(300))
		}},
	}
	m := mutations[g.rng.IntN(len(mutations))]
	return m.name, m.change
}

// copyState returns a deep copy of s, through its encoding.
func copyState(t testing.TB, s *types.BeaconState) *types.BeaconState {
	t.Helper()
	data, err := types.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	c := new(types.BeaconState)
	if err := types.Unmarshal(data, c); err != nil {
		t.Fatal(err)
	}
	return c
}

// requireRoot checks the cached root of s against the full root.
func requireRoot(t testing.TB, cache *statecache.Cache, s *types.BeaconState, context ...any) {
	t.Helper()
	got, err := cache.HashTreeRoot(s)
	if err != nil {
		t.Fatalf("%v: %v", context, err)
	}
	if want := ssz.HashSequential(s); got != want {
		t.Fatalf("%v: cached root %#x, full root %#x", context, got, want)
	}
}

// truncate shortens the registry's lists to at most n elements.
func truncate(s *types.BeaconState, n int) {
	s.Validators = s.Validators[:min(n, len(s.Validators))]
	s.Balances = s.Balances[:min(n, len(s.Balances))]
	s.InactivityScores = s.InactivityScores[:min(n, len(s.InactivityScores))]
	s.PreviousEpochParticipation = s.PreviousEpochParticipation[:min(n, len(s.PreviousEpochParticipation))]
	s.CurrentEpochParticipation = s.CurrentEpochParticipation[:min(n, len(s.CurrentEpochParticipation))]
}
