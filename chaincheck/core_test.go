package chaincheck

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"

	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/genesis"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

const testValidators = 64

// fakeChain is a Chain held in maps.
type fakeChain struct {
	blocks map[primitives.Root]fakeBlock
	states map[primitives.Root]*types.BeaconState
	fin    types.Checkpoint
	head   primitives.Root
}

type fakeBlock struct {
	slot   primitives.Slot
	parent primitives.Root
}

func (f *fakeChain) Block(root primitives.Root) (primitives.Slot, primitives.Root, bool, error) {
	b, ok := f.blocks[root]
	return b.slot, b.parent, ok, nil
}

func (f *fakeChain) Finalized() (types.Checkpoint, error) { return f.fin, nil }

func (f *fakeChain) StateAt(_ context.Context, root primitives.Root, _ primitives.Epoch) (*types.BeaconState, error) {
	if s, ok := f.states[root]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("%w: %#x", ErrUnknownBlock, root)
}

func (f *fakeChain) Head() (primitives.Root, primitives.Slot, error) {
	return f.head, f.blocks[f.head].slot, nil
}

// world is the interop genesis of testValidators validators as a fakeChain, with the validators' keys.
type world struct {
	env     *helpers.Env
	state   *types.BeaconState
	genesis primitives.Root
	keys    []*bls.SecretKey
	chain   *fakeChain
	checker *Checker
}

