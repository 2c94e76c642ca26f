package validator_test

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/genesis"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
	"github.com/salamander-client/salamander/validator"
	"github.com/salamander-client/salamander/validator/slashingprotection"
)

func genesisState(t *testing.T) (*helpers.Env, *types.BeaconState) {
	t.Helper()
	env := helpers.NewEnv(devnetSpec(t), nil)
	state, err := genesis.InteropState(env, genesis.Options{GenesisTime: devnetGenesisTime})
	if err != nil {
		t.Fatal(err)
	}
	return env, state
}

func newSigner(t *testing.T, env *helpers.Env, gvr primitives.Root, n uint64) (*validator.Signer, []*bls.SecretKey) {
	t.Helper()
	db, err := slashingprotection.Open(filepath.Join(t.TempDir(), slashingprotection.FileName), slashingprotection.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	keys, err := bls.InteropSecretKeys(n)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := validator.NewSigner(env.Spec, gvr, db, keys)
	if err != nil {
		t.Fatal(err)
	}
	return signer, keys
}

func verify(t *testing.T, sk *bls.SecretKey, root primitives.Root, signature primitives.BLSSignature) {
	t.Helper()
	sig, err := bls.SignatureFromBytes(signature[:])
	if err != nil || !bls.Verify(sk.PublicKey(), root[:], sig) {
		t.Fatalf("signature does not verify: %v", err)
	}
}

func TestSignerSignsWithTheStatesDomains(t *testing.T) {
	env, state := genesisState(t)
	signer, keys := newSigner(t, env, state.GenesisValidatorsRoot, 4)
	pk := keys[2].PublicKey().Bytes()

	reveal, err := signer.GetEpochSignature(pk, 3)
	if err != nil {
		t.Fatal(err)
	}
	var epochRoot primitives.Root
	binary.LittleEndian.PutUint64(epochRoot[:], 3)
	verify(t, keys[2], params.ComputeSigningRoot(epochRoot, helpers.GetDomain(state, params.DomainRandao, 3)), reveal)

	data := &types.AttestationData{Slot: 9, Source: &types.Checkpoint{}, Target: &types.Checkpoint{Epoch: 1}}
	signature, err := signer.GetAttestationSignature(pk, data)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, keys[2], params.ComputeSigningRoot(types.HashTreeRoot(data), helpers.GetDomain(state, params.DomainBeaconAttester, 1)), signature)

	proof, err := signer.GetSyncCommitteeSelectionProof(pk, 9, 2)
	if err != nil {
		t.Fatal(err)
	}
	selection := &types.SyncAggregatorSelectionData{Slot: 9, SubcommitteeIndex: 2}
	epoch := helpers.ComputeEpochAtSlot(9)
	verify(t, keys[2], params.ComputeSigningRoot(types.HashTreeRoot(selection), helpers.GetDomain(state, params.DomainSyncCommitteeSelectionProof, epoch)), proof)

	if _, err := signer.GetEpochSignature(primitives.BLSPubkey{1}, 0); !errors.Is(err, validator.ErrUnknownKey) {
		t.Fatalf("an unknown key: %v", err)
	}
	_, errs, err := signer.GetAttestationSignatures([]validator.AttestationToSign{{Pubkey: primitives.BLSPubkey{1}, Data: data}})
	if err != nil || !errors.Is(errs[0], validator.ErrUnknownKey) {
		t.Fatalf("an unknown key's attestation: %v %v", err, errs)
	}
	if got := signer.Pubkeys(); len(got) != 4 || !slices.IsSortedFunc(got, func(a, b primitives.BLSPubkey) int { return slices.Compare(a[:], b[:]) }) {
		t.Fatalf("pubkeys %x", got)
	}
}

