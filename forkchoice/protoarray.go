package forkchoice

import (
	"bytes"
	"fmt"
	"math"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// noIndex marks an absent node index: no parent, no best child, no vote.
const noIndex = math.MaxUint32

// protoNode is one block of the proto-array: what the spec's Store keeps about it in blocks, block_states (the
// post-state's checkpoints), block_timeliness and unrealized_justifications, plus the weights and links that make
// get_head a lookup.
type protoNode struct {
	root               primitives.Root
	parentRoot         primitives.Root
	parent             uint32 // index of the parent, or noIndex if it is not in the array (the anchor, or pruned)
	slot               primitives.Slot
	stateRoot          primitives.Root
	executionBlockHash primitives.Hash32
	execution          ExecutionStatus

	justified           types.Checkpoint // block_states[root].current_justified_checkpoint
	finalized           types.Checkpoint // block_states[root].finalized_checkpoint
	unrealizedJustified types.Checkpoint // unrealized_justifications[root]
	unrealizedFinalized types.Checkpoint // the pulled-up tip's finalized checkpoint
	timely              bool             // block_timeliness[root]

	// weight is get_weight(store, root) as of the last applyScoreChanges: the balance of the votes for the block
	// and its descendants, plus the proposer score if it is an ancestor of the boosted block.
	weight uint64

	// finalizedDescendant is get_checkpoint_block(store, root, finalized.epoch) == finalized.root for the store's
	// finalized checkpoint: kept current on every insertion and every finalization.
	finalizedDescendant bool

	// Set by applyScoreChanges. hasChild: some child is not INVALIDATED. viable: the block is in
	// get_filtered_block_tree (a leaf viable for head, or an ancestor of one). bestChild is the viable child
	// get_head descends to; bestDescendant is the head below this block.
	hasChild       bool
	viable         bool
	bestChild      uint32
	bestDescendant uint32
}

// protoArray holds the block tree as an array in insertion order, so that every block comes after its parent: a
// backward pass sees all the children of a block before the block itself.
type protoArray struct {
	nodes   []protoNode
	indices map[primitives.Root]uint32
}

func newProtoArray(anchor protoNode) *protoArray {
	anchor.parent = noIndex
	anchor.bestChild, anchor.bestDescendant = noIndex, noIndex
	pa := &protoArray{indices: map[primitives.Root]uint32{anchor.root: 0}}
	pa.nodes = append(pa.nodes, anchor)
	return pa
}

func (pa *protoArray) index(root primitives.Root) (uint32, bool) {
	i, ok := pa.indices[root]
	return i, ok
}

func (pa *protoArray) node(root primitives.Root) (*protoNode, bool) {
	i, ok := pa.indices[root]
	if !ok {
		return nil, false
	}
	return &pa.nodes[i], true
}

// add appends a block whose parent is in the array; finalizedSlot and finalizedRoot describe the store's finalized
// checkpoint (its epoch's start slot and its root).
func (pa *protoArray) add(n protoNode, finalizedSlot primitives.Slot, finalizedRoot primitives.Root) uint32 {
	n.parent = noIndex
	if p, ok := pa.indices[n.parentRoot]; ok {
		n.parent = p
	}
	n.bestChild, n.bestDescendant = noIndex, noIndex
	n.weight = 0
	n.finalizedDescendant = pa.checkpointBlockIs(&n, finalizedSlot, finalizedRoot)
	i := uint32(len(pa.nodes))
	pa.nodes = append(pa.nodes, n)
	pa.indices[n.root] = i
	return i
}

// checkpointBlockIs reports whether the ancestor of n at finalizedSlot (get_ancestor) is finalizedRoot, from n's
// parent's flag: a block at or before that slot is its own ancestor there, a later one has its parent's.
func (pa *protoArray) checkpointBlockIs(n *protoNode, finalizedSlot primitives.Slot, finalizedRoot primitives.Root) bool {
	if n.slot <= finalizedSlot {
		return n.root == finalizedRoot
	}
	if n.parent == noIndex {
		return false // the ancestor at that slot was pruned, and the finalized block never is
	}
	return pa.nodes[n.parent].finalizedDescendant
}

// setFinalized recomputes every block's finalizedDescendant for a new finalized checkpoint.
func (pa *protoArray) setFinalized(finalizedSlot primitives.Slot, finalizedRoot primitives.Root) {
	for i := range pa.nodes {
		n := &pa.nodes[i]
		n.finalizedDescendant = pa.checkpointBlockIs(n, finalizedSlot, finalizedRoot)
	}
}

// ancestor is the spec's get_ancestor: the block at or before slot in the chain of the block at index i, or
// noIndex if that block is no longer in the array.
func (pa *protoArray) ancestor(i uint32, slot primitives.Slot) uint32 {
	for i != noIndex && pa.nodes[i].slot > slot {
		i = pa.nodes[i].parent
	}
	return i
}

// isAncestor reports whether the block at index a is the block at index d or one of its ancestors.
func (pa *protoArray) isAncestor(a, d uint32) bool {
	return pa.ancestor(d, pa.nodes[a].slot) == a
}

// viability is what filter_block_tree compares a leaf with.
type viability struct {
	currentEpoch   primitives.Epoch
	justifiedEpoch primitives.Epoch
	finalizedEpoch primitives.Epoch
}

// viableForHead is the leaf test of filter_block_tree: the leaf's voting source (get_voting_source) agrees with
// the store's justified checkpoint or is recent, and the leaf descends from the finalized checkpoint.
func (v viability) viableForHead(n *protoNode) bool {
	votingSource := n.justified
	if v.currentEpoch > helpers.ComputeEpochAtSlot(n.slot) {
		votingSource = n.unrealizedJustified // the block is from a prior epoch: its voting source is pulled up
	}
	correctJustified := v.justifiedEpoch == params.GenesisEpoch ||
		votingSource.Epoch == v.justifiedEpoch ||
		votingSource.Epoch+2 >= v.currentEpoch
	correctFinalized := v.finalizedEpoch == params.GenesisEpoch || n.finalizedDescendant
	return correctJustified && correctFinalized
}

// boost is a proposer boost as applied to the weights: the boosted block and the score it added.
type boost struct {
	root  primitives.Root
	score uint64
}

// applyScoreChanges adds deltas (one per node, consumed) and the change of proposer boost to the weights, and
// recomputes the filtered block tree's best children and descendants, in one backward pass. An INVALIDATED block
// loses its weight, which its ancestors lose with it, and is left out of the tree with all its descendants.
func (pa *protoArray) applyScoreChanges(deltas []int64, previous, next boost, v viability) error {
	if len(deltas) != len(pa.nodes) {
		return fmt.Errorf("%w: %d deltas for %d nodes", ErrInconsistentStore, len(deltas), len(pa.nodes))
	}
	if i, ok := pa.indices[previous.root]; ok && previous.score != 0 {
		deltas[i] -= int64(previous.score)
	}
	if i, ok := pa.indices[next.root]; ok && next.score != 0 {
		deltas[i] += int64(next.score)
	}
	for i := range pa.nodes {
		n := &pa.nodes[i]
		n.hasChild, n.viable, n.bestChild, n.bestDescendant = false, false, noIndex, noIndex
	}
	for i := len(pa.nodes) - 1; i >= 0; i-- {
		n := &pa.nodes[i]
		delta := deltas[i]
		if n.execution == ExecutionInvalid {
			delta = -int64(n.weight)
		}
		weight := int64(n.weight) + delta
		if weight < 0 {
			return fmt.Errorf("%w: block %#x would weigh %d", ErrInconsistentStore, n.root, weight)
		}
		n.weight = uint64(weight)
		if n.parent != noIndex {
			deltas[n.parent] += delta
		}
		if n.execution == ExecutionInvalid {
			continue
		}
		switch {
		case !n.hasChild:
			if v.viableForHead(n) {
				n.viable, n.bestDescendant = true, uint32(i)
			}
		case n.bestChild != noIndex:
			n.viable, n.bestDescendant = true, pa.nodes[n.bestChild].bestDescendant
		}
		if n.parent == noIndex {
			continue
		}
		parent := &pa.nodes[n.parent]
		parent.hasChild = true
		if n.viable && (parent.bestChild == noIndex || heavier(n, &pa.nodes[parent.bestChild])) {
			parent.bestChild = uint32(i)
		}
	}
	return nil
}

// heavier is get_head's order of children: by weight, ties broken by the lexicographically higher root.
func heavier(a, b *protoNode) bool {
	if a.weight != b.weight {
		return a.weight > b.weight
	}
	return bytes.Compare(a.root[:], b.root[:]) > 0
}

// findHead returns get_head's result as of the last applyScoreChanges: the best descendant of the justified block,
// or the justified block itself when nothing below it is viable.
func (pa *protoArray) findHead(justifiedRoot primitives.Root) (primitives.Root, error) {
	i, ok := pa.indices[justifiedRoot]
	if !ok {
		return primitives.Root{}, fmt.Errorf("get head: justified block %#x: %w", justifiedRoot, ErrUnknownBlock)
	}
	n := &pa.nodes[i]
	if !n.viable || n.bestDescendant == noIndex {
		return justifiedRoot, nil
	}
	return pa.nodes[n.bestDescendant].root, nil
}

// prune drops the first cut nodes, which must not include any block still needed (the finalized and justified
// blocks come at or after cut), and renumbers the rest.
func (pa *protoArray) prune(cut uint32) {
	if cut == 0 || cut > uint32(len(pa.nodes)) {
		return
	}
	for _, n := range pa.nodes[:cut] {
		delete(pa.indices, n.root)
	}
	shift := func(i uint32) uint32 {
		if i == noIndex || i < cut {
			return noIndex
		}
		return i - cut
	}
	kept := copy(pa.nodes, pa.nodes[cut:])
	clear(pa.nodes[kept:])
	pa.nodes = pa.nodes[:kept]
	for i := range pa.nodes {
		n := &pa.nodes[i]
		n.parent, n.bestChild, n.bestDescendant = shift(n.parent), shift(n.bestChild), shift(n.bestDescendant)
		pa.indices[n.root] = uint32(i)
	}
}

// markInvalid marks the block at index i and all its descendants INVALIDATED, and returns how many changed. A
// forward scan finds the descendants: each comes after its parent.
func (pa *protoArray) markInvalid(i uint32) int {
	changed := 0
	if pa.nodes[i].execution != ExecutionInvalid {
		pa.nodes[i].execution = ExecutionInvalid
		changed++
	}
	for j := i + 1; j < uint32(len(pa.nodes)); j++ {
		n := &pa.nodes[j]
		// Only a block just invalidated can have a child that is not: nothing is ever imported on an invalid parent.
		if n.parent != noIndex && pa.nodes[n.parent].execution == ExecutionInvalid && n.execution != ExecutionInvalid {
			n.execution = ExecutionInvalid
			changed++
		}
	}
	return changed
}

// markValid marks the block at index i and its optimistic ancestors VALID.
func (pa *protoArray) markValid(i uint32) error {
	for ; i != noIndex; i = pa.nodes[i].parent {
		n := &pa.nodes[i]
		switch n.execution {
		case ExecutionValid:
			return nil
		case ExecutionInvalid:
			return fmt.Errorf("%w: block %#x was found invalid before", ErrInconsistentStore, n.root)
		}
		n.execution = ExecutionValid
	}
	return nil
}