func newWorld(t testing.TB) *world {
	t.Helper()
	spec, err := params.NewSpec(params.DevnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	env := helpers.NewEnv(spec, helpers.NewCaches())
	state, err := genesis.InteropState(env, genesis.Options{GenesisTime: 1_700_000_000, ValidatorCount: testValidators})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := bls.InteropSecretKeys(testValidators)
	if err != nil {
		t.Fatal(err)
	}
	hdr := *state.LatestBlockHeader
	hdr.StateRoot = state.HashTreeRoot()
	root := primitives.Root(types.HashTreeRoot(&hdr))
	chain := &fakeChain{
		blocks: map[primitives.Root]fakeBlock{root: {slot: 0}},
		states: map[primitives.Root]*types.BeaconState{root: state},
		fin:    types.Checkpoint{Epoch: 0, Root: root},
		head:   root,
	}
	return &world{env: env, state: state, genesis: root, keys: keys, chain: chain, checker: NewChecker(env, chain, nil)}
}

func (w *world) sign(index primitives.ValidatorIndex, root primitives.Root, domain primitives.Domain) primitives.BLSSignature {
	msg := params.ComputeSigningRoot(root, domain)
	return w.keys[index].Sign(msg[:]).Bytes()
}

// block returns a signed block at slot on parent by its expected proposer, with an execution payload on time.
func (w *world) block(t testing.TB, slot primitives.Slot, parent primitives.Root) *types.SignedBeaconBlock {
	t.Helper()
	proposer, err := expectedProposer(w.state, slot)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := helpers.ComputeTimeAtSlot(w.env, w.state, slot)
	if err != nil {
		t.Fatal(err)
	}
	b := &types.BeaconBlock{Slot: slot, ProposerIndex: proposer, ParentRoot: parent, Body: &types.BeaconBlockBody{
		Eth1Data: &types.Eth1Data{}, SyncAggregate: &types.SyncAggregate{}, ExecutionRequests: &types.ExecutionRequests{},
		ExecutionPayload: &types.ExecutionPayload{Timestamp: ts},
	}}
	return w.signBlock(b)
}

func (w *world) signBlock(b *types.BeaconBlock) *types.SignedBeaconBlock {
	dom := helpers.GetDomain(w.state, params.DomainBeaconProposer, helpers.ComputeEpochAtSlot(b.Slot))
	return &types.SignedBeaconBlock{Message: b, Signature: w.sign(b.ProposerIndex, types.HashTreeRoot(b), dom)}
}

// wantOutcome verifies out's signatures and checks the settled outcome.
func wantOutcome(t *testing.T, out Outcome, result gossip.Result, sentinel error) {
	t.Helper()
	out = out.Verify()
	if out.Result != result {
		t.Fatalf("result %s (err %v), want %s", out.Result, out.Err, result)
	}
	if sentinel == nil && out.Err != nil {
		t.Fatalf("err %v, want none", out.Err)
	}
	if sentinel != nil && !errors.Is(out.Err, sentinel) {
		t.Fatalf("err %v, want %v", out.Err, sentinel)
	}
}

func TestValidateBeaconBlock(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	other := primitives.Root{0xaa}
	w.chain.blocks[other] = fakeBlock{slot: 2, parent: w.genesis}
	w.chain.states[other] = w.state

	t.Run("accept", func(t *testing.T) {
		out := w.checker.ValidateBeaconBlock(ctx, w.block(t, 1, w.genesis))
		wantOutcome(t, out, gossip.Accept, nil)
		if !out.Import {
			t.Fatal("accepted block not marked for import")
		}
	})
	t.Run("unknown parent is ignored and imported", func(t *testing.T) {
		out := w.checker.ValidateBeaconBlock(ctx, w.block(t, 1, primitives.Root{0x01}))
		wantOutcome(t, out, gossip.Ignore, ErrUnknownBlock)
		if !out.Import {
			t.Fatal("block with an unknown parent not handed to blocksync")
		}
	})
	t.Run("wrong proposer", func(t *testing.T) {
		b := w.block(t, 1, w.genesis).Message
		b.ProposerIndex = (b.ProposerIndex + 1) % testValidators
		out := w.checker.ValidateBeaconBlock(ctx, w.signBlock(b))
		wantOutcome(t, out, gossip.Reject, ErrWrongProposer)
		if out.Import {
			t.Fatal("rejected block marked for import")
		}
	})
	t.Run("bad signature", func(t *testing.T) {
		s := w.block(t, 1, w.genesis)
		s.Signature = w.block(t, 2, w.genesis).Signature
		wantOutcome(t, w.checker.ValidateBeaconBlock(ctx, s), gossip.Reject, ErrBadSignature)
	})
	t.Run("wrong timestamp", func(t *testing.T) {
		b := w.block(t, 1, w.genesis).Message
		b.Body.ExecutionPayload.Timestamp++
		wantOutcome(t, w.checker.ValidateBeaconBlock(ctx, w.signBlock(b)), gossip.Reject, ErrWrongTimestamp)
	})
	t.Run("slot not after parent", func(t *testing.T) {
		wantOutcome(t, w.checker.ValidateBeaconBlock(ctx, w.block(t, 2, other)), gossip.Reject, ErrSlotNotAfterParent)
	})
	t.Run("at the finalized slot", func(t *testing.T) {
		w.chain.fin = types.Checkpoint{Epoch: 1, Root: w.genesis}
		defer func() { w.chain.fin = types.Checkpoint{Root: w.genesis} }()
		wantOutcome(t, w.checker.ValidateBeaconBlock(ctx, w.block(t, 3, other)), gossip.Ignore, ErrFinalizedSlot)
	})
	t.Run("not a descendant of the finalized block", func(t *testing.T) {
		w.chain.fin = types.Checkpoint{Epoch: 0, Root: other}
		defer func() { w.chain.fin = types.Checkpoint{Root: w.genesis} }()
		wantOutcome(t, w.checker.ValidateBeaconBlock(ctx, w.block(t, 1, w.genesis)), gossip.Reject, ErrNotFinalizedDescendant)
	})
	t.Run("ssz", func(t *testing.T) {
		encoded, err := types.Marshal(w.block(t, 1, w.genesis))
		if err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, w.checker.Validate(ctx, gossip.BeaconBlock, 0, encoded), gossip.Accept, nil)
		wantOutcome(t, w.checker.Validate(ctx, gossip.BeaconBlock, 0, encoded[:10]), gossip.Reject, ErrMalformed)
	})
}