func TestSignerRefusesAnotherChainsDatabase(t *testing.T) {
	env, state := genesisState(t)
	db, err := slashingprotection.Open(filepath.Join(t.TempDir(), slashingprotection.FileName), slashingprotection.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if err := db.BindGenesisValidatorsRoot(primitives.Root{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := validator.NewSigner(env.Spec, state.GenesisValidatorsRoot, db, nil); !errors.Is(err, slashingprotection.ErrWrongGenesisValidatorsRoot) {
		t.Fatalf("another chain's database: %v", err)
	}
}

func TestIsAggregator(t *testing.T) {
	// A committee of at most TARGET_AGGREGATORS_PER_COMMITTEE: everyone aggregates.
	if !validator.IsAggregator(validator.TargetAggregatorsPerCommittee, primitives.BLSSignature{7}) {
		t.Fatal("a small committee's member must aggregate")
	}
	// A large committee selects about TARGET_AGGREGATORS_PER_COMMITTEE of its members.
	selected := 0
	for i := range 1600 {
		var sig primitives.BLSSignature
		binary.LittleEndian.PutUint64(sig[:], uint64(i))
		if validator.IsAggregator(1600, sig) {
			selected++
		}
	}
	if selected < 4 || selected > 40 {
		t.Fatalf("%d of 1600 selected, want about 16", selected)
	}
}

func TestDutiesAgreeWithGetCommitteeAssignment(t *testing.T) {
	env, state := genesisState(t)
	all := make([]primitives.ValidatorIndex, len(state.Validators))
	for i := range all {
		all[i] = primitives.ValidatorIndex(i)
	}
	for epoch := range primitives.Epoch(2) {
		duties, err := validator.GetAttesterDuties(env, state, epoch, all)
		if err != nil {
			t.Fatal(err)
		}
		if len(duties) != len(all) {
			t.Fatalf("epoch %d: %d duties for %d validators", epoch, len(duties), len(all))
		}
		for _, d := range duties {
			committee, index, slot, ok, err := validator.GetCommitteeAssignment(env, state, epoch, d.ValidatorIndex)
			if err != nil || !ok || index != d.CommitteeIndex || slot != d.Slot || uint64(len(committee)) != d.CommitteeLength ||
				committee[d.ValidatorCommitteeIndex] != d.ValidatorIndex {
				t.Fatalf("epoch %d validator %d: duty %+v, assignment %v %d %d %v %v", epoch, d.ValidatorIndex, d, committee, index, slot, ok, err)
			}
		}
	}
	if _, err := validator.GetAttesterDuties(env, state, 2, all); !errors.Is(err, validator.ErrDutiesUnknown) {
		t.Fatalf("two epochs ahead: %v", err)
	}

	proposers, err := validator.GetProposerDuties(state, 1)
	if err != nil || len(proposers) != params.SlotsPerEpoch {
		t.Fatalf("proposer duties: %v %v", proposers, err)
	}
	for i, p := range proposers {
		if p.Slot != primitives.Slot(params.SlotsPerEpoch+i) || p.ValidatorIndex != state.ProposerLookahead[params.SlotsPerEpoch+i] {
			t.Fatalf("proposer duty %d: %+v", i, p)
		}
	}
	if _, err := validator.GetProposerDuties(state, params.MinSeedLookahead+1); !errors.Is(err, validator.ErrDutiesUnknown) {
		t.Fatalf("beyond the lookahead: %v", err)
	}

	syncDuties, err := validator.GetSyncCommitteeDuties(state, 0, all)
	if err != nil {
		t.Fatal(err)
	}
	seats := 0
	for _, d := range syncDuties {
		for _, p := range d.Positions {
			if state.CurrentSyncCommittee.Pubkeys[p] != d.Pubkey {
				t.Fatalf("validator %d is not at position %d", d.ValidatorIndex, p)
			}
			seats++
		}
		subnets, err := validator.ComputeSubnetsForSyncCommittee(state, d.ValidatorIndex)
		if err != nil || !slices.Equal(subnets, d.Subcommittees()) {
			t.Fatalf("subnets of %d: %v %v, want %v", d.ValidatorIndex, subnets, err, d.Subcommittees())
		}
	}
	if seats != params.SyncCommitteeSize {
		t.Fatalf("%d sync committee seats, want %d", seats, params.SyncCommitteeSize)
	}
	if _, err := validator.GetSyncCommitteeDuties(state, 2*params.EpochsPerSyncCommitteePeriod, all); !errors.Is(err, validator.ErrDutiesUnknown) {
		t.Fatalf("two periods ahead: %v", err)
	}
}

func TestComputeSubnetForAttestation(t *testing.T) {
	// The spec's formula: committees since the epoch's start, modulo the subnet count.
	if got := validator.ComputeSubnetForAttestation(4, primitives.Slot(params.SlotsPerEpoch+3), 2); got != (4*3+2)%64 {
		t.Fatalf("subnet %d", got)
	}
}

// signedAggregate returns an aggregate of committee of slot's data signed by the members at positions.
func signedAggregate(t *testing.T, env *helpers.Env, state *types.BeaconState, keys []*bls.SecretKey, data *types.AttestationData,
	committee primitives.CommitteeIndex, positions ...int) *types.Attestation {
	t.Helper()
	members, err := helpers.GetBeaconCommittee(env, state, data.Slot, committee)
	if err != nil {
		t.Fatal(err)
	}
	root := params.ComputeSigningRoot(types.HashTreeRoot(data), helpers.GetDomain(state, params.DomainBeaconAttester, data.Target.Epoch))
	a := &types.Attestation{AggregationBits: bitfield.NewBitlist(uint64(len(members))), Data: data}
	a.CommitteeBits[committee/8] |= 1 << (committee % 8)
	var sigs []*bls.Signature
	for _, p := range positions {
		a.AggregationBits.SetBitAt(uint64(p), true)
		sigs = append(sigs, keys[members[p]].Sign(root[:]))
	}
	aggregate, err := bls.AggregateSignatures(sigs)
	if err != nil {
		t.Fatal(err)
	}
	a.Signature = aggregate.Bytes()
	return a
}

func TestPoolAggregatesAndPacksBlocks(t *testing.T) {
	env, state := genesisState(t)
	keys, err := bls.InteropSecretKeys(uint64(len(state.Validators)))
	if err != nil {
		t.Fatal(err)
	}
	// Attestations of slot 1, packed into a block at slot 2.
	if err := advance(env, state, 1); err != nil {
		t.Fatal(err)
	}
	headRoot, err := helpers.GetBlockRootAtSlot(state, 0)
	if err != nil {
		t.Fatal(err)
	}
	data, err := validator.GetAttestationData(state, headRoot, 1)
	if err != nil {
		t.Fatal(err)
	}
	pool := validator.NewOperationPool(0)
	committees := helpers.GetCommitteeCountPerSlot(env, state, 0)
	members, _ := helpers.GetBeaconCommittee(env, state, 1, 0)
	if len(members) < 2 {
		t.Skip("committees of one member")
	}
	// Two disjoint halves merge; a subset adds nothing.
	if err := pool.AddAttestation(signedAggregate(t, env, state, keys, data, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := pool.AddAttestation(signedAggregate(t, env, state, keys, data, 0, 1)); err != nil {
		t.Fatal(err)
	}
	if err := pool.AddAttestation(signedAggregate(t, env, state, keys, data, 0, 0)); err != nil {
		t.Fatal(err)
	}
	best := pool.AggregateAttestation(types.HashTreeRoot(data), 0)
	if best == nil || best.AggregationBits.Count() != 2 {
		t.Fatalf("best aggregate %+v", best)
	}
	for c := primitives.CommitteeIndex(1); uint64(c) < committees; c++ {
		if err := pool.AddAttestation(signedAggregate(t, env, state, keys, data, c, 0)); err != nil {
			t.Fatal(err)
		}
	}
	// An attestation whose source is not the justified checkpoint is not packed.
	wrong := *data
	wrong.Source = &types.Checkpoint{Epoch: 0, Root: primitives.Root{9}}
	if err := pool.AddAttestation(signedAggregate(t, env, state, keys, &wrong, 0, 1)); err != nil {
		t.Fatal(err)
	}

	if err := advance(env, state, 2); err != nil {
		t.Fatal(err)
	}
	packed, err := pool.AttestationsForBlock(env, state)
	if err != nil {
		t.Fatal(err)
	}
	if len(packed) != 1 {
		t.Fatalf("%d attestations packed, want the one on-chain aggregate", len(packed))
	}
	onChain := packed[0]
	if got := helpers.GetCommitteeIndices(onChain.CommitteeBits); uint64(len(got)) != committees {
		t.Fatalf("committees %v, want %d", got, committees)
	}
	// The block's attestation passes process_attestation, signature included.
	if err := block.ProcessAttestation(env, helpers.CopyState(state), onChain, helpers.VerifyNow{}); err != nil {
		t.Fatalf("process_attestation: %v", err)
	}

	// Pruning two epochs later drops it.
	pool.Prune(primitives.Slot(3 * params.SlotsPerEpoch))
	if groups, _ := pool.Len(); groups != 0 {
		t.Fatalf("%d groups after pruning", groups)
	}
}

func advance(env *helpers.Env, state *types.BeaconState, slot primitives.Slot) error {
	for state.Slot < slot {
		if err := processSlots(env, state, state.Slot+1); err != nil {
			return err
		}
	}
	return nil
}

func TestComputeOnChainAggregateRefusesBadInput(t *testing.T) {
	if _, err := validator.ComputeOnChainAggregate(nil); !errors.Is(err, validator.ErrInvalidOperation) {
		t.Fatalf("no aggregates: %v", err)
	}
	two := &types.Attestation{AggregationBits: bitfield.NewBitlist(2), Data: &types.AttestationData{}}
	two.CommitteeBits[0] = 0b11
	if _, err := validator.ComputeOnChainAggregate([]*types.Attestation{two}); !errors.Is(err, validator.ErrInvalidOperation) {
		t.Fatalf("two committee bits: %v", err)
	}
	pool := validator.NewOperationPool(1)
	if err := pool.AddAttestation(two); !errors.Is(err, validator.ErrInvalidOperation) {
		t.Fatalf("a pool given two committee bits: %v", err)
	}
	if err := pool.AddSingleAttestation(&types.SingleAttestation{Data: &types.AttestationData{}}, 4, 4); !errors.Is(err, validator.ErrInvalidOperation) {
		t.Fatalf("a position outside the committee: %v", err)
	}
}

func TestPoolBound(t *testing.T) {
	pool := validator.NewOperationPool(2)
	add := func(slot primitives.Slot) error {
		a := &types.Attestation{AggregationBits: bitfield.NewBitlist(1),
			Data: &types.AttestationData{Slot: slot, Source: &types.Checkpoint{}, Target: &types.Checkpoint{}}}
		a.AggregationBits.SetBitAt(0, true)
		a.CommitteeBits[0] = 1
		a.Signature = helpers.G2PointAtInfinity()
		return pool.AddAttestation(a)
	}
	for _, slot := range []primitives.Slot{5, 6, 7} {
		if err := add(slot); err != nil {
			t.Fatalf("slot %d: %v", slot, err)
		}
	}
	if groups, _ := pool.Len(); groups != 2 {
		t.Fatalf("%d groups, bound 2", groups)
	}
	if err := add(1); !errors.Is(err, validator.ErrPoolFull) {
		t.Fatalf("an older attestation into a full pool: %v", err)
	}
}

func TestSyncAggregateFromMessages(t *testing.T) {
	env, state := genesisState(t)
	keys, err := bls.InteropSecretKeys(uint64(len(state.Validators)))
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := newSigner(t, env, state.GenesisValidatorsRoot, uint64(len(keys)))
	all := make([]primitives.ValidatorIndex, len(state.Validators))
	for i := range all {
		all[i] = primitives.ValidatorIndex(i)
	}
	duties, err := validator.GetSyncCommitteeDuties(state, 0, all)
	if err != nil {
		t.Fatal(err)
	}
	pool := validator.NewOperationPool(0)
	root := primitives.Root{0xb1}
	for _, d := range duties[:len(duties)/2] {
		message, err := signer.GetSyncCommitteeMessage(d.Pubkey, d.ValidatorIndex, 0, root)
		if err != nil {
			t.Fatal(err)
		}
		if err := pool.AddSyncCommitteeMessage(message, d.Positions); err != nil {
			t.Fatal(err)
		}
	}
	aggregate, err := pool.SyncAggregate(0, root)
	if err != nil {
		t.Fatal(err)
	}
	// The aggregate verifies as process_sync_aggregate checks it: the participants' keys over the root.
	var pubkeys []*bls.PublicKey
	for i, pk := range state.CurrentSyncCommittee.Pubkeys {
		if aggregate.SyncCommitteeBits[i/8]&(1<<(i%8)) != 0 {
			key, err := bls.PublicKeyFromBytes(pk[:])
			if err != nil {
				t.Fatal(err)
			}
			pubkeys = append(pubkeys, key)
		}
	}
	seats := 0
	for _, d := range duties[:len(duties)/2] {
		seats += len(d.Positions)
	}
	if len(pubkeys) != seats {
		t.Fatalf("%d bits, want %d", len(pubkeys), seats)
	}
	signingRoot := params.ComputeSigningRoot(root, helpers.GetDomain(state, params.DomainSyncCommittee, 0))
	sig, err := bls.SignatureFromBytes(aggregate.SyncCommitteeSignature[:])
	if err != nil || !bls.FastAggregateVerify(pubkeys, signingRoot[:], sig) {
		t.Fatalf("sync aggregate does not verify: %v", err)
	}

	empty, err := pool.SyncAggregate(0, primitives.Root{0xb2})
	if err != nil || empty.SyncCommitteeSignature != helpers.G2PointAtInfinity() {
		t.Fatalf("no contributions: %+v %v", empty, err)
	}
}

func TestGetExecutionRequests(t *testing.T) {
	requests := &types.ExecutionRequests{
		Deposits:       []*types.DepositRequest{{Amount: 32, Index: 7}},
		Consolidations: []*types.ConsolidationRequest{{SourceAddress: primitives.ExecutionAddress{1}}, {SourceAddress: primitives.ExecutionAddress{2}}},
	}
	list, err := block.GetExecutionRequestsList(requests)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := validator.GetExecutionRequests(list)
	if err != nil {
		t.Fatal(err)
	}
	if types.HashTreeRoot(decoded) != types.HashTreeRoot(requests) {
		t.Fatal("round trip through get_execution_requests changed the requests")
	}
	for name, bad := range map[string][][]byte{
		"out of order":  {list[1], list[0]},
		"twice":         {list[0], list[0]},
		"empty":         {{0x00}},
		"unknown type":  {{0x07, 1}},
		"ragged length": {append([]byte{0x01}, make([]byte, types.WithdrawalRequestSize+1)...)},
	} {
		if _, err := validator.GetExecutionRequests(bad); !errors.Is(err, validator.ErrInvalidExecutionRequests) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestGetEth1Vote(t *testing.T) {
	env, state := genesisState(t)
	// The bridge is not done at genesis (UNSET start index): without an eth1 chain the vote is the state's data.
	vote, err := validator.GetEth1Vote(env, state, nil)
	if err != nil || vote != *state.Eth1Data {
		t.Fatalf("no eth1 chain: %+v %v", vote, err)
	}
	// Candidates are blocks a follow distance old before the period's start.
	follow := uint64(env.Spec.SecondsPerEth1Block.Seconds()) * env.Spec.Eth1FollowDistance
	state.Slot = primitives.Slot(params.EpochsPerEth1VotingPeriod * params.SlotsPerEpoch * 4)
	periodStart, err := validator.VotingPeriodStartTime(env, state)
	if err != nil {
		t.Fatal(err)
	}
	candidate := func(n byte, age uint64) validator.Eth1Block {
		return validator.Eth1Block{Timestamp: periodStart - age, Eth1Data: types.Eth1Data{DepositRoot: primitives.Root{n},
			DepositCount: state.Eth1Data.DepositCount, BlockHash: primitives.Hash32{n}}}
	}
	chain := []validator.Eth1Block{candidate(1, follow+20), candidate(2, follow+10), candidate(3, follow-1)}
	if vote, _ := validator.GetEth1Vote(env, state, chain); vote != chain[1].Eth1Data {
		t.Fatalf("default vote %+v, want the latest candidate", vote)
	}
	// The most voted candidate wins.
	first := chain[0].Eth1Data
	state.Eth1DataVotes = []*types.Eth1Data{&first, &first, {DepositRoot: primitives.Root{9}}}
	if vote, _ := validator.GetEth1Vote(env, state, chain); vote != first {
		t.Fatalf("vote %+v, want the most voted", vote)
	}
	// Once the bridge is done, the state's eth1 data.
	state.DepositRequestsStartIndex = state.Eth1DepositIndex
	if vote, _ := validator.GetEth1Vote(env, state, chain); vote != *state.Eth1Data {
		t.Fatalf("after the bridge: %+v", vote)
	}
}

func processSlots(env *helpers.Env, state *types.BeaconState, slot primitives.Slot) error {
	return epoch.ProcessSlots(env, state, slot)
}
