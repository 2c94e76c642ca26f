package forkchoice

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// specStore is the spec's Store and handlers transliterated with no optimization at all: the oracle the
// proto-array is checked against on random block trees, votes, equivocations and clocks.
type specStore struct {
	spec                               *params.Spec
	time, genesisTime                  uint64
	justified, finalized               types.Checkpoint
	unrealizedJustified, unrealizedFin types.Checkpoint
	proposerBoostRoot                  primitives.Root
	equivocating                       map[primitives.ValidatorIndex]bool
	blocks                             map[primitives.Root]*specBlock
	latest                             map[primitives.ValidatorIndex]specMessage
	balances                           func(types.Checkpoint) *Balances
}

type specBlock struct {
	root, parent        primitives.Root
	slot                primitives.Slot
	justified           types.Checkpoint // block_states[root].current_justified_checkpoint
	unrealizedJustified types.Checkpoint
	timely              bool
}

type specMessage struct {
	epoch primitives.Epoch
	root  primitives.Root
}

func (s *specStore) currentSlot() primitives.Slot {
	return primitives.Slot((s.time - s.genesisTime) / s.spec.SecondsPerSlot)
}

func (s *specStore) currentEpoch() primitives.Epoch {
	return helpers.ComputeEpochAtSlot(s.currentSlot())
}

func (s *specStore) ancestor(root primitives.Root, slot primitives.Slot) primitives.Root {
	b := s.blocks[root]
	if b.slot > slot {
		return s.ancestor(b.parent, slot)
	}
	return root
}

func (s *specStore) weight(root primitives.Root) primitives.Gwei {
	balances := s.balances(s.justified)
	var score primitives.Gwei
	for i, m := range s.latest {
		if int(i) < len(balances.Effective) && !s.equivocating[i] && s.ancestor(m.root, s.blocks[root].slot) == root {
			score += balances.Effective[i]
		}
	}
	if s.proposerBoostRoot != (primitives.Root{}) && s.ancestor(s.proposerBoostRoot, s.blocks[root].slot) == root {
		score += calculateCommitteeFraction(balances, s.spec.ProposerScoreBoost)
	}
	return score
}

func (s *specStore) votingSource(root primitives.Root) types.Checkpoint {
	b := s.blocks[root]
	if s.currentEpoch() > helpers.ComputeEpochAtSlot(b.slot) {
		return b.unrealizedJustified
	}
	return b.justified
}

func (s *specStore) filter(root primitives.Root, out map[primitives.Root]bool) bool {
	var children []primitives.Root
	for r, b := range s.blocks {
		if b.parent == root && r != root {
			children = append(children, r)
		}
	}
	if len(children) > 0 {
		viable := false
		for _, c := range children {
			viable = s.filter(c, out) || viable
		}
		if viable {
			out[root] = true
		}
		return viable
	}
	current := s.currentEpoch()
	source := s.votingSource(root)
	correctJustified := s.justified.Epoch == 0 || source.Epoch == s.justified.Epoch || source.Epoch+2 >= current
	correctFinalized := s.finalized.Epoch == 0 ||
		s.ancestor(root, helpers.ComputeStartSlotAtEpoch(s.finalized.Epoch)) == s.finalized.Root
	if correctJustified && correctFinalized {
		out[root] = true
		return true
	}
	return false
}

func (s *specStore) head() primitives.Root {
	blocks := map[primitives.Root]bool{}
	s.filter(s.justified.Root, blocks)
	head := s.justified.Root
	for {
		var best primitives.Root
		var bestWeight primitives.Gwei
		found := false
		for r := range blocks {
			if s.blocks[r].parent != head || r == head {
				continue
			}
			w := s.weight(r)
			if !found || w > bestWeight || (w == bestWeight && bytes.Compare(r[:], best[:]) > 0) {
				best, bestWeight, found = r, w, true
			}
		}
		if !found {
			return head
		}
		head = best
	}
}

