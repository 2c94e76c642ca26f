package genesis_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/salamander-client/salamander/checkpointsync"
	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/engineapi"
	"github.com/salamander-client/salamander/genesis"
	"github.com/salamander-client/salamander/merkle"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

const testGenesisTime = 1_700_000_000

// devnetSpec is the compiled preset's config with every fork at genesis, as `salamander dev` runs it.
func devnetSpec(t testing.TB) *params.Spec {
	t.Helper()
	cfg := params.MainnetConfig()
	if params.PresetName == "minimal" {
		cfg = params.MinimalConfig()
	}
	cfg = cfg.Clone()
	for fork := range cfg.Forks {
		cfg.Forks[fork].Epoch = params.GenesisEpoch
	}
	spec, err := params.NewSpec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func interopState(t testing.TB, opts genesis.Options) (*helpers.Env, *types.BeaconState) {
	t.Helper()
	env := helpers.NewEnv(devnetSpec(t), nil)
	state, err := genesis.InteropState(env, opts)
	if err != nil {
		t.Fatalf("interop state: %v", err)
	}
	return env, state
}

func TestInteropStateIsAFuluGenesis(t *testing.T) {
	env, state := interopState(t, genesis.Options{GenesisTime: testGenesisTime})
	spec := env.Spec
	n := genesis.DefaultValidatorCount

	if state.GenesisTime != testGenesisTime || state.Slot != 0 {
		t.Fatalf("genesis time %d slot %d", state.GenesisTime, state.Slot)
	}
	fulu := spec.ForkVersion(params.Fulu)
	if *state.Fork != (types.Fork{PreviousVersion: fulu, CurrentVersion: fulu}) {
		t.Fatalf("fork %+v", state.Fork)
	}
	if len(state.Validators) != n || len(state.Balances) != n || len(state.InactivityScores) != n ||
		len(state.PreviousEpochParticipation) != n || len(state.CurrentEpochParticipation) != n {
		t.Fatalf("registry lists of %d %d %d %d %d, want %d", len(state.Validators), len(state.Balances),
			len(state.InactivityScores), len(state.PreviousEpochParticipation), len(state.CurrentEpochParticipation), n)
	}
	for i, v := range state.Validators {
		sk, err := bls.InteropSecretKey(uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		if v.Pubkey != sk.PublicKey().Bytes() {
			t.Fatalf("validator %d has pubkey %#x, not the interop key's", i, v.Pubkey)
		}
		if !helpers.IsActiveValidator(v, 0) || v.EffectiveBalance != params.MinActivationBalance ||
			state.Balances[i] != params.MinActivationBalance || v.Slashed || v.ExitEpoch != primitives.FarFutureEpoch {
			t.Fatalf("validator %d: %+v balance %d", i, v, state.Balances[i])
		}
		if v.WithdrawalCredentials != genesis.InteropWithdrawalCredentials(v.Pubkey, genesis.Eth1AddressWithdrawalPrefix) ||
			!helpers.HasETH1WithdrawalCredential(v) {
			t.Fatalf("validator %d credentials %#x", i, v.WithdrawalCredentials)
		}
	}

	// Eth1 data: every deposit is accounted for and none is owed.
	if state.Eth1Data.DepositCount != uint64(n) || state.Eth1DepositIndex != uint64(n) {
		t.Fatalf("deposit count %d index %d", state.Eth1Data.DepositCount, state.Eth1DepositIndex)
	}
	if state.DepositRequestsStartIndex != helpers.UnsetDepositRequestsStartIndex {
		t.Fatalf("deposit_requests_start_index %d", state.DepositRequestsStartIndex)
	}

	// The execution chain starts at the mock engine's genesis block.
	elGenesis := engineapi.MockGenesisHeader(engineapi.MockConfig{GenesisTime: testGenesisTime})
	if types.HashTreeRoot(state.LatestExecutionPayloadHeader) != types.HashTreeRoot(elGenesis) {
		t.Fatalf("latest execution payload header %+v, want the mock's genesis %+v", state.LatestExecutionPayloadHeader, elGenesis)
	}
	if state.Eth1Data.BlockHash != elGenesis.BlockHash {
		t.Fatalf("eth1 block hash %#x, want %#x", state.Eth1Data.BlockHash, elGenesis.BlockHash)
	}
	for i, mix := range state.RandaoMixes {
		if mix != primitives.Bytes32(elGenesis.BlockHash) {
			t.Fatalf("randao mix %d is %#x", i, mix)
		}
	}

	// The genesis validators root is the registry's root, as in the state's own tree.
	if state.GenesisValidatorsRoot == (primitives.Root{}) {
		t.Fatal("no genesis validators root")
	}
	validatorsOnly := &types.BeaconState{Validators: state.Validators}
	if !rootOfListField(t, validatorsOnly, state.GenesisValidatorsRoot) {
		t.Fatal("genesis validators root is not hash_tree_root(validators)")
	}

	// Sync committees: get_next_sync_committee of the genesis state, twice.
	want, err := helpers.GetNextSyncCommittee(env, state)
	if err != nil {
		t.Fatal(err)
	}
	if *state.CurrentSyncCommittee != *want || *state.NextSyncCommittee != *want {
		t.Fatal("sync committees are not get_next_sync_committee(state)")
	}
	var keys []*bls.PublicKey
	for _, pk := range state.CurrentSyncCommittee.Pubkeys {
		key, err := bls.PublicKeyFromBytes(pk[:])
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	aggregate, err := bls.AggregatePublicKeys(keys)
	if err != nil || aggregate.Bytes() != state.CurrentSyncCommittee.AggregatePubkey {
		t.Fatalf("sync committee aggregate pubkey: %v", err)
	}

	// Proposer lookahead: initialize_proposer_lookahead.
	for e := range params.MinSeedLookahead + 1 {
		proposers, err := helpers.GetBeaconProposerIndices(env, state, primitives.Epoch(e))
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range proposers {
			if got := state.ProposerLookahead[e*params.SlotsPerEpoch+i]; got != p {
				t.Fatalf("lookahead epoch %d slot %d: %d, want %d", e, i, got, p)
			}
		}
	}
}

// rootOfListField reports whether root is the root of state's validator list, computed from the state's tree:
// the validators field's subtree of a state that has nothing else.
func rootOfListField(t *testing.T, state *types.BeaconState, root primitives.Root) bool {
	t.Helper()
	index, err := merkle.GetGeneralizedIndex(merkle.TypeOf(state), merkle.Field("validators"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := merkle.NewTree(state).Node(index)
	if err != nil {
		t.Fatal(err)
	}
	return node == root
}

func TestDepositRootProvesEveryDeposit(t *testing.T) {
	spec := devnetSpec(t)
	const n = 11 // not a power of two: the proofs cross zero subtrees
	deposits, err := genesis.InteropDeposits(spec, n, genesis.Eth1AddressWithdrawalPrefix)
	if err != nil {
		t.Fatal(err)
	}
	root := genesis.DepositRoot(deposits)
	leaves := make([][32]byte, n)
	domain := params.ComputeDomain(params.DomainDeposit, spec.ForkVersion(params.Phase0), primitives.Root{})
	for i, d := range deposits {
		leaves[i] = types.HashTreeRoot(d)
		// Each deposit is validly signed: the spec's genesis would not skip it.
		message := &types.DepositMessage{Pubkey: d.Pubkey, WithdrawalCredentials: d.WithdrawalCredentials, Amount: d.Amount}
		signingRoot := params.ComputeSigningRoot(types.HashTreeRoot(message), domain)
		pk, err := bls.PublicKeyFromBytes(d.Pubkey[:])
		if err != nil {
			t.Fatal(err)
		}
		sig, err := bls.SignatureFromBytes(d.Signature[:])
		if err != nil || !bls.Verify(pk, signingRoot[:], sig) {
			t.Fatalf("deposit %d signature: %v", i, err)
		}
	}
	for i := range deposits {
		branch := depositBranch(leaves, i)
		if !merkle.IsValidMerkleBranch(leaves[i], branch, types.DepositContractTreeDepth+1, uint64(i), root) {
			t.Fatalf("deposit %d does not verify against the deposit root", i)
		}
	}
}

// depositBranch is the deposit contract's proof of leaf index in a tree of DEPOSIT_CONTRACT_TREE_DEPTH levels
// over leaves, with the list length mixed in, built level by level here, independently of the SSZ codec.
func depositBranch(leaves [][32]byte, index int) [][32]byte {
	var zero [types.DepositContractTreeDepth + 1][32]byte
	for d := 1; d <= types.DepositContractTreeDepth; d++ {
		zero[d] = sha256.Sum256(append(zero[d-1][:], zero[d-1][:]...))
	}
	level := append([][32]byte{}, leaves...)
	var branch [][32]byte
	for d := range types.DepositContractTreeDepth {
		sibling := index ^ 1
		if sibling < len(level) {
			branch = append(branch, level[sibling])
		} else {
			branch = append(branch, zero[d])
		}
		next := make([][32]byte, (len(level)+1)/2)
		for i := range next {
			right := zero[d]
			if 2*i+1 < len(level) {
				right = level[2*i+1]
			}
			next[i] = sha256.Sum256(append(level[2*i][:], right[:]...))
		}
		level, index = next, index/2
	}
	var length [32]byte
	binary.LittleEndian.PutUint64(length[:], uint64(len(leaves)))
	return append(branch, length)
}

func TestInteropStateRoundTripsAndIsStable(t *testing.T) {
	_, state := interopState(t, genesis.Options{GenesisTime: testGenesisTime})
	_, again := interopState(t, genesis.Options{GenesisTime: testGenesisTime})
	root := types.HashTreeRoot(state)
	if types.HashTreeRoot(again) != root {
		t.Fatal("two builds of the same genesis have different roots")
	}
	encoded, err := types.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	var decoded types.BeaconState
	if err := types.Unmarshal(encoded, &decoded); err != nil {
		t.Fatalf("decode the genesis state: %v", err)
	}
	if types.HashTreeRoot(&decoded) != root {
		t.Fatal("the decoded state has another root")
	}
	reencoded, err := types.Marshal(&decoded)
	if err != nil || string(reencoded) != string(encoded) {
		t.Fatalf("re-encoding differs: %v", err)
	}
	if got := primitives.Root(root); got != pinnedGenesisRoot {
		t.Errorf("genesis root %#x, pinned %#x: if the genesis construction changed on purpose, update pinnedGenesisRoot", got, pinnedGenesisRoot)
	}

	// Another genesis time is another chain.
	_, later := interopState(t, genesis.Options{GenesisTime: testGenesisTime + 1})
	if types.HashTreeRoot(later) == root {
		t.Fatal("the genesis time does not change the root")
	}
}

func TestCheckpointSyncAcceptsTheInteropState(t *testing.T) {
	env, state := interopState(t, genesis.Options{GenesisTime: testGenesisTime})
	encoded, err := types.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	anchor, err := checkpointsync.Genesis(encoded, checkpointsync.Options{Spec: env.Spec})
	if err != nil {
		t.Fatalf("checkpoint sync refuses the genesis state: %v", err)
	}
	if anchor.State.Root != primitives.Root(types.HashTreeRoot(state)) || anchor.GenesisTime != testGenesisTime {
		t.Fatalf("anchor %+v", anchor)
	}
}

func TestProcessSlotsOverTheFirstEpochs(t *testing.T) {
	env, state := interopState(t, genesis.Options{GenesisTime: testGenesisTime})
	// Two epoch transitions without blocks: rotations of the proposer lookahead, inactivity, rewards.
	target := primitives.Slot(2*params.SlotsPerEpoch + 1)
	if err := epoch.ProcessSlots(env, state, target); err != nil {
		t.Fatalf("process_slots to %d: %v", target, err)
	}
	if state.Slot != target {
		t.Fatalf("slot %d", state.Slot)
	}
	// No effective balance moved and the seeds come from RANDAO mixes the empty slots left alone, so the rotated
	// lookahead is the one initialize_proposer_lookahead computes at the new epoch.
	want, err := genesis.InitializeProposerLookahead(env, state)
	if err != nil {
		t.Fatal(err)
	}
	if state.ProposerLookahead != want {
		t.Fatalf("lookahead after two epochs %v, want %v", state.ProposerLookahead, want)
	}
	if _, err := types.Marshal(state); err != nil {
		t.Fatalf("the advanced state does not encode: %v", err)
	}
}

func TestCompoundingCredentials(t *testing.T) {
	_, state := interopState(t, genesis.Options{GenesisTime: testGenesisTime, ValidatorCount: 16,
		WithdrawalPrefix: genesis.CompoundingWithdrawalPrefix})
	for i, v := range state.Validators {
		if !helpers.HasCompoundingWithdrawalCredential(v) || !helpers.IsActiveValidator(v, 0) {
			t.Fatalf("validator %d: %+v", i, v)
		}
	}
}

func TestInteropStateRefusesBadOptions(t *testing.T) {
	env := helpers.NewEnv(devnetSpec(t), nil)
	header := engineapi.MockGenesisHeader(engineapi.MockConfig{GenesisTime: testGenesisTime + 10})
	for name, opts := range map[string]genesis.Options{
		"an unknown withdrawal prefix":            {GenesisTime: testGenesisTime, WithdrawalPrefix: 0x05},
		"an execution genesis after the beacon's": {GenesisTime: testGenesisTime, ExecutionHeader: header},
	} {
		if _, err := genesis.InteropState(env, opts); !errors.Is(err, genesis.ErrInvalidOptions) {
			t.Errorf("%s: %v, want ErrInvalidOptions", name, err)
		}
	}

	cfg := env.Spec.ChainConfig.Clone()
	cfg.Forks[params.Fulu].Epoch = 10
	spec, err := params.NewSpec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := genesis.InteropState(helpers.NewEnv(spec, nil), genesis.Options{GenesisTime: testGenesisTime}); !errors.Is(err, genesis.ErrNotFuluAtGenesis) {
		t.Fatalf("a chain that reaches Fulu later: %v", err)
	}
}

func BenchmarkInteropState(b *testing.B) {
	env := helpers.NewEnv(devnetSpec(b), nil)
	for b.Loop() {
		if _, err := genesis.InteropState(env, genesis.Options{GenesisTime: testGenesisTime}); err != nil {
			b.Fatal(err)
		}
	}
}

// pinnedGenesisRoot is the root of the interop genesis of DefaultValidatorCount validators at testGenesisTime, in
// this build's preset: a change to it is a change to every devnet's chain, and must be deliberate.
var pinnedGenesisRoot = pinnedRoots[params.PresetName]

var pinnedRoots = map[string]primitives.Root{
	"minimal": mustRoot("acc7f875d6f36d8c60c1e4c467bb2537be04947603bd7d3b2fbad8ce835c90c7"),
	"mainnet": mustRoot("373caf56cf748d22a0b462025b7c9ee32c03b7e53c2f71de4af030f8b1672904"),
}

func mustRoot(s string) primitives.Root {
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != 32 {
		panic("bad pinned root " + s)
	}
	return primitives.Root(raw)
}
