package transition

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/block/blocktest"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/transition/helpers/helperstest"
	"github.com/salamander-client/salamander/types"
)

const actorTestSeed = 5

// testChain is an anchor state and blocks on it, for the core and the actor: b1 on the anchor (it crosses an
// epoch boundary), b2 on b1, and sibling, another block on the anchor. Tests must not modify it.
type testChain struct {
	spec       *params.Spec
	env        *helpers.Env
	anchor     *types.BeaconState
	b1Pre      *types.BeaconState // the anchor at b1's slot
	anchorRoot primitives.Root    // the anchor's block root: b1's and sibling's parent
	b1, b2     *types.SignedBeaconBlock
	sibling    *types.SignedBeaconBlock
}

var loadTestChain = sync.OnceValues(func() (*testChain, error) {
	spec, err := helperstest.Spec()
	if err != nil {
		return nil, err
	}
	env := helpers.NewEnv(spec, helpers.NewCaches())
	anchor, err := blocktest.NewState(env, helperstest.Options{Validators: 2048, Epoch: helperstest.MinEpoch, Seed: actorTestSeed})
	if err != nil {
		return nil, err
	}
	c := &testChain{spec: spec, env: env, anchor: anchor}
	opts := blocktest.DefaultOptions(actorTestSeed)
	opts.Transactions = 4
	if c.b1, c.b1Pre, err = blocktest.Build(env, anchor, opts); err != nil {
		return nil, err
	}
	c.anchorRoot = c.b1.Message.ParentRoot
	post1, err := StateTransition(context.Background(), env, anchor, c.b1, Options{Engine: block.AcceptAllEngine{}})
	if err != nil {
		return nil, err
	}
	if c.b2, _, err = blocktest.Build(env, post1, opts); err != nil {
		return nil, err
	}
	opts.Transactions = 5
	if c.sibling, _, err = blocktest.Build(env, anchor, opts); err != nil {
		return nil, err
	}
	return c, nil
})

func newTestChain(t *testing.T) *testChain {
	t.Helper()
	c, err := loadTestChain()
	if err != nil {
		t.Fatalf("test chain: %v", err)
	}
	return c
}

// encode returns the SSZ encoding of a block.
func encode(t *testing.T, signed *types.SignedBeaconBlock) []byte {
	t.Helper()
	raw, err := types.Marshal(signed)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// corrupt returns the encoding of a copy of signed (decoded from its encoding, so it shares nothing with it)
// changed by change.
func corrupt(t *testing.T, signed *types.SignedBeaconBlock, change func(*types.SignedBeaconBlock)) []byte {
	t.Helper()
	c := new(types.SignedBeaconBlock)
	if err := types.Unmarshal(encode(t, signed), c); err != nil {
		t.Fatal(err)
	}
	change(c)
	return encode(t, c)
}

// resignB1 signs a changed b1 again by its proposer.
func (c *testChain) resignB1(t *testing.T, signed *types.SignedBeaconBlock) {
	t.Helper()
	signature, err := blocktest.SignBlock(c.env, c.b1Pre, signed.Message, actorTestSeed)
	if err != nil {
		t.Fatal(err)
	}
	signed.Signature = signature
}

// memorySource is a StateSource over the states a test stored, standing in for the store. It returns copies,
// as a store decodes a new state for every load.
type memorySource struct {
	mu     sync.Mutex
	states map[primitives.Root]*types.BeaconState
	loads  atomic.Int32 // states served
}

func newMemorySource(root primitives.Root, state *types.BeaconState) *memorySource {
	return &memorySource{states: map[primitives.Root]*types.BeaconState{root: state}}
}

func (m *memorySource) StateByBlockRoot(_ context.Context, root primitives.Root) (*types.BeaconState, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	state, ok := m.states[root]
	if !ok {
		return nil, false, nil
	}
	m.loads.Add(1)
	return helpers.CopyState(state), true, nil
}

// countingEngine accepts every payload and counts the calls.
type countingEngine struct{ calls atomic.Int32 }

func (e *countingEngine) VerifyAndNotifyNewPayload(context.Context, *block.NewPayloadRequest) (bool, error) {
	e.calls.Add(1)
	return true, nil
}
