package transition_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/block/blocktest"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/transition/helpers/helperstest"
	"github.com/salamander-client/salamander/types"
)

const testSeed = 11

// chain is a synthetic state at the last slot of an epoch and two valid blocks on it: the first crosses the epoch
// boundary. Tests must not modify it.
type chain struct {
	env    *helpers.Env
	state  *types.BeaconState
	blocks []*types.SignedBeaconBlock
	pres   []*types.BeaconState // the state at each block's slot, before it
}

var loadChain = sync.OnceValues(func() (*chain, error) {
	spec, err := helperstest.Spec()
	if err != nil {
		return nil, err
	}
	env := helpers.NewEnv(spec, helpers.NewCaches())
	state, err := blocktest.NewState(env, helperstest.Options{Validators: 2048, Epoch: helperstest.MinEpoch, Seed: testSeed})
	if err != nil {
		return nil, err
	}
	c := &chain{env: env, state: state}
	opts := blocktest.DefaultOptions(testSeed)
	opts.Transactions = 4
	for range 2 {
		signed, pre, err := blocktest.Build(env, state, opts)
		if err != nil {
			return nil, err
		}
		c.blocks, c.pres = append(c.blocks, signed), append(c.pres, pre)
		if state, err = transition.StateTransition(context.Background(), env, state, signed, transition.Options{Engine: block.AcceptAllEngine{}}); err != nil {
			return nil, err
		}
	}
	return c, nil
})

func newChain(t *testing.T) *chain {
	t.Helper()
	c, err := loadChain()
	if err != nil {
		t.Fatalf("chain: %v", err)
	}
	return c
}

func TestStateTransitionAppliesValidBlocks(t *testing.T) {
	c := newChain(t)
	state := c.state
	for i, signed := range c.blocks {
		preRoot := state.HashTreeRoot()
		post, err := transition.StateTransition(t.Context(), c.env, state, signed, transition.Options{Engine: block.AcceptAllEngine{}})
		if err != nil {
			t.Fatalf("block %d: %v", i, err)
		}
		if post == state {
			t.Fatalf("block %d: the post-state is the pre-state", i)
		}
		if state.HashTreeRoot() != preRoot {
			t.Errorf("block %d: the pre-state changed", i)
		}
		if root := post.HashTreeRoot(); root != signed.Message.StateRoot {
			t.Errorf("block %d: post-state root %#x, the block says %#x", i, root, signed.Message.StateRoot)
		}
		if post.Slot != signed.Message.Slot {
			t.Errorf("block %d: post-state at slot %d", i, post.Slot)
		}
		state = post
	}
}

// TestAnInvalidBlockLeavesThePreStateAlone checks each way a block can fail: the state the caller passed in keeps
// its root, and the error wraps the check that failed.
func TestAnInvalidBlockLeavesThePreStateAlone(t *testing.T) {
	c := newChain(t)
	good := c.blocks[0]
	otherSig, err := blocktest.Sign(testSeed, []primitives.ValidatorIndex{5}, primitives.Root{9})
	if err != nil {
		t.Fatal(err)
	}
	reseal := func(t *testing.T, corrupt func(*types.BeaconBlock)) *types.SignedBeaconBlock {
		t.Helper()
		blk := cloneBlock(t, good.Message)
		corrupt(blk)
		signed, err := blocktest.Seal(c.env, c.pres[0], blk, testSeed)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}

	tests := []struct {
		name    string
		signed  func(t *testing.T) *types.SignedBeaconBlock
		want    error
		mention string
	}{
		{"state root", func(t *testing.T) *types.SignedBeaconBlock {
			blk := cloneBlock(t, good.Message)
			blk.StateRoot = primitives.Root{0xaa}
			return &types.SignedBeaconBlock{Message: blk, Signature: good.Signature}
		}, block.ErrInvalidBlockSignature, "block signature"}, // the signature covers the state root
		{"proposer signature", func(*testing.T) *types.SignedBeaconBlock {
			return &types.SignedBeaconBlock{Message: good.Message, Signature: otherSig}
		}, block.ErrInvalidBlockSignature, "block signature"},
		{"attestation signature", func(t *testing.T) *types.SignedBeaconBlock {
			return reseal(t, func(b *types.BeaconBlock) { b.Body.Attestations[5].Signature = otherSig })
		}, block.ErrInvalidAttestation, "attestation 5"},
		{"signed wrong state root", func(t *testing.T) *types.SignedBeaconBlock {
			blk := cloneBlock(t, good.Message)
			blk.StateRoot[0] ^= 1
			return signBlock(t, c, blk)
		}, transition.ErrStateRootMismatch, "state root"},
		{"header", func(t *testing.T) *types.SignedBeaconBlock {
			blk := cloneBlock(t, good.Message)
			blk.ParentRoot = primitives.Root{1}
			return signBlock(t, c, blk)
		}, block.ErrInvalidBlockHeader, "parent root"},
		{"slot in the past", func(t *testing.T) *types.SignedBeaconBlock {
			blk := cloneBlock(t, good.Message)
			blk.Slot = c.state.Slot
			return signBlock(t, c, blk)
		}, helpers.ErrInvalidSlot, "process_slots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signed := tt.signed(t)
			preRoot := c.state.HashTreeRoot()
			post, err := transition.StateTransition(t.Context(), c.env, c.state, signed, transition.Options{Engine: block.AcceptAllEngine{}})
			if post != nil {
				t.Error("a post-state came with the error")
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %v, want one wrapping %v and mentioning %q", err, tt.want, tt.mention)
			}
			if c.state.HashTreeRoot() != preRoot {
				t.Error("the invalid block changed the pre-state")
			}
		})
	}
}

