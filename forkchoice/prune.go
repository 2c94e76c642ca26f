package forkchoice

// maybePrune drops the blocks that precede the finalized, justified and unrealized justified blocks in the
// proto-array once there are PruneThreshold of them: they are the finalized block's ancestors and branches that
// forked off before it, which can never be viable for head again. The spec keeps every block; pruning changes no
// head, only which stale votes and blocks are still recognized (they then read as unknown).
func (s *Store) maybePrune() {
	cut := uint32(len(s.blocks.nodes))
	for _, root := range [...][32]byte{s.finalized.Root, s.justified.Root, s.unrealizedJustified.Root} {
		if i, ok := s.blocks.index(root); ok {
			cut = min(cut, i)
		}
	}
	if cut == uint32(len(s.blocks.nodes)) || int(cut) < s.cfg.PruneThreshold {
		return
	}
	s.blocks.prune(cut)
	s.votes.prune(cut)
}

// Prune drops the blocks before the finalized one now, whatever their number.
func (s *Store) Prune() {
	threshold := s.cfg.PruneThreshold
	s.cfg.PruneThreshold = 1
	s.maybePrune()
	s.cfg.PruneThreshold = threshold
}
