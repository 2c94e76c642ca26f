package forkchoice

import (
	"errors"
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
)

// GetHead is the spec's get_head: LMD-GHOST from the justified checkpoint over get_filtered_block_tree. If anything
// changed since the last call it brings the weights up to date (the votes that moved, the proposer boost, the
// justified checkpoint's balances) in one pass over the votes and one over the blocks; then it reads the justified
// block's best descendant.
func (s *Store) GetHead() (primitives.Root, error) {
	if err := s.updateWeights(); err != nil {
		return primitives.Root{}, err
	}
	return s.blocks.findHead(s.justified.Root)
}

// GetWeight is the spec's get_weight: the balance of the votes for root and its descendants, plus the proposer
// score if root is an ancestor of the boosted block. An INVALIDATED block weighs nothing.
func (s *Store) GetWeight(root primitives.Root) (primitives.Gwei, error) {
	if err := s.updateWeights(); err != nil {
		return 0, err
	}
	n, ok := s.blocks.node(root)
	if !ok {
		return 0, fmt.Errorf("get_weight %#x: %w", root, ErrUnknownBlock)
	}
	return primitives.Gwei(n.weight), nil
}

// GetProposerScore is the spec's get_proposer_score: PROPOSER_SCORE_BOOST percent of a committee's weight in the
// justified checkpoint state.
func (s *Store) GetProposerScore() (primitives.Gwei, error) {
	balances, err := s.checkpointBalances()
	if err != nil {
		return 0, err
	}
	return calculateCommitteeFraction(balances, s.cfg.Spec.ProposerScoreBoost), nil
}

// calculateCommitteeFraction is the spec's calculate_committee_fraction on a checkpoint state's balances.
func calculateCommitteeFraction(balances *Balances, committeePercent uint64) primitives.Gwei {
	committeeWeight := uint64(balances.TotalActive) / params.SlotsPerEpoch
	return primitives.Gwei(committeeWeight * committeePercent / 100)
}

// ViableHead is a leaf of get_filtered_block_tree with its get_weight.
type ViableHead struct {
	Root   primitives.Root
	Weight primitives.Gwei
}

// ViableForHead returns the leaves of get_filtered_block_tree (the blocks viable for head) and their weights, in
// the order the blocks were added.
func (s *Store) ViableForHead() ([]ViableHead, error) {
	if err := s.updateWeights(); err != nil {
		return nil, err
	}
	justified, ok := s.blocks.index(s.justified.Root)
	if !ok {
		return nil, fmt.Errorf("viable for head: justified block %#x: %w", s.justified.Root, ErrUnknownBlock)
	}
	var leaves []ViableHead
	for i := justified; i < uint32(len(s.blocks.nodes)); i++ {
		n := &s.blocks.nodes[i]
		if n.viable && !n.hasChild && n.execution != ExecutionInvalid && s.blocks.isAncestor(justified, i) {
			leaves = append(leaves, ViableHead{Root: n.root, Weight: primitives.Gwei(n.weight)})
		}
	}
	return leaves, nil
}

// updateWeights applies to the proto-array the vote changes since the last call, the justified checkpoint's
// balances and the proposer boost, and recomputes the filtered block tree for the current time.
func (s *Store) updateWeights() error {
	if !s.stale {
		return nil
	}
	balances, err := s.checkpointBalances()
	if err != nil {
		return err
	}
	next := boost{root: s.proposerBoostRoot}
	if next.root != (primitives.Root{}) {
		next.score = uint64(calculateCommitteeFraction(balances, s.cfg.Spec.ProposerScoreBoost))
	}
	deltas := computeDeltas(len(s.blocks.nodes), &s.votes, s.appliedBalances, balances.Effective, &s.equivocating)
	v := viability{
		currentEpoch:   s.GetCurrentStoreEpoch(),
		justifiedEpoch: s.justified.Epoch,
		finalizedEpoch: s.finalized.Epoch,
	}
	if err := s.blocks.applyScoreChanges(deltas, s.appliedBoost, next, v); err != nil {
		return fmt.Errorf("apply score changes: %w", err)
	}
	s.appliedBalances, s.appliedBoost, s.stale = balances.Effective, next, false
	return nil
}

// checkpointBalances returns the balances of store.checkpoint_states[store.justified_checkpoint].
func (s *Store) checkpointBalances() (*Balances, error) {
	if b := s.justifiedBalances; b != nil && b.Checkpoint == s.justified {
		return b, nil
	}
	b, err := s.cfg.Balances.CheckpointBalances(s.justified)
	if err == nil && b == nil {
		err = ErrMissingBalances
	}
	if err != nil {
		if !errors.Is(err, ErrMissingBalances) {
			err = fmt.Errorf("%w: %w", ErrMissingBalances, err)
		}
		return nil, fmt.Errorf("justified checkpoint %d/%#x: %w", s.justified.Epoch, s.justified.Root, err)
	}
	s.justifiedBalances = b
	return b, nil
}
