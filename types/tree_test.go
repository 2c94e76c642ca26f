package types_test

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"os/exec"
	"testing"

	"github.com/holiman/uint256"
	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/merkle"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

func TestTreeMethodsAreCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go tool")
	}
	out, err := exec.Command("go", "run", "../merkle/treegen", "-out", "tree_methods.go", "-check").CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

func gindex(t *testing.T, obj merkle.Container, path ...merkle.PathElement) merkle.GeneralizedIndex {
	t.Helper()
	g, err := merkle.GetGeneralizedIndex(merkle.TypeOf(obj), path...)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGeneralizedIndexConstants recomputes the spec's predefined generalized indices and branch depths from the
// types, as the spec defines them.
func TestGeneralizedIndexConstants(t *testing.T) {
	state, body := (*types.BeaconState)(nil), (*types.BeaconBlockBody)(nil)
	for _, tc := range []struct {
		name string
		got  merkle.GeneralizedIndex
		want merkle.GeneralizedIndex
	}{
		{"FINALIZED_ROOT_GINDEX_ELECTRA", gindex(t, state, merkle.Field("finalized_checkpoint"), merkle.Field("root")), types.FinalizedRootGindexElectra},
		{"CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA", gindex(t, state, merkle.Field("current_sync_committee")), types.CurrentSyncCommitteeGindexElectra},
		{"NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA", gindex(t, state, merkle.Field("next_sync_committee")), types.NextSyncCommitteeGindexElectra},
		{"EXECUTION_PAYLOAD_GINDEX", gindex(t, body, merkle.Field("execution_payload")), types.ExecutionPayloadGindex},
		{"blob_kzg_commitments", gindex(t, body, merkle.Field("blob_kzg_commitments")), types.BlobKZGCommitmentsGindex},
		// The spec's own numbers, in case both sides above drift together.
		{"169", types.FinalizedRootGindexElectra, 169},
		{"86", types.CurrentSyncCommitteeGindexElectra, 86},
		{"87", types.NextSyncCommitteeGindexElectra, 87},
		{"25", types.ExecutionPayloadGindex, 25},
		{"27", types.BlobKZGCommitmentsGindex, 27},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		name  string
		index merkle.GeneralizedIndex
		depth int
	}{
		{"FinalityBranchDepth", types.FinalizedRootGindexElectra, types.FinalityBranchDepth},
		{"CurrentSyncCommitteeBranchDepth", types.CurrentSyncCommitteeGindexElectra, types.CurrentSyncCommitteeBranchDepth},
		{"NextSyncCommitteeBranchDepth", types.NextSyncCommitteeGindexElectra, types.NextSyncCommitteeBranchDepth},
		{"ExecutionBranchDepth", types.ExecutionPayloadGindex, types.ExecutionBranchDepth},
		// KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH = floorlog2(get_generalized_index(BeaconBlockBody, 'blob_kzg_commitments')).
		{"KZGCommitmentsInclusionProofDepth", types.BlobKZGCommitmentsGindex, params.KZGCommitmentsInclusionProofDepth},
		// KZG_COMMITMENT_INCLUSION_PROOF_DEPTH is the depth of an element of blob_kzg_commitments.
		{"KZGCommitmentInclusionProofDepth", gindex(t, body, merkle.Field("blob_kzg_commitments"), merkle.Index(params.MaxBlobCommitmentsPerBlock-1)), params.KZGCommitmentInclusionProofDepth},
	} {
		if got := merkle.GetGeneralizedIndexLength(tc.index); got != tc.depth {
			t.Errorf("%s = %d, but gindex %d is %d deep", tc.name, tc.depth, tc.index, got)
		}
	}
}

// proofTestState returns a small state of the build's preset with every field set.
func proofTestState(rng *rand.Rand, validators int) *types.BeaconState {
	root := func() (r primitives.Root) {
		for i := 0; i < len(r); i += 8 {
			binary.LittleEndian.PutUint64(r[i:], rng.Uint64())
		}
		return r
	}
	s := &types.BeaconState{
		GenesisTime:                  rng.Uint64(),
		GenesisValidatorsRoot:        root(),
		Slot:                         primitives.Slot(rng.Uint64()),
		Fork:                         &types.Fork{PreviousVersion: primitives.Version{5}, CurrentVersion: primitives.Version{6}, Epoch: 9},
		LatestBlockHeader:            &types.BeaconBlockHeader{Slot: 3, ProposerIndex: 4, ParentRoot: root(), StateRoot: root(), BodyRoot: root()},
		Eth1Data:                     &types.Eth1Data{DepositRoot: root(), DepositCount: 12, BlockHash: primitives.Hash32(root())},
		Eth1DepositIndex:             12,
		JustificationBits:            [1]byte{0b1010},
		PreviousJustifiedCheckpoint:  &types.Checkpoint{Epoch: 7, Root: root()},
		CurrentJustifiedCheckpoint:   &types.Checkpoint{Epoch: 8, Root: root()},
		FinalizedCheckpoint:          &types.Checkpoint{Epoch: 6, Root: root()},
		CurrentSyncCommittee:         &types.SyncCommittee{AggregatePubkey: primitives.BLSPubkey{1, 2}},
		NextSyncCommittee:            &types.SyncCommittee{AggregatePubkey: primitives.BLSPubkey{3, 4}},
		LatestExecutionPayloadHeader: &types.ExecutionPayloadHeader{ExtraData: []byte("tree"), BaseFeePerGas: uint256.NewInt(7), BlockHash: primitives.Hash32(root())},
		NextWithdrawalIndex:          5,
		HistoricalRoots:              []primitives.Root{root(), root()},
		HistoricalSummaries:          []*types.HistoricalSummary{{BlockSummaryRoot: root(), StateSummaryRoot: root()}},
		PendingDeposits:              []*types.PendingDeposit{{Amount: 32, Slot: 2}},
		PendingConsolidations:        []*types.PendingConsolidation{{SourceIndex: 1, TargetIndex: 2}},
		EarliestExitEpoch:            11,
	}
	for i := range s.BlockRoots {
		s.BlockRoots[i], s.StateRoots[i] = root(), root()
	}
	for i := range s.RandaoMixes {
		s.RandaoMixes[i] = primitives.Bytes32(root())
	}
	for i := range s.Slashings {
		s.Slashings[i] = primitives.Gwei(rng.Uint64())
	}
	for i := range s.ProposerLookahead {
		s.ProposerLookahead[i] = primitives.ValidatorIndex(rng.IntN(validators))
	}
	for i := range s.CurrentSyncCommittee.Pubkeys {
		r1, r2 := root(), root()
		copy(s.CurrentSyncCommittee.Pubkeys[i][:], r1[:])
		copy(s.NextSyncCommittee.Pubkeys[i][:], r2[:])
	}
	for i := range validators {
		v := &types.Validator{EffectiveBalance: 32_000_000_000, ActivationEpoch: primitives.Epoch(i), ExitEpoch: primitives.FarFutureEpoch,
			WithdrawableEpoch: primitives.FarFutureEpoch, Slashed: i%7 == 0}
		r := root()
		copy(v.Pubkey[:], r[:])
		v.WithdrawalCredentials = primitives.Bytes32(root())
		s.Validators = append(s.Validators, v)
		s.Balances = append(s.Balances, primitives.Gwei(rng.Uint64()))
		s.PreviousEpochParticipation = append(s.PreviousEpochParticipation, primitives.ParticipationFlag(rng.IntN(8)))
		s.CurrentEpochParticipation = append(s.CurrentEpochParticipation, primitives.ParticipationFlag(rng.IntN(8)))
		s.InactivityScores = append(s.InactivityScores, rng.Uint64())
	}
	return s
}

// TestBeaconStateProofs proves the light client's nodes, and nodes deep inside every kind of field, against the
// state's hash_tree_root as karalabe/ssz computes it.
func TestBeaconStateProofs(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	state := proofTestState(rng, 3000)
	root := types.HashTreeRoot(state)

	paths := [][]merkle.PathElement{
		{merkle.Field("finalized_checkpoint"), merkle.Field("root")},
		{merkle.Field("current_sync_committee")},
		{merkle.Field("next_sync_committee")},
		{merkle.Field("validators"), merkle.Index(2999), merkle.Field("pubkey")},
		{merkle.Field("validators"), merkle.Index(1234), merkle.Field("slashed")},
		{merkle.Field("validators"), merkle.Len},
		{merkle.Field("balances"), merkle.Index(2998)},
		{merkle.Field("previous_epoch_participation"), merkle.Index(17)},
		{merkle.Field("inactivity_scores"), merkle.Index(0)},
		{merkle.Field("block_roots"), merkle.Index(params.SlotsPerHistoricalRoot - 1)},
		{merkle.Field("randao_mixes"), merkle.Index(3)},
		{merkle.Field("slashings"), merkle.Index(params.EpochsPerSlashingsVector - 1)},
		{merkle.Field("justification_bits")},
		{merkle.Field("latest_execution_payload_header"), merkle.Field("extra_data")},
		{merkle.Field("latest_execution_payload_header"), merkle.Field("base_fee_per_gas")},
		{merkle.Field("historical_summaries"), merkle.Index(0), merkle.Field("state_summary_root")},
		{merkle.Field("pending_consolidations"), merkle.Index(0), merkle.Field("target_index")},
		{merkle.Field("proposer_lookahead"), merkle.Index(ProposerLookaheadLast)},
		{merkle.Field("current_sync_committee"), merkle.Field("pubkeys"), merkle.Index(params.SyncCommitteeSize - 1)},
	}
	tree := merkle.NewTree(state)
	var indices []merkle.GeneralizedIndex
	var leaves [][32]byte
	for _, path := range paths {
		g := gindex(t, state, path...)
		branch, err := merkle.ComputeMerkleProof(tree, g)
		if err != nil {
			t.Fatalf("prove %v: %v", path, err)
		}
		leaf, err := tree.Node(g)
		if err != nil {
			t.Fatalf("node at %v: %v", path, err)
		}
		depth := uint64(merkle.GetGeneralizedIndexLength(g))
		if !merkle.IsValidMerkleBranch(leaf, branch, depth, merkle.GetSubtreeIndex(g), root) {
			t.Errorf("branch of %v (gindex %d) does not verify against the state root", path, g)
		}
		indices, leaves = append(indices, g), append(leaves, leaf)
	}
	if got := tree.Root(); got != root {
		t.Errorf("tree root %x, want %x", got, root)
	}
	// Leaves whose value is known outright.
	for i, want := range map[int][32]byte{
		0:  state.FinalizedCheckpoint.Root,
		1:  types.HashTreeRoot(state.CurrentSyncCommittee),
		2:  types.HashTreeRoot(state.NextSyncCommittee),
		10: state.RandaoMixes[3],
	} {
		if leaves[i] != want {
			t.Errorf("leaf at %v = %x, want %x", paths[i], leaves[i], want)
		}
	}
	proof, err := merkle.ComputeMerkleMultiproof(merkle.NewTree(state), indices)
	if err != nil {
		t.Fatal(err)
	}
	if !merkle.VerifyMerkleMultiproof(leaves, proof, indices, root) {
		t.Error("multiproof of all paths does not verify against the state root")
	}
}

// ProposerLookaheadLast is the last index of BeaconState.proposer_lookahead.
const ProposerLookaheadLast = types.ProposerLookaheadLength - 1

// TestBlockBodyProofs checks the inclusion proofs of blob sidecars (one commitment) and data column sidecars (the
// commitments list), verified as the p2p spec verifies them.
func TestBlockBodyProofs(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	body := &types.BeaconBlockBody{
		Eth1Data:      &types.Eth1Data{DepositCount: 3},
		SyncAggregate: &types.SyncAggregate{},
		ExecutionPayload: &types.ExecutionPayload{
			Transactions: [][]byte{{1, 2, 3}, make([]byte, 1000)},
			Withdrawals:  []*types.Withdrawal{{Index: 1, Amount: 2}},
		},
		ExecutionRequests: &types.ExecutionRequests{},
		Attestations: []*types.Attestation{{
			AggregationBits: bitfield.NewBitlist(100),
			Data:            &types.AttestationData{Source: &types.Checkpoint{}, Target: &types.Checkpoint{Epoch: 1}},
		}},
	}
	for range 9 {
		var c primitives.KZGCommitment
		for i := range c {
			c[i] = byte(rng.UintN(256))
		}
		body.BlobKZGCommitments = append(body.BlobKZGCommitments, c)
	}
	bodyRoot := types.HashTreeRoot(body)
	tree := merkle.NewTree(body)

	// verify_blob_sidecar_inclusion_proof: the commitment's root at its subtree index, KZG_COMMITMENT_INCLUSION_PROOF_DEPTH deep.
	for i := range body.BlobKZGCommitments {
		g := gindex(t, body, merkle.Field("blob_kzg_commitments"), merkle.Index(uint64(i)))
		branch, err := merkle.ComputeMerkleProof(tree, g)
		if err != nil {
			t.Fatal(err)
		}
		if len(branch) != params.KZGCommitmentInclusionProofDepth {
			t.Fatalf("commitment branch has %d nodes, want %d", len(branch), params.KZGCommitmentInclusionProofDepth)
		}
		leaf, err := tree.Node(g)
		if err != nil {
			t.Fatal(err)
		}
		// hash_tree_root(KZGCommitment): a Bytes48 is two chunks.
		var chunks [64]byte
		copy(chunks[:], body.BlobKZGCommitments[i][:])
		if want := sha256.Sum256(chunks[:]); leaf != want {
			t.Errorf("commitment %d's root = %x, want %x", i, leaf, want)
		}
		if !merkle.IsValidMerkleBranch(leaf, branch, params.KZGCommitmentInclusionProofDepth, merkle.GetSubtreeIndex(g), bodyRoot) {
			t.Errorf("inclusion proof of commitment %d does not verify", i)
		}
	}
	// verify_data_column_sidecar_inclusion_proof: the commitments list's root at BlobKZGCommitmentsGindex.
	branch, err := merkle.ComputeMerkleProof(tree, types.BlobKZGCommitmentsGindex)
	if err != nil {
		t.Fatal(err)
	}
	sidecar := &types.DataColumnSidecar{KZGCommitments: body.BlobKZGCommitments, SignedBlockHeader: &types.SignedBeaconBlockHeader{Message: &types.BeaconBlockHeader{}}}
	copy(sidecar.KZGCommitmentsInclusionProof[:], toBytes32(branch))
	listRoot, err := merkle.NewTree(sidecar).Node(gindex(t, sidecar, merkle.Field("kzg_commitments")))
	if err != nil {
		t.Fatal(err)
	}
	if !merkle.IsValidMerkleBranch(listRoot, branch, params.KZGCommitmentsInclusionProofDepth, merkle.GetSubtreeIndex(types.BlobKZGCommitmentsGindex), bodyRoot) {
		t.Error("kzg_commitments_inclusion_proof does not verify")
	}
	// EXECUTION_PAYLOAD_GINDEX: the light client header's execution branch.
	branch, err = merkle.ComputeMerkleProof(tree, types.ExecutionPayloadGindex)
	if err != nil {
		t.Fatal(err)
	}
	if !merkle.IsValidMerkleBranch(types.HashTreeRoot(body.ExecutionPayload), branch, types.ExecutionBranchDepth, merkle.GetSubtreeIndex(types.ExecutionPayloadGindex), bodyRoot) {
		t.Error("execution branch does not verify")
	}
}

func toBytes32(nodes [][32]byte) []primitives.Bytes32 {
	out := make([]primitives.Bytes32, len(nodes))
	for i, n := range nodes {
		out[i] = n
	}
	return out
}
