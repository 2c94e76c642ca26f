//go:build !minimal && unix

package types_test

import (
	"testing"

	"github.com/salamander-client/salamander/bench/cputime"
	"github.com/salamander-client/salamander/merkle"
	"github.com/salamander-client/salamander/types"
)

// Merkle proofs from the shared synthetic mainnet-preset state of 2^20 validators (bench_test.go), each from a fresh
// Tree, so every subtree a proof needs is hashed within the measured loop:
//
//	go test -run='^$' -bench='Proof|Multiproof' -benchmem -benchtime=10x ./types
//
// Compare with BenchmarkProofBaselineStateRoot, the whole root: a proof from a fresh Tree must hash every part of the
// state once, so that is the cost to match. Beside the wall time each benchmark reports cpu-ms/op, the processor
// time of the whole process per operation, which stays meaningful on a machine shared with other work.

func BenchmarkProofBaselineStateRoot(b *testing.B) {
	state, _ := largeState(b)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Start()
	for b.Loop() {
		types.HashTreeRootConcurrent(state)
	}
	cpu.Report(b)
}

func benchProof(b *testing.B, indices ...merkle.GeneralizedIndex) {
	state, _ := largeState(b)
	root := types.HashTreeRootConcurrent(state)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Start()
	for b.Loop() {
		tree := merkle.NewTree(state)
		for _, index := range indices {
			if _, err := merkle.ComputeMerkleProof(tree, index); err != nil {
				b.Fatal(err)
			}
		}
		if tree.Root() != root {
			b.Fatal("the tree's root is not the state's")
		}
	}
	cpu.Report(b)
}

func BenchmarkProofFinalizedRoot(b *testing.B) { benchProof(b, types.FinalizedRootGindexElectra) }

func BenchmarkProofCurrentSyncCommittee(b *testing.B) {
	benchProof(b, types.CurrentSyncCommitteeGindexElectra)
}

// BenchmarkProofLightClientBranches proves the three branches a light client server serves from one state, from
// one Tree: the second and third reuse what the first hashed.
func BenchmarkProofLightClientBranches(b *testing.B) {
	benchProof(b, types.FinalizedRootGindexElectra, types.CurrentSyncCommitteeGindexElectra, types.NextSyncCommitteeGindexElectra)
}

// BenchmarkProofValidator proves one validator deep in the registry: every other validator's root is needed.
func BenchmarkProofValidator(b *testing.B) {
	g, err := merkle.GetGeneralizedIndex(merkle.TypeOf((*types.BeaconState)(nil)), merkle.Field("validators"), merkle.Index(777_777), merkle.Field("effective_balance"))
	if err != nil {
		b.Fatal(err)
	}
	benchProof(b, g)
}

// BenchmarkMultiproofStateFields proves several fields of the state at once.
func BenchmarkMultiproofStateFields(b *testing.B) {
	state, _ := largeState(b)
	typ := merkle.TypeOf(state)
	var indices []merkle.GeneralizedIndex
	for _, path := range [][]merkle.PathElement{
		{merkle.Field("slot")},
		{merkle.Field("finalized_checkpoint"), merkle.Field("root")},
		{merkle.Field("current_sync_committee")},
		{merkle.Field("next_sync_committee")},
		{merkle.Field("latest_execution_payload_header"), merkle.Field("block_hash")},
		{merkle.Field("balances"), merkle.Index(654_321)},
		{merkle.Field("validators"), merkle.Len},
	} {
		g, err := merkle.GetGeneralizedIndex(typ, path...)
		if err != nil {
			b.Fatal(err)
		}
		indices = append(indices, g)
	}
	root := types.HashTreeRootConcurrent(state)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Start()
	for b.Loop() {
		tree := merkle.NewTree(state)
		proof, err := merkle.ComputeMerkleMultiproof(tree, indices)
		if err != nil {
			b.Fatal(err)
		}
		leaves := make([][32]byte, len(indices))
		for i, g := range indices {
			if leaves[i], err = tree.Node(g); err != nil {
				b.Fatal(err)
			}
		}
		if !merkle.VerifyMerkleMultiproof(leaves, proof, indices, root) {
			b.Fatal("the multiproof does not verify")
		}
	}
	cpu.Report(b)
}