func (s *specStore) updateCheckpoints(j, f types.Checkpoint) {
	if j.Epoch > s.justified.Epoch {
		s.justified = j
	}
	if f.Epoch > s.finalized.Epoch {
		s.finalized = f
	}
}

func (s *specStore) onTick(time uint64) {
	tickSlot := primitives.Slot((time - s.genesisTime) / s.spec.SecondsPerSlot)
	for s.currentSlot() < tickSlot {
		s.onTickPerSlot(s.genesisTime + uint64(s.currentSlot()+1)*s.spec.SecondsPerSlot)
	}
	s.onTickPerSlot(time)
}

func (s *specStore) onTickPerSlot(time uint64) {
	previous := s.currentSlot()
	s.time = time
	current := s.currentSlot()
	if current > previous {
		s.proposerBoostRoot = primitives.Root{}
	}
	if current > previous && uint64(current)%params.SlotsPerEpoch == 0 {
		s.updateCheckpoints(s.unrealizedJustified, s.unrealizedFin)
	}
}

// testBalances gives every checkpoint its own effective balances (some validators inactive), so that a change of
// justified checkpoint changes the weights.
func testBalances(validators int) func(types.Checkpoint) *Balances {
	cache := map[types.Checkpoint]*Balances{}
	return func(cp types.Checkpoint) *Balances {
		if b, ok := cache[cp]; ok {
			return b
		}
		rng := rand.New(rand.NewPCG(uint64(cp.Epoch), binary.LittleEndian.Uint64(cp.Root[:])))
		b := &Balances{Checkpoint: cp, Effective: make([]primitives.Gwei, validators)}
		for i := range b.Effective {
			if rng.IntN(10) > 0 {
				b.Effective[i] = primitives.Gwei(16+rng.IntN(17)) * 1_000_000_000
			}
			b.TotalActive += b.Effective[i]
		}
		cache[cp] = b
		return b
	}
}

type alwaysAvailable struct{}

func (alwaysAvailable) IsDataAvailable(primitives.Root, *types.BeaconBlock) error { return nil }

