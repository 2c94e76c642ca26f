package chain_test

import (
	"context"
	"testing"

	"github.com/salamander-client/salamander/chain"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// BenchmarkImport measures what the chain transition actor does for each block of a 64-validator devnet: the state
// transition with every signature, then ChainFeed.Prepare (the fork-choice input: pulled-up tip, indexed
// attestations, checkpoint balances; the stored state at an epoch's first block). It cycles through an epoch of
// blocks so that epoch boundaries count as often as they come.
func BenchmarkImport(b *testing.B) {
	f := newFixture(b, 64)
	f.run(3 * params.SlotsPerEpoch)
	ctx := context.Background()
	var blocks []*types.SignedBeaconBlock
	var encoded [][]byte
	for _, root := range f.roots[len(f.roots)-int(params.SlotsPerEpoch):] {
		ssz, err := f.db.Block(root)
		if err != nil {
			b.Fatal(err)
		}
		signed := new(types.SignedBeaconBlock)
		if err := types.Unmarshal(ssz, signed); err != nil {
			b.Fatal(err)
		}
		blocks, encoded = append(blocks, signed), append(encoded, ssz)
	}
	env := helpers.NewEnv(f.env.Spec, helpers.NewCaches())
	states := chain.NewStates(env, f.db.Reader, 0)
	anchorRoot, anchorState, err := states.Anchor(ctx)
	if err != nil {
		b.Fatal(err)
	}
	feed := transition.NewChainFeed(env, states, anchorRoot, anchorState)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		signed := blocks[i%len(blocks)]
		root := types.HashTreeRoot(signed.Message)
		parent, _, err := states.StateByBlockRoot(ctx, signed.Message.ParentRoot)
		if err != nil {
			b.Fatal(err)
		}
		post, err := transition.StateTransition(ctx, env, parent, signed, transition.Options{Engine: f.engine})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := feed.Prepare(ctx, signed, encoded[i%len(encoded)], root, parent, post); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