func TestStateTransitionOptions(t *testing.T) {
	c := newChain(t)
	good := c.blocks[0]

	if _, err := transition.StateTransition(t.Context(), c.env, c.state, good, transition.Options{}); !errors.Is(err, transition.ErrNoExecutionEngine) {
		t.Errorf("no engine: %v, want %v", err, transition.ErrNoExecutionEngine)
	}
	if _, err := transition.StateTransition(t.Context(), c.env, c.state, nil, transition.Options{Engine: block.AcceptAllEngine{}}); err == nil {
		t.Error("a nil block was accepted")
	}

	// SkipSignatures: a body signature by the wrong key passes, as long as the state root is right.
	otherSig, err := blocktest.Sign(testSeed, []primitives.ValidatorIndex{5}, primitives.Root{9})
	if err != nil {
		t.Fatal(err)
	}
	blk := cloneBlock(t, good.Message)
	blk.Body.RandaoReveal = otherSig
	sealed, err := blocktest.Seal(c.env, c.pres[0], blk, testSeed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := transition.StateTransition(t.Context(), c.env, c.state, sealed, transition.Options{Engine: block.AcceptAllEngine{}}); !errors.Is(err, block.ErrInvalidRandaoReveal) {
		t.Errorf("checked: %v, want %v", err, block.ErrInvalidRandaoReveal)
	}
	if _, err := transition.StateTransition(t.Context(), c.env, c.state, sealed, transition.Options{Engine: block.AcceptAllEngine{}, SkipSignatures: true}); err != nil {
		t.Errorf("SkipSignatures: %v", err)
	}

	// SkipResultValidation: an unsigned block without its state root, as block production has it.
	unsigned := &types.SignedBeaconBlock{Message: cloneBlock(t, good.Message)}
	unsigned.Message.StateRoot = primitives.Root{}
	post, err := transition.StateTransition(t.Context(), c.env, c.state, unsigned, transition.Options{Engine: block.AcceptAllEngine{}, SkipResultValidation: true})
	if err != nil {
		t.Fatalf("SkipResultValidation: %v", err)
	}
	if root := post.HashTreeRoot(); root != good.Message.StateRoot {
		t.Errorf("SkipResultValidation: post-state root %#x, want %#x", root, good.Message.StateRoot)
	}
}

func cloneBlock(t *testing.T, blk *types.BeaconBlock) *types.BeaconBlock {
	t.Helper()
	raw, err := types.Marshal(blk)
	if err != nil {
		t.Fatal(err)
	}
	clone := new(types.BeaconBlock)
	if err := types.Unmarshal(raw, clone); err != nil {
		t.Fatal(err)
	}
	return clone
}

// signBlock signs blk as its proposer would, whatever it holds.
func signBlock(t *testing.T, c *chain, blk *types.BeaconBlock) *types.SignedBeaconBlock {
	t.Helper()
	sig, err := blocktest.SignBlock(c.env, c.pres[0], blk, testSeed)
	if err != nil {
		t.Fatal(err)
	}
	return &types.SignedBeaconBlock{Message: blk, Signature: sig}
}