// attestation returns the committee of slot's committee 0 and the data of a vote for the genesis block at slot.
func (w *world) attestationData(t testing.TB, slot primitives.Slot) ([]primitives.ValidatorIndex, *types.AttestationData) {
	t.Helper()
	committee, err := helpers.GetBeaconCommittee(w.env, w.state, slot, 0)
	if err != nil {
		t.Fatal(err)
	}
	cp := &types.Checkpoint{Epoch: 0, Root: w.genesis}
	return committee, &types.AttestationData{Slot: slot, Index: 0, BeaconBlockRoot: w.genesis, Source: cp, Target: cp}
}

func (w *world) single(attester primitives.ValidatorIndex, d *types.AttestationData) *types.SingleAttestation {
	dom := helpers.GetDomain(w.state, params.DomainBeaconAttester, d.Target.Epoch)
	return &types.SingleAttestation{CommitteeIndex: 0, AttesterIndex: attester, Data: d, Signature: w.sign(attester, types.HashTreeRoot(d), dom)}
}

func TestValidateBeaconAttestation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	const slot = 1
	committee, d := w.attestationData(t, slot)
	perSlot := helpers.GetCommitteeCountPerSlot(w.env, w.state, 0)
	subnet := ComputeSubnetForAttestation(perSlot, slot, 0)
	outsider := primitives.ValidatorIndex(0)
	for in := true; in; outsider++ {
		in = false
		for _, v := range committee {
			in = in || v == outsider
		}
	}
	outsider--

	t.Run("accept", func(t *testing.T) {
		out := w.checker.ValidateBeaconAttestation(ctx, w.single(committee[0], d), subnet)
		wantOutcome(t, out, gossip.Accept, nil)
		if out.Indexed == nil || len(out.Indexed.AttestingIndices) != 1 || out.Indexed.AttestingIndices[0] != committee[0] {
			t.Fatalf("indexed attestation %+v, want attester %d", out.Indexed, committee[0])
		}
	})
	t.Run("unknown head vote", func(t *testing.T) {
		d2 := *d
		d2.BeaconBlockRoot = primitives.Root{0x02}
		wantOutcome(t, w.checker.ValidateBeaconAttestation(ctx, w.single(committee[0], &d2), subnet), gossip.Ignore, ErrUnknownBlock)
	})
	t.Run("target not the head vote's checkpoint", func(t *testing.T) {
		d2 := *d
		d2.Target = &types.Checkpoint{Epoch: 0, Root: primitives.Root{0x03}}
		wantOutcome(t, w.checker.ValidateBeaconAttestation(ctx, w.single(committee[0], &d2), subnet), gossip.Reject, ErrTargetNotAncestor)
	})
	t.Run("head vote not descending from finality", func(t *testing.T) {
		w.chain.fin = types.Checkpoint{Epoch: 0, Root: primitives.Root{0x04}}
		defer func() { w.chain.fin = types.Checkpoint{Root: w.genesis} }()
		wantOutcome(t, w.checker.ValidateBeaconAttestation(ctx, w.single(committee[0], d), subnet), gossip.Ignore, ErrNotFinalizedDescendant)
	})
	t.Run("committee index out of range", func(t *testing.T) {
		a := w.single(committee[0], d)
		a.CommitteeIndex = primitives.CommitteeIndex(perSlot)
		wantOutcome(t, w.checker.ValidateBeaconAttestation(ctx, a, subnet), gossip.Reject, ErrCommitteeIndex)
	})
	t.Run("wrong subnet", func(t *testing.T) {
		wantOutcome(t, w.checker.ValidateBeaconAttestation(ctx, w.single(committee[0], d), subnet+1), gossip.Reject, ErrWrongSubnet)
	})
	t.Run("attester not in committee", func(t *testing.T) {
		wantOutcome(t, w.checker.ValidateBeaconAttestation(ctx, w.single(outsider, d), subnet), gossip.Reject, ErrNotInCommittee)
	})
	t.Run("bad signature", func(t *testing.T) {
		a := w.single(committee[0], d)
		a.Signature = w.single(committee[1%len(committee)], d).Signature
		if len(committee) == 1 {
			a.Signature = w.single(outsider, d).Signature
		}
		wantOutcome(t, w.checker.ValidateBeaconAttestation(ctx, a, subnet), gossip.Reject, ErrBadSignature)
	})
}