func testSpec(t testing.TB) *params.Spec {
	t.Helper()
	cfg := params.MainnetConfig()
	if params.PresetName == "minimal" {
		cfg = params.MinimalConfig()
	}
	spec, err := params.NewSpec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func randomRoot(rng *rand.Rand) (r primitives.Root) {
	for i := 0; i < 32; i += 8 {
		binary.LittleEndian.PutUint64(r[i:], rng.Uint64())
	}
	return r
}

// testBlock returns a block with a body complete enough to encode.
func testBlock(slot primitives.Slot, parent primitives.Root, salt uint64) *types.BeaconBlock {
	var graffiti primitives.Bytes32
	binary.LittleEndian.PutUint64(graffiti[:], salt)
	return &types.BeaconBlock{Slot: slot, ParentRoot: parent, Body: &types.BeaconBlockBody{
		Graffiti: graffiti, Eth1Data: &types.Eth1Data{}, SyncAggregate: &types.SyncAggregate{},
		ExecutionPayload: &types.ExecutionPayload{BlockHash: primitives.Hash32(graffiti)}, ExecutionRequests: &types.ExecutionRequests{},
	}}
}

func TestProtoArrayAgreesWithTheSpec(t *testing.T) {
	spec := testSpec(t)
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 7))
		validators := 64 + rng.IntN(64)
		balances := testBalances(validators)
		anchorRoot := randomRoot(rng)
		genesis := uint64(1_600_000_000)
		anchor := &Anchor{Root: anchorRoot, GenesisTime: genesis}
		store, err := NewStore(StoreConfig{Spec: spec, Availability: alwaysAvailable{}, PruneThreshold: 1 << 30,
			Balances: BalancesFunc(func(cp types.Checkpoint) (*Balances, error) { return balances(cp), nil })}, anchor)
		if err != nil {
			t.Fatal(err)
		}
		anchorCP := anchor.Checkpoint()
		oracle := &specStore{spec: spec, time: genesis, genesisTime: genesis, justified: anchorCP, finalized: anchorCP,
			unrealizedJustified: anchorCP, unrealizedFin: anchorCP, equivocating: map[primitives.ValidatorIndex]bool{},
			blocks:   map[primitives.Root]*specBlock{anchorRoot: {root: anchorRoot, unrealizedJustified: anchorCP}},
			latest:   map[primitives.ValidatorIndex]specMessage{},
			balances: balances}
		roots := []primitives.Root{anchorRoot}

		for step := range 300 {
			switch op := rng.IntN(10); {
			case op < 3: // tick
				now := oracle.time + uint64(rng.IntN(int(2*spec.SecondsPerSlot*params.SlotsPerEpoch/3)+1))
				if err := store.OnTick(now); err != nil {
					t.Fatal(err)
				}
				oracle.onTick(now)
			case op < 6: // block
				parent := oracle.blocks[roots[rng.IntN(len(roots))]]
				current := oracle.currentSlot()
				if parent.slot >= current {
					continue
				}
				slot := parent.slot + 1 + primitives.Slot(rng.IntN(int(current-parent.slot)))
				blk := testBlock(slot, parent.root, rng.Uint64())
				root := types.HashTreeRoot(blk)
				post := randomPostState(rng, oracle, parent, slot)
				err := store.OnBlock(&BlockInput{Root: root, Block: blk, Execution: ExecutionValid, PostState: post})
				finalizedOK := slot > helpers.ComputeStartSlotAtEpoch(oracle.finalized.Epoch) &&
					oracle.ancestor(parent.root, helpers.ComputeStartSlotAtEpoch(oracle.finalized.Epoch)) == oracle.finalized.Root
				if (err == nil) != finalizedOK {
					t.Fatalf("seed %d step %d: on_block: %v, spec says valid=%v", seed, step, err, finalizedOK)
				}
				if err != nil {
					continue
				}
				timeIntoSlot := secondsToMilliseconds(oracle.time-genesis) % uint64(spec.SlotDuration.Milliseconds())
				timely := oracle.currentSlot() == slot &&
					timeIntoSlot < spec.AttestationDueBPS*uint64(spec.SlotDuration.Milliseconds())/BasisPoints
				oracle.blocks[root] = &specBlock{root: root, parent: parent.root, slot: slot, justified: post.Justified,
					unrealizedJustified: post.UnrealizedJustified, timely: timely}
				if timely && oracle.proposerBoostRoot == (primitives.Root{}) {
					oracle.proposerBoostRoot = root
				}
				oracle.updateCheckpoints(post.Justified, post.Finalized)
				if post.UnrealizedJustified.Epoch > oracle.unrealizedJustified.Epoch {
					oracle.unrealizedJustified = post.UnrealizedJustified
				}
				if post.UnrealizedFinalized.Epoch > oracle.unrealizedFin.Epoch {
					oracle.unrealizedFin = post.UnrealizedFinalized
				}
				if helpers.ComputeEpochAtSlot(slot) < oracle.currentEpoch() {
					oracle.updateCheckpoints(post.UnrealizedJustified, post.UnrealizedFinalized)
				}
				roots = append(roots, root)
			case op < 9: // attestation from a block
				b := oracle.blocks[roots[rng.IntN(len(roots))]]
				current := oracle.currentSlot()
				if b.slot >= current {
					continue
				}
				slot := b.slot + primitives.Slot(rng.IntN(int(current-b.slot)))
				epoch := helpers.ComputeEpochAtSlot(slot)
				target := types.Checkpoint{Epoch: epoch, Root: oracle.ancestor(b.root, helpers.ComputeStartSlotAtEpoch(epoch))}
				var indices []primitives.ValidatorIndex
				for i := range validators {
					if rng.IntN(4) == 0 {
						indices = append(indices, primitives.ValidatorIndex(i))
					}
				}
				att := &types.IndexedAttestation{AttestingIndices: indices, Data: &types.AttestationData{
					Slot: slot, BeaconBlockRoot: b.root, Source: &types.Checkpoint{}, Target: &target}}
				if err := store.OnAttestation(att, true); err != nil {
					t.Fatalf("seed %d step %d: on_attestation: %v", seed, step, err)
				}
				for _, i := range indices {
					if m, ok := oracle.latest[i]; !oracle.equivocating[i] && (!ok || epoch > m.epoch) {
						oracle.latest[i] = specMessage{epoch: epoch, root: b.root}
					}
				}
			default: // attester slashing: a double vote
				var indices []primitives.ValidatorIndex
				for i := range validators {
					if rng.IntN(16) == 0 {
						indices = append(indices, primitives.ValidatorIndex(i))
					}
				}
				data1 := &types.AttestationData{Slot: 1, Source: &types.Checkpoint{}, Target: &types.Checkpoint{Epoch: 3}}
				data2 := &types.AttestationData{Slot: 2, Source: &types.Checkpoint{}, Target: &types.Checkpoint{Epoch: 3}}
				slashing := &types.AttesterSlashing{
					Attestation1: &types.IndexedAttestation{AttestingIndices: indices, Data: data1},
					Attestation2: &types.IndexedAttestation{AttestingIndices: indices, Data: data2}}
				if err := store.OnAttesterSlashing(slashing); err != nil {
					t.Fatal(err)
				}
				for _, i := range indices {
					oracle.equivocating[i] = true
				}
			}

			head, err := store.GetHead()
			if err != nil {
				t.Fatal(err)
			}
			if want := oracle.head(); head != want {
				t.Fatalf("seed %d step %d: head %#x, spec says %#x", seed, step, head, want)
			}
			if store.JustifiedCheckpoint() != oracle.justified || store.FinalizedCheckpoint() != oracle.finalized ||
				store.ProposerBoostRoot() != oracle.proposerBoostRoot {
				t.Fatalf("seed %d step %d: checkpoints or boost differ from the spec's", seed, step)
			}
			for _, root := range roots {
				have, err := store.GetWeight(root)
				if err != nil {
					t.Fatal(err)
				}
				if want := oracle.weight(root); have != want {
					t.Fatalf("seed %d step %d: weight of %#x %d, spec says %d", seed, step, root, have, want)
				}
			}
		}
	}
}

