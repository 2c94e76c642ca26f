package forkchoice

import (
	"errors"
	"testing"

	"github.com/salamander-client/salamander/genesis"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// TestNewAnchorAdvancedPastItsBlock anchors a store on what checkpoint sync usually gets: a block and its
// post-state advanced through empty slots to the next epoch's first slot.
func TestNewAnchorAdvancedPastItsBlock(t *testing.T) {
	spec, err := params.NewSpec(params.DevnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	env := helpers.NewEnv(spec, helpers.NewCaches())
	const genesisTime = 1_700_000_000
	post, err := genesis.InteropState(env, genesis.Options{GenesisTime: genesisTime, ValidatorCount: 16})
	if err != nil {
		t.Fatal(err)
	}
	block := &types.BeaconBlock{StateRoot: post.HashTreeRoot(), Body: &types.BeaconBlockBody{}}
	root := primitives.Root(types.HashTreeRoot(block))
	stateSlot := primitives.Slot(params.SlotsPerEpoch)
	advanced := helpers.CopyState(post)
	if err := epoch.ProcessSlots(env, advanced, stateSlot); err != nil {
		t.Fatal(err)
	}

	anchor, err := NewAnchor(advanced, block)
	if err != nil {
		t.Fatal(err)
	}
	checkpoint := types.Checkpoint{Epoch: 1, Root: root}
	if anchor.Root != root || anchor.Slot != 0 || anchor.StateSlot != stateSlot || anchor.StateRoot != block.StateRoot ||
		anchor.Checkpoint() != checkpoint {
		t.Fatalf("anchor %+v, want block %#x at slot 0 with its state at slot %d, checkpoint %+v", anchor, root, stateSlot, checkpoint)
	}
	store, err := NewStore(StoreConfig{Spec: spec, Availability: alwaysAvailable{},
		Balances: BalancesFunc(func(cp types.Checkpoint) (*Balances, error) { return BalancesOf(env, cp, advanced) })}, anchor)
	if err != nil {
		t.Fatal(err)
	}
	// get_forkchoice_store: the time is the state's slot, the checkpoint is at the state's epoch.
	if want := genesisTime + spec.SecondsPerSlot*uint64(stateSlot); store.Time() != want {
		t.Errorf("store time %d, want %d", store.Time(), want)
	}
	if store.JustifiedCheckpoint() != checkpoint || store.FinalizedCheckpoint() != checkpoint {
		t.Errorf("justified %+v, finalized %+v, want %+v", store.JustifiedCheckpoint(), store.FinalizedCheckpoint(), checkpoint)
	}
	if got, err := store.GetCheckpointBlock(root, 1); err != nil || got != root {
		t.Errorf("checkpoint block of epoch 1: %#x (%v), want the anchor %#x", got, err, root)
	}

	for _, c := range []struct {
		name  string
		state func() *types.BeaconState
		block func() *types.BeaconBlock
	}{
		{name: "another block", block: func() *types.BeaconBlock { b := *block; b.ProposerIndex = 1; return &b }},
		{name: "another state root", block: func() *types.BeaconBlock { b := *block; b.StateRoot = primitives.Root{1}; return &b }},
		{name: "state before its block", block: func() *types.BeaconBlock { b := *block; b.Slot = stateSlot + 1; return &b }},
		{name: "another recorded state root", state: func() *types.BeaconState {
			s := helpers.CopyState(advanced)
			s.StateRoots[0] = primitives.Root{2}
			return s
		}},
		{name: "too far past its block", state: func() *types.BeaconState {
			s := helpers.CopyState(advanced)
			s.Slot = primitives.Slot(params.SlotsPerHistoricalRoot)
			return s
		}},
	} {
		state, blk := advanced, block
		if c.state != nil {
			state = c.state()
		}
		if c.block != nil {
			blk = c.block()
		}
		if _, err := NewAnchor(state, blk); !errors.Is(err, ErrInvalidAnchor) {
			t.Errorf("%s: %v, want ErrInvalidAnchor", c.name, err)
		}
	}
}
