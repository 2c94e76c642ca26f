// Package checkpointsync starts a node from a recent finalized state instead of genesis: it takes the state and
// its block from any standard Beacon API (or from files), checks that they belong together, are at the configured
// chain's Fulu fork and (optionally) on the chain of a weak-subjectivity checkpoint the user trusts, and anchors
// the store on them. A chain that began at Fulu (a devnet) can start from its genesis state the same way.
package checkpointsync

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

// Anchor is a verified checkpoint: the blobs with their roots, ready for store.DB.SetAnchor.
type Anchor struct {
	Block                 store.BlockBlob
	State                 store.StateBlob
	GenesisValidatorsRoot primitives.Root
	GenesisTime           uint64
}

// Input is the anchor as the store takes it.
func (a *Anchor) Input() store.AnchorInput { return store.AnchorInput{Block: a.Block, State: a.State} }

// Epoch is the epoch of the anchor state.
func (a *Anchor) Epoch() primitives.Epoch {
	return primitives.Epoch(uint64(a.State.Slot) / params.SlotsPerEpoch)
}

// Verify decodes a BeaconState and a SignedBeaconBlock and checks that they make an anchor for spec's chain:
//   - both decode as Fulu SSZ, the state's fork is the configured Fulu fork (ErrDecode, ErrWrongFork);
//   - the state's genesis is opts.GenesisValidatorsRoot when that is set (store.ErrWrongNetwork);
//   - the state's latest block header, with its state root filled in, is the block (ErrBlockRootMismatch);
//   - the block's state_root is the state's hash_tree_root, or, for a state advanced through empty slots past
//     its block, the root the state recorded for the block's slot (ErrStateRootMismatch);
//   - the anchor is on the chain of opts.WeakSubjectivity when that is set (ErrWeakSubjectivity).
func Verify(stateSSZ, blockSSZ []byte, opts Options) (*Anchor, error) {
	if opts.Spec == nil {
		return nil, fmt.Errorf("verify checkpoint: Options.Spec is nil")
	}
	spec := opts.Spec
	var state types.BeaconState
	if err := types.Unmarshal(stateSSZ, &state); err != nil {
		return nil, fmt.Errorf("%w: state (%d bytes): %w", ErrDecode, len(stateSSZ), err)
	}
	var block types.SignedBeaconBlock
	if err := types.Unmarshal(blockSSZ, &block); err != nil {
		return nil, fmt.Errorf("%w: block (%d bytes): %w", ErrDecode, len(blockSSZ), err)
	}
	msg := block.Message

	fulu, electra := spec.ForkVersion(params.Fulu), spec.ForkVersion(params.Electra)
	fuluEpoch := spec.ForkEpoch(params.Fulu)
	switch fork := state.Fork; {
	case fork.CurrentVersion != fulu:
		return nil, fmt.Errorf("%w: state fork current_version %#x, want FULU_FORK_VERSION %#x of config %q", ErrWrongFork, fork.CurrentVersion, fulu, spec.ConfigName)
	case fork.PreviousVersion != electra && fork.PreviousVersion != fulu:
		return nil, fmt.Errorf("%w: state fork previous_version %#x, want ELECTRA_FORK_VERSION %#x (or FULU_FORK_VERSION at a Fulu genesis) of config %q", ErrWrongFork, fork.PreviousVersion, electra, spec.ConfigName)
	case fork.Epoch != fuluEpoch:
		return nil, fmt.Errorf("%w: state fork epoch %d, want FULU_FORK_EPOCH %d of config %q", ErrWrongFork, fork.Epoch, fuluEpoch, spec.ConfigName)
	case epochOf(state.Slot) < fuluEpoch:
		return nil, fmt.Errorf("%w: state at slot %d (epoch %d) is before FULU_FORK_EPOCH %d", ErrWrongFork, state.Slot, epochOf(state.Slot), fuluEpoch)
	case epochOf(msg.Slot) < fuluEpoch:
		return nil, fmt.Errorf("%w: block at slot %d (epoch %d) is before FULU_FORK_EPOCH %d", ErrWrongFork, msg.Slot, epochOf(msg.Slot), fuluEpoch)
	}
	if want := opts.GenesisValidatorsRoot; want != nil && *want != state.GenesisValidatorsRoot {
		return nil, fmt.Errorf("%w: state genesis_validators_root %#x, want %#x", store.ErrWrongNetwork, state.GenesisValidatorsRoot, *want)
	}

	stateRoot := primitives.Root(types.HashTreeRootConcurrent(&state))
	blockRoot := primitives.Root(types.HashTreeRoot(msg))
	switch {
	case state.Slot == msg.Slot:
		if msg.StateRoot != stateRoot {
			return nil, fmt.Errorf("%w: block %#x has state_root %#x, hash_tree_root(state) is %#x", ErrStateRootMismatch, blockRoot, msg.StateRoot, stateRoot)
		}
	case state.Slot > msg.Slot && uint64(state.Slot-msg.Slot) <= params.SlotsPerHistoricalRoot:
		// The state went through empty slots after the block: process_slot recorded the block's post-state root.
		if recorded := state.StateRoots[uint64(msg.Slot)%params.SlotsPerHistoricalRoot]; recorded != msg.StateRoot {
			return nil, fmt.Errorf("%w: block %#x has state_root %#x, the state advanced to slot %d recorded %#x for slot %d",
				ErrStateRootMismatch, blockRoot, msg.StateRoot, state.Slot, recorded, msg.Slot)
		}
	default:
		return nil, fmt.Errorf("%w: state at slot %d cannot be the state of block %#x at slot %d", ErrStateRootMismatch, state.Slot, blockRoot, msg.Slot)
	}
	// The header, with the state root a post-block state leaves zero filled in, must be the block itself.
	header := *state.LatestBlockHeader
	if header.StateRoot == (primitives.Root{}) {
		header.StateRoot = stateRoot
	}
	if headerRoot := primitives.Root(types.HashTreeRoot(&header)); headerRoot != blockRoot {
		return nil, fmt.Errorf("%w: state latest_block_header (slot %d) has root %#x, block at slot %d has root %#x",
			ErrBlockRootMismatch, header.Slot, headerRoot, msg.Slot, blockRoot)
	}

	a := &Anchor{
		Block:                 store.BlockBlob{Root: blockRoot, Slot: msg.Slot, ParentRoot: msg.ParentRoot, SSZ: blockSSZ},
		State:                 store.StateBlob{Root: stateRoot, BlockRoot: blockRoot, Slot: state.Slot, SSZ: stateSSZ},
		GenesisValidatorsRoot: state.GenesisValidatorsRoot,
		GenesisTime:           state.GenesisTime,
	}
	if ws := opts.WeakSubjectivity; ws != nil {
		if err := checkWeakSubjectivity(*ws, &state, blockRoot, msg.Slot); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Genesis makes the anchor of a chain from its genesis state: the state and the genesis block the spec derives
// from it (slot 0, no parent, an empty body, state_root the state's root), whose header the genesis state holds as
// its latest_block_header. It then checks what Verify checks, so the state must be a Fulu genesis of the
// configured chain (ErrWrongFork otherwise: FULU_FORK_EPOCH must be 0).
func Genesis(stateSSZ []byte, opts Options) (*Anchor, error) {
	var state types.BeaconState
	if err := types.Unmarshal(stateSSZ, &state); err != nil {
		return nil, fmt.Errorf("%w: genesis state (%d bytes): %w", ErrDecode, len(stateSSZ), err)
	}
	body := &types.BeaconBlockBody{}
	header := state.LatestBlockHeader
	switch emptyBody := primitives.Root(types.HashTreeRoot(body)); {
	case state.Slot != params.GenesisSlot:
		return nil, fmt.Errorf("%w: state at slot %d, want %d", ErrNotGenesis, state.Slot, params.GenesisSlot)
	case header.Slot != params.GenesisSlot || header.ProposerIndex != 0 || header.ParentRoot != (primitives.Root{}) || header.BodyRoot != emptyBody:
		return nil, fmt.Errorf("%w: latest_block_header (slot %d, proposer %d, parent %#x, body_root %#x) is not the genesis block's (slot 0, proposer 0, no parent, body_root %#x)",
			ErrNotGenesis, header.Slot, header.ProposerIndex, header.ParentRoot, header.BodyRoot, emptyBody)
	}
	block := &types.SignedBeaconBlock{Message: &types.BeaconBlock{
		Slot:      params.GenesisSlot,
		StateRoot: types.HashTreeRootConcurrent(&state),
		Body:      body,
	}}
	blockSSZ, err := types.Marshal(block)
	if err != nil {
		return nil, fmt.Errorf("genesis block: %w", err)
	}
	return Verify(stateSSZ, blockSSZ, opts)
}

// checkWeakSubjectivity checks that the anchor is on the chain of the checkpoint ws: either the anchor block is
// the checkpoint's block, or the state, within its SLOTS_PER_HISTORICAL_ROOT of block roots, has ws.Root as the
// block of ws.Epoch's first slot (get_block_root(state, ws.Epoch)).
func checkWeakSubjectivity(ws store.Checkpoint, state *types.BeaconState, blockRoot primitives.Root, blockSlot primitives.Slot) error {
	start := primitives.Slot(uint64(ws.Epoch) * params.SlotsPerEpoch)
	var have primitives.Root
	switch {
	case blockRoot == ws.Root:
		if blockSlot > start {
			return fmt.Errorf("%w: checkpoint %#x:%d names the anchor block, but the block's slot %d is after epoch %d's start slot %d",
				ErrWeakSubjectivity, ws.Root, ws.Epoch, blockSlot, ws.Epoch, start)
		}
		return nil
	case start > state.Slot:
		return fmt.Errorf("%w: checkpoint epoch %d starts after the anchor state (slot %d), which cannot tell its block: fetch a state at or after epoch %d",
			ErrWeakSubjectivity, ws.Epoch, state.Slot, ws.Epoch)
	case start == state.Slot:
		// No block since the anchor's: it is the checkpoint block of the state's own epoch.
		have = blockRoot
	case uint64(state.Slot-start) > params.SlotsPerHistoricalRoot:
		return fmt.Errorf("%w: checkpoint epoch %d is more than %d slots before the anchor state (slot %d), which keeps no block root that old: use a more recent checkpoint",
			ErrWeakSubjectivity, ws.Epoch, params.SlotsPerHistoricalRoot, state.Slot)
	default:
		have = state.BlockRoots[uint64(start)%params.SlotsPerHistoricalRoot]
	}
	if have != ws.Root {
		return fmt.Errorf("%w: the anchor's chain has block %#x at epoch %d, the checkpoint says %#x", ErrWeakSubjectivity, have, ws.Epoch, ws.Root)
	}
	return nil
}

func epochOf(s primitives.Slot) primitives.Epoch {
	return primitives.Epoch(uint64(s) / params.SlotsPerEpoch)
}

func decodeHex(s string) ([]byte, error) {
	if !strings.HasPrefix(s, "0x") {
		return nil, fmt.Errorf("%q: want 0x-prefixed hex", s)
	}
	return hex.DecodeString(s[2:])
}