// aggregate returns a signed aggregate of the whole committee of slot's committee 0 by its first member.
func (w *world) aggregate(t testing.TB, slot primitives.Slot) *types.SignedAggregateAndProof {
	t.Helper()
	committee, d := w.attestationData(t, slot)
	bits := bitfield.NewBitlist(uint64(len(committee)))
	var sigs []*bls.Signature
	for i, v := range committee {
		bits.SetBitAt(uint64(i), true)
		s, err := bls.SignatureFromBytes(func() []byte { b := w.single(v, d).Signature; return b[:] }())
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, s)
	}
	aggSig, err := bls.AggregateSignatures(sigs)
	if err != nil {
		t.Fatal(err)
	}
	att := &types.Attestation{AggregationBits: bits, Data: d, Signature: aggSig.Bytes()}
	att.CommitteeBits[0] = 1
	return w.signAggregate(committee[0], att)
}

func (w *world) signAggregate(aggregator primitives.ValidatorIndex, att *types.Attestation) *types.SignedAggregateAndProof {
	epoch := helpers.ComputeEpochAtSlot(att.Data.Slot)
	var slotRoot primitives.Root
	slotRoot[0] = byte(att.Data.Slot)
	m := &types.AggregateAndProof{AggregatorIndex: aggregator, Aggregate: att,
		SelectionProof: w.sign(aggregator, slotRoot, helpers.GetDomain(w.state, params.DomainSelectionProof, epoch))}
	return &types.SignedAggregateAndProof{Message: m,
		Signature: w.sign(aggregator, types.HashTreeRoot(m), helpers.GetDomain(w.state, params.DomainAggregateAndProof, epoch))}
}

func TestValidateAggregateAndProof(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	const slot = 2
	committee, _ := w.attestationData(t, slot)

	t.Run("accept", func(t *testing.T) {
		out := w.checker.ValidateAggregateAndProof(ctx, w.aggregate(t, slot))
		wantOutcome(t, out, gossip.Accept, nil)
		if out.Indexed == nil || len(out.Indexed.AttestingIndices) != len(committee) {
			t.Fatalf("indexed attestation %+v, want the %d committee members", out.Indexed, len(committee))
		}
	})
	t.Run("unknown head vote", func(t *testing.T) {
		sa := w.aggregate(t, slot)
		sa.Message.Aggregate.Data.BeaconBlockRoot = primitives.Root{0x05}
		wantOutcome(t, w.checker.ValidateAggregateAndProof(ctx, sa), gossip.Ignore, ErrUnknownBlock)
	})
	t.Run("aggregation bits of another length", func(t *testing.T) {
		sa := w.aggregate(t, slot)
		bits := bitfield.NewBitlist(uint64(len(committee) + 1))
		bits.SetBitAt(0, true)
		sa.Message.Aggregate.AggregationBits = bits
		wantOutcome(t, w.checker.ValidateAggregateAndProof(ctx, w.signAggregate(committee[0], sa.Message.Aggregate)), gossip.Reject, ErrNotInCommittee)
	})
	t.Run("aggregator not in committee", func(t *testing.T) {
		sa := w.aggregate(t, slot)
		outsider := primitives.ValidatorIndex(0)
		for in := true; in; outsider++ {
			in = false
			for _, v := range committee {
				in = in || v == outsider
			}
		}
		outsider--
		wantOutcome(t, w.checker.ValidateAggregateAndProof(ctx, w.signAggregate(outsider, sa.Message.Aggregate)), gossip.Reject, ErrNotInCommittee)
	})
	t.Run("bad aggregate signature", func(t *testing.T) {
		sa := w.aggregate(t, slot)
		sa.Message.Aggregate.Signature = w.single(committee[0], sa.Message.Aggregate.Data).Signature
		if len(committee) == 1 {
			t.Skip("a one-member committee's aggregate is its single signature")
		}
		wantOutcome(t, w.checker.ValidateAggregateAndProof(ctx, w.signAggregate(committee[0], sa.Message.Aggregate)), gossip.Reject, ErrBadSignature)
	})
	t.Run("bad selection proof", func(t *testing.T) {
		sa := w.aggregate(t, slot)
		sa.Message.SelectionProof = sa.Signature // a valid point, the wrong message
		wantOutcome(t, w.checker.ValidateAggregateAndProof(ctx, w.signAggregate2(sa.Message)), gossip.Reject, ErrBadSignature)
	})
}

