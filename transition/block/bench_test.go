package block_test

import (
	"flag"
	"fmt"
	"testing"

	"github.com/salamander-client/salamander/bench/cputime"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/block/blocktest"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/transition/helpers/helperstest"
	"github.com/salamander-client/salamander/types"
)

var benchValidators = flag.Int("validators", 100_000, "registry size of the block benchmarks' state (mainnet: about 1,000,000)")

// benchState builds the benchmarks' state, of -validators validators.
func benchState(b *testing.B) (*helpers.Env, *types.BeaconState) {
	b.Helper()
	spec, err := helperstest.Spec()
	if err != nil {
		b.Fatal(err)
	}
	env := helpers.NewEnv(spec, helpers.NewCaches())
	state, err := blocktest.NewState(env, helperstest.Options{Validators: *benchValidators, Epoch: helperstest.MinEpoch, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return env, state
}

// benchBlock builds a block of the given shape for state, and processes it once so that the caches are warm, as
// they are on a node following the chain: the epoch's shuffling, the total active balance, the decompressed public
// keys of its attesters.
func benchBlock(b *testing.B, env *helpers.Env, state *types.BeaconState, opts blocktest.Options) (*types.SignedBeaconBlock, *types.BeaconState) {
	b.Helper()
	signed, pre, err := blocktest.Build(env, state, opts)
	if err != nil {
		b.Fatal(err)
	}
	if err := processSignedBlock(b, env, helpers.CopyState(pre), signed); err != nil {
		b.Fatal(err)
	}
	attesters := 0
	for _, a := range signed.Message.Body.Attestations {
		attesters += int(a.AggregationBits.Count())
	}
	b.Logf("%d validators (%s preset), block with %d attestations of %d attesters, %d transactions, %d blobs",
		len(pre.Validators), params.PresetName, len(signed.Message.Body.Attestations), attesters,
		len(signed.Message.Body.ExecutionPayload.Transactions), len(signed.Message.Body.BlobKZGCommitments))
	return signed, pre
}

// processSignedBlock is the block part of a state transition: verify_block_signature and process_block with every
// signature in one batch, verified at the end.
func processSignedBlock(b *testing.B, env *helpers.Env, state *types.BeaconState, signed *types.SignedBeaconBlock) error {
	batch := block.NewSignatureBatch()
	if err := block.VerifyBlockSignature(env, state, signed, batch); err != nil {
		return err
	}
	if err := block.ProcessBlock(b.Context(), env, state, signed.Message, block.AcceptAllEngine{}, batch); err != nil {
		return err
	}
	return batch.Verify()
}

// BenchmarkProcessBlock measures the block's processing and its signatures' verification on a state already at the
// block's slot: neither the copy of the state nor its root (the tree-hash cache's part) is counted. Set the
// registry size with -validators.
func BenchmarkProcessBlock(b *testing.B) {
	env, state := benchState(b)
	for _, shape := range []struct {
		name string
		opts blocktest.Options
	}{
		{"typical", blocktest.TypicalOptions(1)},
		{"busy", blocktest.DefaultOptions(1)},
	} {
		signed, pre := benchBlock(b, env, state, shape.opts)
		name := fmt.Sprintf("validators=%d/%s", len(pre.Validators), shape.name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var cpu cputime.Timer
			for range b.N {
				b.StopTimer()
				state := helpers.CopyState(pre)
				b.StartTimer()
				cpu.Start()
				if err := processSignedBlock(b, env, state, signed); err != nil {
					b.Fatal(err)
				}
				cpu.Stop()
			}
			cpu.Report(b)
		})
		b.Run(name+"/no-signatures", func(b *testing.B) {
			b.ReportAllocs()
			var cpu cputime.Timer
			for range b.N {
				b.StopTimer()
				state := helpers.CopyState(pre)
				b.StartTimer()
				cpu.Start()
				if err := block.ProcessBlock(b.Context(), env, state, signed.Message, block.AcceptAllEngine{}, helpers.SkipSignatureChecks{}); err != nil {
					b.Fatal(err)
				}
				cpu.Stop()
			}
			cpu.Report(b)
		})
	}
}
