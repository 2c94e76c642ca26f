package forkchoice

import (
	"fmt"

	"github.com/salamander-client/salamander/primitives"
)

// ExecutionStatus is what the execution engine said of a block's payload (optimistic sync).
type ExecutionStatus uint8

const (
	// ExecutionValid: the engine found the payload VALID, or a descendant's; the anchor's is taken as valid.
	ExecutionValid ExecutionStatus = iota + 1
	// ExecutionOptimistic: NOT_VALIDATED, the engine answered SYNCING or ACCEPTED; the block was imported
	// optimistically.
	ExecutionOptimistic
	// ExecutionInvalid: INVALIDATED, the payload or an ancestor's was found INVALID. The block and its
	// descendants are out of the fork choice.
	ExecutionInvalid
)

func (s ExecutionStatus) String() string {
	switch s {
	case ExecutionValid:
		return "valid"
	case ExecutionOptimistic:
		return "optimistic"
	case ExecutionInvalid:
		return "invalid"
	default:
		return fmt.Sprintf("ExecutionStatus(%d)", uint8(s))
	}
}

// MarkPayloadValid records a VALID verdict on the payload of root: the block and its optimistic ancestors become
// VALID (NOT_VALIDATED -> VALID).
func (s *Store) MarkPayloadValid(root primitives.Root) error {
	i, ok := s.blocks.index(root)
	if !ok {
		return fmt.Errorf("mark payload valid %#x: %w", root, ErrUnknownBlock)
	}
	if err := s.blocks.markValid(i); err != nil {
		return fmt.Errorf("mark payload valid %#x: %w", root, err)
	}
	return nil
}

// InvalidatePayload records an INVALID verdict on the payload of root, a block in the store (a forkchoiceUpdated
// or a late newPayload answer), with the engine's latestValidHash (nil for null). Following the optimistic sync
// spec, the invalid block is the child of the block whose payload hash is latestValidHash in root's chain, or root
// itself when latestValidHash is null or not found; it and all its descendants become INVALIDATED. A VALID block
// is never invalidated: the search stops there. It returns the number of blocks invalidated.
func (s *Store) InvalidatePayload(root primitives.Root, latestValidHash *primitives.Hash32) (int, error) {
	i, ok := s.blocks.index(root)
	if !ok {
		return 0, fmt.Errorf("invalidate payload %#x: %w", root, ErrUnknownBlock)
	}
	if s.blocks.nodes[i].execution == ExecutionValid {
		return 0, fmt.Errorf("invalidate payload %#x: %w: the payload was found VALID before", root, ErrInconsistentStore)
	}
	invalid := i
	if latestValidHash != nil {
		if child, found := s.childOfLatestValid(i, *latestValidHash); found {
			invalid = child
		}
	}
	if invalid == noIndex {
		return 0, nil
	}
	s.stale = true
	return s.blocks.markInvalid(invalid), nil
}

// InvalidateAncestors records an INVALID verdict, with latestValidHash, on the payload of a block that was refused
// for it and so is not in the store: parentRoot is its parent. The blocks after the one whose payload hash is
// latestValidHash in the parent's chain, and their descendants, become INVALIDATED; with a null or unknown
// latestValidHash only the refused block was invalid, and nothing in the store changes. It returns the number of
// blocks invalidated.
func (s *Store) InvalidateAncestors(parentRoot primitives.Root, latestValidHash *primitives.Hash32) (int, error) {
	i, ok := s.blocks.index(parentRoot)
	if !ok {
		return 0, fmt.Errorf("invalidate ancestors of %#x: %w", parentRoot, ErrUnknownBlock)
	}
	if latestValidHash == nil {
		return 0, nil
	}
	child, found := s.childOfLatestValid(i, *latestValidHash)
	if !found || child == noIndex {
		return 0, nil
	}
	s.stale = true
	return s.blocks.markInvalid(child), nil
}

// childOfLatestValid walks up from the block at index i to the block whose payload hash is latestValidHash and
// returns its child on the way (noIndex if that is i's own payload). The zero hash stands for the last block
// without a payload. The walk stops, not found, at a VALID block that is not the one sought, or at the end of the
// array.
func (s *Store) childOfLatestValid(i uint32, latestValidHash primitives.Hash32) (uint32, bool) {
	child := uint32(noIndex)
	for j := i; j != noIndex; child, j = j, s.blocks.nodes[j].parent {
		n := &s.blocks.nodes[j]
		if n.executionBlockHash == latestValidHash {
			return child, true
		}
		if n.execution == ExecutionValid {
			if latestValidHash == (primitives.Hash32{}) {
				return child, true // every payload after the last valid one is invalid
			}
			return noIndex, false
		}
	}
	return noIndex, false
}