// signAggregate2 re-signs m as it is, selection proof included.
func (w *world) signAggregate2(m *types.AggregateAndProof) *types.SignedAggregateAndProof {
	dom := helpers.GetDomain(w.state, params.DomainAggregateAndProof, helpers.ComputeEpochAtSlot(m.Aggregate.Data.Slot))
	return &types.SignedAggregateAndProof{Message: m, Signature: w.sign(m.AggregatorIndex, types.HashTreeRoot(m), dom)}
}

func TestIsAggregator(t *testing.T) {
	// Committees of fewer than 2*TARGET_AGGREGATORS_PER_COMMITTEE members make everyone an aggregator; a committee
	// of 1600 selects one proof in 100.
	selected := 0
	for i := range 2000 {
		var proof primitives.BLSSignature
		h := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		copy(proof[:], h[:])
		if !IsAggregator(31, proof) {
			t.Fatalf("committee of 31: proof %d does not select", i)
		}
		if IsAggregator(1600, proof) {
			selected++
		}
	}
	if selected < 5 || selected > 60 {
		t.Fatalf("committee of 1600: %d of 2000 proofs select, want about 20", selected)
	}
}

// headAt makes the world's head a copy of the genesis state at epoch, for operations that need time served.
func (w *world) headAt(epoch primitives.Epoch, edit func(*types.BeaconState)) {
	s := helpers.CopyState(w.state)
	s.Slot = helpers.ComputeStartSlotAtEpoch(epoch)
	if edit != nil {
		edit(s)
	}
	head := primitives.Root{0x10, byte(epoch)}
	w.chain.blocks[head] = fakeBlock{slot: s.Slot, parent: w.genesis}
	w.chain.states[head] = s
	w.chain.head = head
}

func (w *world) exit(index primitives.ValidatorIndex, epoch primitives.Epoch) *types.SignedVoluntaryExit {
	m := &types.VoluntaryExit{Epoch: epoch, ValidatorIndex: index}
	dom := params.ComputeDomain(params.DomainVoluntaryExit, w.env.Spec.ForkVersion(params.Capella), w.state.GenesisValidatorsRoot)
	return &types.SignedVoluntaryExit{Message: m, Signature: w.sign(index, types.HashTreeRoot(m), dom)}
}

