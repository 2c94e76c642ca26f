package forkchoice

import (
	"errors"
	"fmt"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// PostStateOf reads what on_block needs from a block's post-state: its checkpoints and compute_pulled_up_tip's
// pulled-up tip, which is process_justification_and_finalization applied to a copy of the state. The state is not
// modified.
func PostStateOf(env *helpers.Env, state *types.BeaconState) (PostState, error) {
	if state == nil || state.CurrentJustifiedCheckpoint == nil || state.FinalizedCheckpoint == nil {
		return PostState{}, fmt.Errorf("post-state: %w", helpers.ErrInconsistentState)
	}
	post := PostState{Justified: *state.CurrentJustifiedCheckpoint, Finalized: *state.FinalizedCheckpoint}
	// A shallow copy is enough: process_justification_and_finalization replaces the checkpoints and the
	// justification bits, and only reads the rest.
	pulled := *state
	summary, err := epoch.Summarize(env, &pulled)
	if err != nil {
		return PostState{}, fmt.Errorf("compute_pulled_up_tip: %w", err)
	}
	if err := epoch.ProcessJustificationAndFinalization(env, &pulled, summary); err != nil {
		return PostState{}, fmt.Errorf("compute_pulled_up_tip: %w", err)
	}
	post.UnrealizedJustified = *pulled.CurrentJustifiedCheckpoint
	post.UnrealizedFinalized = *pulled.FinalizedCheckpoint
	return post, nil
}

// BalancesOf reads a checkpoint state's Balances: the effective balances that get_weight counts (active in the
// state's current epoch and unslashed) and get_total_active_balance.
func BalancesOf(env *helpers.Env, checkpoint types.Checkpoint, state *types.BeaconState) (*Balances, error) {
	currentEpoch := helpers.GetCurrentEpoch(state)
	effective := make([]primitives.Gwei, len(state.Validators))
	for i, v := range state.Validators {
		if helpers.IsActiveValidator(v, currentEpoch) && !v.Slashed {
			effective[i] = v.EffectiveBalance
		}
	}
	total, err := helpers.GetTotalActiveBalance(env, state)
	if err != nil {
		return nil, fmt.Errorf("balances of checkpoint %d/%#x: %w", checkpoint.Epoch, checkpoint.Root, err)
	}
	return &Balances{Checkpoint: checkpoint, Effective: effective, TotalActive: total}, nil
}

// StateCache is the state-dependent half of the spec's Store: block_states and checkpoint_states, and the parts
// of the handlers that read them — store_target_checkpoint_state, get_indexed_attestation with
// is_valid_indexed_attestation, on_attester_slashing's checks, the checkpoint balances and the proposer of a slot.
// It belongs with the state transition, which produces the states; the Store never sees one. The states it holds
// are never modified: every caller treats them as read-only.
//
// A StateCache is not safe for concurrent use.
type StateCache struct {
	env            *helpers.Env
	skipSignatures bool
	blocks         map[primitives.Root]*types.BeaconState
	checkpoints    map[types.Checkpoint]*types.BeaconState
	balances       map[types.Checkpoint]*Balances
}

// StateCacheOptions tune a StateCache.
type StateCacheOptions struct {
	// SkipSignatures accepts attestation signatures unchecked: only for the spec vectors with BLS off.
	SkipSignatures bool
}

// NewStateCache returns a cache holding the anchor state as the anchor block's state and as the state of the
// anchor checkpoint, as get_forkchoice_store does.
func NewStateCache(env *helpers.Env, anchor *Anchor, anchorState *types.BeaconState, opts StateCacheOptions) *StateCache {
	c := &StateCache{
		env:            env,
		skipSignatures: opts.SkipSignatures,
		blocks:         map[primitives.Root]*types.BeaconState{anchor.Root: anchorState},
		checkpoints:    map[types.Checkpoint]*types.BeaconState{anchor.Checkpoint(): anchorState},
		balances:       map[types.Checkpoint]*Balances{},
	}
	return c
}

// BlockState returns block_states[root].
func (c *StateCache) BlockState(root primitives.Root) (*types.BeaconState, bool) {
	s, ok := c.blocks[root]
	return s, ok
}

// AddBlockState records block_states[root]; the cache owns state from then on.
func (c *StateCache) AddBlockState(root primitives.Root, state *types.BeaconState) {
	c.blocks[root] = state
}

// CheckpointState is the spec's store_target_checkpoint_state: checkpoint_states[checkpoint], made on first use
// from the checkpoint block's state advanced to the epoch's first slot.
func (c *StateCache) CheckpointState(checkpoint types.Checkpoint) (*types.BeaconState, error) {
	if s, ok := c.checkpoints[checkpoint]; ok {
		return s, nil
	}
	base, ok := c.blocks[checkpoint.Root]
	if !ok {
		return nil, fmt.Errorf("checkpoint state %d/%#x: %w", checkpoint.Epoch, checkpoint.Root, ErrUnknownBlock)
	}
	state := base
	if start := helpers.ComputeStartSlotAtEpoch(checkpoint.Epoch); base.Slot < start {
		state = helpers.CopyState(base)
		if err := epoch.ProcessSlots(c.env, state, start); err != nil {
			return nil, fmt.Errorf("checkpoint state %d/%#x: %w", checkpoint.Epoch, checkpoint.Root, err)
		}
	}
	c.checkpoints[checkpoint] = state
	return state, nil
}

// CheckpointBalances returns the Balances of checkpoint_states[checkpoint]; it makes StateCache a BalancesSource.
func (c *StateCache) CheckpointBalances(checkpoint types.Checkpoint) (*Balances, error) {
	if b, ok := c.balances[checkpoint]; ok {
		return b, nil
	}
	state, err := c.CheckpointState(checkpoint)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMissingBalances, err)
	}
	b, err := BalancesOf(c.env, checkpoint, state)
	if err != nil {
		return nil, err
	}
	c.balances[checkpoint] = b
	return b, nil
}