// randomPostState makes plausible checkpoints for a block at slot on parent: justification only moves forward
// along the chain, to checkpoint blocks of the block's own chain, and sometimes lags its unrealized value.
func randomPostState(rng *rand.Rand, s *specStore, parent *specBlock, slot primitives.Slot) PostState {
	checkpointAt := func(epoch primitives.Epoch) types.Checkpoint {
		return types.Checkpoint{Epoch: epoch, Root: s.ancestor(parent.root, helpers.ComputeStartSlotAtEpoch(epoch))}
	}
	epoch := helpers.ComputeEpochAtSlot(slot)
	pick := func(from primitives.Epoch) primitives.Epoch {
		if epoch == 0 || from >= epoch-1 || helpers.ComputeStartSlotAtEpoch(epoch) == slot {
			return from
		}
		return from + primitives.Epoch(rng.IntN(int(epoch-from)))
	}
	justified := parent.justified
	if rng.IntN(3) == 0 {
		justified = checkpointAt(pick(justified.Epoch))
	}
	unrealized := justified
	if rng.IntN(2) == 0 {
		unrealized = checkpointAt(pick(justified.Epoch))
	}
	finalized := types.Checkpoint{}
	if justified.Epoch > 0 && rng.IntN(2) == 0 {
		finalized = checkpointAt(justified.Epoch - 1)
	}
	return PostState{Justified: justified, Finalized: finalized, UnrealizedJustified: unrealized,
		UnrealizedFinalized: finalized}
}