func TestValidateVoluntaryExit(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	t.Run("not served long enough", func(t *testing.T) {
		wantOutcome(t, w.checker.ValidateVoluntaryExit(ctx, w.exit(3, 0)), gossip.Reject, ErrInvalidOperation)
	})
	w.headAt(w.env.Spec.ShardCommitteePeriod, nil)
	t.Run("accept", func(t *testing.T) {
		wantOutcome(t, w.checker.ValidateVoluntaryExit(ctx, w.exit(3, 0)), gossip.Accept, nil)
	})
	t.Run("from a future epoch", func(t *testing.T) {
		wantOutcome(t, w.checker.ValidateVoluntaryExit(ctx, w.exit(3, w.env.Spec.ShardCommitteePeriod+1)), gossip.Reject, ErrInvalidOperation)
	})
	t.Run("unknown validator", func(t *testing.T) {
		e := w.exit(3, 0)
		e.Message.ValidatorIndex = testValidators
		wantOutcome(t, w.checker.ValidateVoluntaryExit(ctx, e), gossip.Reject, ErrInvalidOperation)
	})
	t.Run("bad signature", func(t *testing.T) {
		e := w.exit(3, 0)
		e.Signature = w.exit(4, 0).Signature
		wantOutcome(t, w.checker.ValidateVoluntaryExit(ctx, e), gossip.Reject, ErrBadSignature)
	})
	t.Run("already exiting", func(t *testing.T) {
		w.headAt(w.env.Spec.ShardCommitteePeriod, func(s *types.BeaconState) { s.Validators[3].ExitEpoch = 1000 })
		wantOutcome(t, w.checker.ValidateVoluntaryExit(ctx, w.exit(3, 0)), gossip.Reject, ErrInvalidOperation)
	})
}

func (w *world) header(index primitives.ValidatorIndex, slot primitives.Slot, body byte) *types.SignedBeaconBlockHeader {
	h := &types.BeaconBlockHeader{Slot: slot, ProposerIndex: index, BodyRoot: primitives.Root{body}}
	dom := helpers.GetDomain(w.state, params.DomainBeaconProposer, helpers.ComputeEpochAtSlot(slot))
	return &types.SignedBeaconBlockHeader{Message: h, Signature: w.sign(index, types.HashTreeRoot(h), dom)}
}

func TestValidateProposerSlashing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	t.Run("accept", func(t *testing.T) {
		s := &types.ProposerSlashing{SignedHeader1: w.header(5, 3, 1), SignedHeader2: w.header(5, 3, 2)}
		wantOutcome(t, w.checker.ValidateProposerSlashing(ctx, s), gossip.Accept, nil)
	})
	t.Run("same header", func(t *testing.T) {
		s := &types.ProposerSlashing{SignedHeader1: w.header(5, 3, 1), SignedHeader2: w.header(5, 3, 1)}
		wantOutcome(t, w.checker.ValidateProposerSlashing(ctx, s), gossip.Reject, ErrInvalidOperation)
	})
	t.Run("bad signature", func(t *testing.T) {
		s := &types.ProposerSlashing{SignedHeader1: w.header(5, 3, 1), SignedHeader2: w.header(5, 3, 2)}
		s.SignedHeader2.Signature = w.header(6, 3, 2).Signature
		wantOutcome(t, w.checker.ValidateProposerSlashing(ctx, s), gossip.Reject, ErrBadSignature)
	})
	t.Run("already slashed", func(t *testing.T) {
		w.headAt(1, func(s *types.BeaconState) { s.Validators[5].Slashed = true })
		s := &types.ProposerSlashing{SignedHeader1: w.header(5, 3, 1), SignedHeader2: w.header(5, 3, 2)}
		wantOutcome(t, w.checker.ValidateProposerSlashing(ctx, s), gossip.Reject, ErrInvalidOperation)
	})
}

func (w *world) indexed(indices []primitives.ValidatorIndex, d *types.AttestationData) *types.IndexedAttestation {
	var sigs []*bls.Signature
	for _, i := range indices {
		b := w.single(i, d).Signature
		s, _ := bls.SignatureFromBytes(b[:])
		sigs = append(sigs, s)
	}
	agg, _ := bls.AggregateSignatures(sigs)
	return &types.IndexedAttestation{AttestingIndices: indices, Data: d, Signature: agg.Bytes()}
}