func (c *StateCache) verifier() helpers.SignatureVerifier {
	if c.skipSignatures {
		return helpers.SkipSignatureChecks{}
	}
	return helpers.VerifyNow{}
}

// ErrInvalidSignedData means an attestation or attester slashing failed the checks on_attestation and
// on_attester_slashing make with beacon states: its committee bits, indices or signature.
var ErrInvalidSignedData = errors.New("invalid attestation indices or signature")

// IndexedAttestation is the state half of the spec's on_attestation: store_target_checkpoint_state, then
// get_indexed_attestation and is_valid_indexed_attestation on the target checkpoint state. Store.OnAttestation
// takes the result.
func (c *StateCache) IndexedAttestation(attestation *types.Attestation) (*types.IndexedAttestation, error) {
	if attestation == nil || attestation.Data == nil || attestation.Data.Target == nil || attestation.Data.Source == nil {
		return nil, fmt.Errorf("index attestation: %w: missing data", ErrInvalidAttestation)
	}
	target := *attestation.Data.Target
	state, err := c.CheckpointState(target)
	if err != nil {
		return nil, fmt.Errorf("index attestation: %w", err)
	}
	indexed, err := helpers.GetIndexedAttestation(c.env, state, attestation)
	if err != nil {
		return nil, fmt.Errorf("index attestation: %w: %w", ErrInvalidSignedData, err)
	}
	if err := helpers.IsValidIndexedAttestation(c.env, state, indexed, c.verifier()); err != nil {
		return nil, fmt.Errorf("index attestation: %w: %w", ErrInvalidSignedData, err)
	}
	return indexed, nil
}

// ValidateAttesterSlashing is the state half of the spec's on_attester_slashing: is_valid_indexed_attestation of
// both attestations on the state of the store's justified block (justifiedRoot).
func (c *StateCache) ValidateAttesterSlashing(justifiedRoot primitives.Root, slashing *types.AttesterSlashing) error {
	if slashing == nil || slashing.Attestation1 == nil || slashing.Attestation2 == nil ||
		slashing.Attestation1.Data == nil || slashing.Attestation2.Data == nil ||
		slashing.Attestation1.Data.Target == nil || slashing.Attestation2.Data.Target == nil {
		return fmt.Errorf("validate attester slashing: %w: missing attestation data", ErrInvalidAttesterSlashing)
	}
	state, ok := c.blocks[justifiedRoot]
	if !ok {
		return fmt.Errorf("validate attester slashing: justified block %#x: %w", justifiedRoot, ErrUnknownBlock)
	}
	for i, a := range []*types.IndexedAttestation{slashing.Attestation1, slashing.Attestation2} {
		if err := helpers.IsValidIndexedAttestation(c.env, state, a, c.verifier()); err != nil {
			return fmt.Errorf("validate attester slashing: attestation %d: %w: %w", i+1, ErrInvalidSignedData, err)
		}
	}
	return nil
}

// ProposerIndex is get_beacon_proposer_index of the state of parentRoot advanced to slot, as
// should_override_forkchoice_update computes it.
func (c *StateCache) ProposerIndex(parentRoot primitives.Root, slot primitives.Slot) (primitives.ValidatorIndex, error) {
	base, ok := c.blocks[parentRoot]
	if !ok {
		return 0, fmt.Errorf("proposer of slot %d: parent %#x: %w", slot, parentRoot, ErrUnknownBlock)
	}
	state := base
	if base.Slot < slot {
		state = helpers.CopyState(base)
		if err := epoch.ProcessSlots(c.env, state, slot); err != nil {
			return 0, fmt.Errorf("proposer of slot %d: %w", slot, err)
		}
	}
	return helpers.GetBeaconProposerIndex(state), nil
}

// Retain drops the states of the blocks for which keep is false, and the checkpoint states and balances of
// checkpoints before finalizedEpoch: after the Store pruned, call it with Store.HasBlock.
func (c *StateCache) Retain(keep func(primitives.Root) bool, finalizedEpoch primitives.Epoch) {
	for root := range c.blocks {
		if !keep(root) {
			delete(c.blocks, root)
		}
	}
	for cp := range c.checkpoints {
		if cp.Epoch < finalizedEpoch {
			delete(c.checkpoints, cp)
		}
	}
	for cp := range c.balances {
		if cp.Epoch < finalizedEpoch {
			delete(c.balances, cp)
		}
	}
}
