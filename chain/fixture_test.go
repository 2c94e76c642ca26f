package chain_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/salamander-client/salamander/chain"
	"github.com/salamander-client/salamander/checkpointsync"
	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/engineapi"
	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/genesis"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
	"github.com/salamander-client/salamander/validator"
	"github.com/salamander-client/salamander/validator/slashingprotection"
)

const fixtureGenesisTime = 1_700_000_000

// fixture is a devnet run synchronously in the test: the interop genesis anchored in a store, the validator client
// of every validator performing its duties slot after slot, and each block imported as the node imports it (the
// full state transition, the ChainFeed, one store commit with the feed's states, the head and the post-state's
// checkpoints).
type fixture struct {
	t      testing.TB
	env    *helpers.Env
	db     *store.DB
	engine *engineapi.MockEngine
	feed   *transition.ChainFeed
	client *validator.Client
	// empty are the slots run proposes no block at.
	empty map[primitives.Slot]bool

	headRoot primitives.Root
	head     *types.BeaconState
	// What the import made of each block, by root, in import order.
	roots    []primitives.Root
	prepared map[primitives.Root]*transition.Prepared
	posts    map[primitives.Root]*types.BeaconState
}

func devnetSpec(t testing.TB) *params.Spec {
	t.Helper()
	spec, err := params.NewSpec(params.DevnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func newFixture(t testing.TB, validators uint64) *fixture {
	t.Helper()
	env := helpers.NewEnv(devnetSpec(t), helpers.NewCaches())
	state, err := genesis.InteropState(env, genesis.Options{GenesisTime: fixtureGenesisTime, ValidatorCount: validators})
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := types.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	anchor, err := checkpointsync.Genesis(encoded, checkpointsync.Options{Spec: env.Spec})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(t.TempDir(), store.Options{Network: store.NetworkOf(env.Spec), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.SetAnchor(anchor.Input()); err != nil {
		t.Fatal(err)
	}
	engine, err := engineapi.NewMockEngine(state.LatestExecutionPayloadHeader)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, env: env, db: db, engine: engine, headRoot: anchor.Block.Root, head: state,
		prepared: map[primitives.Root]*transition.Prepared{}, posts: map[primitives.Root]*types.BeaconState{}}
	f.feed = transition.NewChainFeed(helpers.NewEnv(env.Spec, helpers.NewCaches()), chain.NewStates(env, db.Reader, 0), anchor.Block.Root, state)

	protection, err := slashingprotection.Open(filepath.Join(t.TempDir(), slashingprotection.FileName), slashingprotection.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = protection.Close() })
	keys, err := bls.InteropSecretKeys(validators)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := validator.NewSigner(env.Spec, state.GenesisValidatorsRoot, protection, keys)
	if err != nil {
		t.Fatal(err)
	}
	node := validator.NewLocalBeaconNode(env, f, validator.NewOperationPool(0), engine, engine, nil)
	f.client = validator.NewClient(signer, node, validator.ClientConfig{})
	return f
}

// Head implements validator.Chain.
func (f *fixture) Head(context.Context) (primitives.Root, *types.BeaconState, error) {
	return f.headRoot, f.head, nil
}

// ImportBlock implements validator.Chain: the node's import, in one goroutine.
func (f *fixture) ImportBlock(ctx context.Context, signed *types.SignedBeaconBlock) error {
	post, err := transition.StateTransition(ctx, f.env, f.head, signed, transition.Options{Engine: f.engine})
	if err != nil {
		return err
	}
	encoded, err := types.Marshal(signed)
	if err != nil {
		return err
	}
	blk := signed.Message
	root := primitives.Root(types.HashTreeRoot(blk))
	prepared, err := f.feed.Prepare(ctx, signed, encoded, root, f.head, post)
	if err != nil {
		return err
	}
	batch := &store.Batch{Block: &store.BlockBlob{Root: root, Slot: blk.Slot, ParentRoot: blk.ParentRoot, SSZ: encoded},
		States: prepared.States, Head: &root}
	if j := prepared.OnBlock.PostState.Justified; j.Epoch > 0 {
		batch.Justified = &store.Checkpoint{Epoch: j.Epoch, Root: j.Root}
	}
	if fin := prepared.OnBlock.PostState.Finalized; fin.Epoch > 0 {
		if have, err := f.db.Finalized(); err == nil && have.Epoch < fin.Epoch {
			batch.Finalized = &store.Checkpoint{Epoch: fin.Epoch, Root: fin.Root}
		}
	}
	res, err := f.db.Commit(batch)
	if err != nil {
		return fmt.Errorf("commit block at slot %d: %w", blk.Slot, err)
	}
	if res.FinalityAdvanced {
		if _, err := f.db.Prune(); err != nil {
			return err
		}
	}
	if _, err := f.engine.ForkchoiceUpdated(ctx, engineapi.ForkchoiceState{HeadBlockHash: blk.Body.ExecutionPayload.BlockHash}, nil); err != nil {
		return err
	}
	f.headRoot, f.head = root, post
	f.roots = append(f.roots, root)
	f.prepared[root], f.posts[root] = prepared, post
	return nil
}

// run performs every duty of slots 1..last, but for the proposals of the empty slots.
func (f *fixture) run(last primitives.Slot) {
	f.t.Helper()
	ctx := context.Background()
	for slot := primitives.Slot(0); slot <= last; slot++ {
		var reports []validator.Report
		if slot > 0 && !f.empty[slot] {
			reports = append(reports, f.client.ProposeBlock(ctx, slot))
		}
		reports = append(reports, f.client.Attest(ctx, slot), f.client.Aggregate(ctx, slot))
		for _, r := range reports {
			if err := r.Err(); err != nil {
				f.t.Fatalf("slot %d: %v", slot, err)
			}
		}
	}
}

// forkChoiceInput is what of an OnBlock the tests compare: all but the shared balances' identity.
func forkChoiceInput(b *forkchoice.OnBlock) string {
	var balances []types.Checkpoint
	for _, x := range b.Balances {
		balances = append(balances, x.Checkpoint)
	}
	return fmt.Sprintf("root %#x post %+v balances %v attestations %d", b.Root, b.PostState, balances, len(b.Attestations))
}