func TestValidateAttesterSlashing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	_, d1 := w.attestationData(t, 1)
	d2 := *d1
	d2.BeaconBlockRoot = primitives.Root{0x06}
	both := []primitives.ValidatorIndex{7, 9}
	t.Run("accept", func(t *testing.T) {
		s := &types.AttesterSlashing{Attestation1: w.indexed(both, d1), Attestation2: w.indexed(both, &d2)}
		wantOutcome(t, w.checker.ValidateAttesterSlashing(ctx, s), gossip.Accept, nil)
	})
	t.Run("not slashable data", func(t *testing.T) {
		s := &types.AttesterSlashing{Attestation1: w.indexed(both, d1), Attestation2: w.indexed(both, d1)}
		wantOutcome(t, w.checker.ValidateAttesterSlashing(ctx, s), gossip.Reject, ErrInvalidOperation)
	})
	t.Run("bad signature", func(t *testing.T) {
		s := &types.AttesterSlashing{Attestation1: w.indexed(both, d1), Attestation2: w.indexed(both, &d2)}
		s.Attestation2.Signature = s.Attestation1.Signature
		wantOutcome(t, w.checker.ValidateAttesterSlashing(ctx, s), gossip.Reject, ErrBadSignature)
	})
	t.Run("nobody slashable", func(t *testing.T) {
		w.headAt(1, func(s *types.BeaconState) { s.Validators[7].Slashed, s.Validators[9].Slashed = true, true })
		s := &types.AttesterSlashing{Attestation1: w.indexed(both, d1), Attestation2: w.indexed(both, &d2)}
		wantOutcome(t, w.checker.ValidateAttesterSlashing(ctx, s), gossip.Reject, ErrInvalidOperation)
	})
}

func TestValidateBLSToExecutionChange(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	const index = 11
	pubkey := w.keys[index].PublicKey().Bytes()
	change := &types.SignedBLSToExecutionChange{Message: &types.BLSToExecutionChange{ValidatorIndex: index, FromBLSPubkey: pubkey}}
	t.Run("execution credentials already", func(t *testing.T) {
		wantOutcome(t, w.checker.ValidateBLSToExecutionChange(ctx, change), gossip.Reject, ErrInvalidOperation)
	})
	w.headAt(1, func(s *types.BeaconState) {
		h := sha256.Sum256(pubkey[:])
		s.Validators[index].WithdrawalCredentials = primitives.Bytes32(h)
		s.Validators[index].WithdrawalCredentials[0] = helpers.BLSWithdrawalPrefix
	})
	t.Run("accept", func(t *testing.T) {
		wantOutcome(t, w.checker.ValidateBLSToExecutionChange(ctx, change), gossip.Accept, nil)
	})
	t.Run("another key", func(t *testing.T) {
		other := &types.SignedBLSToExecutionChange{Message: &types.BLSToExecutionChange{ValidatorIndex: index, FromBLSPubkey: w.keys[0].PublicKey().Bytes()}}
		wantOutcome(t, w.checker.ValidateBLSToExecutionChange(ctx, other), gossip.Reject, ErrInvalidOperation)
	})
}

func TestValidateNotImplementedIgnores(t *testing.T) {
	w := newWorld(t)
	for _, k := range []gossip.Kind{gossip.LightClientFinalityUpdate, gossip.LightClientOptimisticUpdate} {
		wantOutcome(t, w.checker.Validate(context.Background(), k, 0, nil), gossip.Ignore, ErrNotImplemented)
	}
}

// TestExitAtTheHeadsEpoch: when the head's epoch began with empty slots, the state at hand is of the epoch before,
// and an exit valid from the head's epoch is still valid.
func TestExitAtTheHeadsEpoch(t *testing.T) {
	w := newWorld(t)
	period := w.env.Spec.ShardCommitteePeriod
	w.headAt(period, nil) // a checkpoint block at the first slot of the period's epoch, with its state
	checkpoint := w.chain.head
	head := primitives.Root{0x51}
	w.chain.blocks[head] = fakeBlock{slot: helpers.ComputeStartSlotAtEpoch(period+1) + 2, parent: checkpoint}
	w.chain.head = head
	wantOutcome(t, w.checker.ValidateVoluntaryExit(context.Background(), w.exit(3, period+1)), gossip.Accept, nil)
	wantOutcome(t, w.checker.ValidateVoluntaryExit(context.Background(), w.exit(3, period+2)), gossip.Reject, ErrInvalidOperation)
}

// TestBlockAfterAnEmptyEpoch: a block more than an epoch after its parent has proposers drawn at the end of the
// parent's epoch, from the parent's branch state; the state of the parent epoch's checkpoint block, advanced,
// names others, and checking against it rejected honest blocks after an epoch of missed slots.
func TestBlockAfterAnEmptyEpoch(t *testing.T) {
	w := newWorld(t)
	const want, stale = 2, 1
	state := func(proposer primitives.ValidatorIndex) *types.BeaconState {
		s := helpers.CopyState(w.state)
		s.Slot = helpers.ComputeStartSlotAtEpoch(3) // as StateAt advances it to the block's epoch
		for i := range s.ProposerLookahead {
			s.ProposerLookahead[i] = proposer
		}
		return s
	}
	checkpoint, parent := primitives.Root{0x61}, primitives.Root{0x62}
	w.chain.blocks[checkpoint] = fakeBlock{slot: helpers.ComputeStartSlotAtEpoch(1), parent: w.genesis}
	w.chain.blocks[parent] = fakeBlock{slot: helpers.ComputeStartSlotAtEpoch(1) + 3, parent: checkpoint}
	w.chain.states[checkpoint] = state(stale)
	w.chain.states[parent] = state(want)

	slot := helpers.ComputeStartSlotAtEpoch(3) + 1
	ts, err := helpers.ComputeTimeAtSlot(w.env, w.state, slot)
	if err != nil {
		t.Fatal(err)
	}
	b := &types.BeaconBlock{Slot: slot, ProposerIndex: want, ParentRoot: parent, Body: &types.BeaconBlockBody{
		Eth1Data: &types.Eth1Data{}, SyncAggregate: &types.SyncAggregate{}, ExecutionRequests: &types.ExecutionRequests{},
		ExecutionPayload: &types.ExecutionPayload{Timestamp: ts},
	}}
	wantOutcome(t, w.checker.ValidateBeaconBlock(context.Background(), w.signBlock(b)), gossip.Accept, nil)
	b.ProposerIndex = stale
	wantOutcome(t, w.checker.ValidateBeaconBlock(context.Background(), w.signBlock(b)), gossip.Reject, ErrWrongProposer)
}

// TestStaleStateIgnores: operations that only the epoch's starting state refuses, and that blocks since may have
// made valid, are ignored, not rejected.
func TestStaleStateIgnores(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	t.Run("exit with withdrawals pending", func(t *testing.T) {
		w.headAt(w.env.Spec.ShardCommitteePeriod, func(s *types.BeaconState) {
			s.PendingPartialWithdrawals = append(s.PendingPartialWithdrawals, &types.PendingPartialWithdrawal{ValidatorIndex: 3, Amount: 1})
		})
		wantOutcome(t, w.checker.ValidateVoluntaryExit(ctx, w.exit(3, 0)), gossip.Ignore, ErrStaleState)
		wantOutcome(t, w.checker.ValidateVoluntaryExit(ctx, w.exit(4, 0)), gossip.Accept, nil)
	})
	t.Run("BLS change of a validator not in the registry", func(t *testing.T) {
		change := &types.SignedBLSToExecutionChange{Message: &types.BLSToExecutionChange{ValidatorIndex: testValidators}}
		wantOutcome(t, w.checker.ValidateBLSToExecutionChange(ctx, change), gossip.Ignore, ErrStaleState)
	})
}
