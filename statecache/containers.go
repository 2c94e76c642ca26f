package statecache

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"unsafe"

	"github.com/prysmaticlabs/gohashtree"

	"github.com/salamander-client/salamander/sszkit"
	"github.com/salamander-client/salamander/types"
)

// shadowPageBytes sizes the pages of a list's shadow copy: about 2 KiB, like the tree's pages.
const shadowPageBytes = 2048

// elementBatch is how many changed elements are hashed together.
const elementBatch = 256

// elementHasher computes the hash_tree_roots of a batch of at most elementBatch list elements into roots.
type elementHasher[T any] func(elems []*T, roots [][32]byte, ws *workspace)

// containerList caches a List of containers: a shadow copy of every element as it was last hashed, and the tree
// whose leaves are the elements' roots. A new list is compared element by element against the shadow, and only the
// elements that differ are hashed again.
type containerList[T comparable] struct {
	shadow pagedVec[T]
	tree   merkleTree
	hash   elementHasher[T]
	equal  func(a, b *T) bool
	// queue marks a list the state transition drains from the front (the pending_* queues): when its first element
	// is found further down the shadow, the elements that moved keep their roots.
	queue bool
}

// newContainerList returns an empty list of at most limit elements. equal compares two elements; nil means ==.
func newContainerList[T comparable](limit uint64, hash elementHasher[T], equal func(a, b *T) bool, queue bool) containerList[T] {
	var zero T
	shift := uint8(bits.Len64(shadowPageBytes/uint64(unsafe.Sizeof(zero))) - 1)
	if equal == nil {
		equal = func(a, b *T) bool { return *a == *b }
	}
	return containerList[T]{
		shadow: newPagedVec[T](shift),
		tree:   newMerkleTree(limit),
		hash:   hash,
		equal:  equal,
		queue:  queue,
	}
}

func (l *containerList[T]) share() containerList[T] {
	return containerList[T]{shadow: l.shadow.share(), tree: l.tree.share(), hash: l.hash, equal: l.equal, queue: l.queue}
}

func (l *containerList[T]) bytes() uint64 { return l.shadow.bytes() + l.tree.bytes() }

// root returns the list's hash_tree_root.
func (l *containerList[T]) root() [32]byte {
	return sszkit.MixInLength(l.tree.root(), uint64(l.tree.len()))
}

// plan prepares the update of the cached list to elems: tasks that compare and hash ranges of the elements, and a
// finish that rehashes the tree. A nil element fails its task, after which the list's cache is inconsistent and
// must be dropped. parts is how many ranges to split a long list into.
func (l *containerList[T]) plan(elems []*T, parts int) fieldPlan {
	if k := l.drainedBy(elems); k > 0 {
		return fieldPlan{tasks: []task{func(ws *workspace) error { return l.rebuildDrained(elems, k, ws) }}}
	}
	old, n := l.shadow.len(), len(elems)
	l.shadow.resize(n)
	l.tree.resize(n)
	// Ranges own whole words of the ownership bitsets of both the shadow and the leaves.
	ranges := splitRanges(n, alignment(max(l.shadow.shift, nodePageShift)), parts)
	sc := l.tree.scratch()
	sc.setRanges(len(ranges))
	tasks := make([]task, len(ranges))
	for r, bounds := range ranges {
		tasks[r] = func(ws *workspace) error {
			dirty, err := l.diffRange(elems, bounds[0], bounds[1], old, sc.ranges[r][:0], ws)
			sc.ranges[r] = dirty
			return err
		}
	}
	finish := func(r *runner) error {
		return l.tree.rehashWith(withBoundary(sc.merged(), old, n), r)
	}
	return fieldPlan{tasks: tasks, finish: finish}
}

// diffRange compares elems[lo:hi] with the shadow, where elements from old on are new, copies the changed ones
// into the shadow and their roots into the leaves, and appends their indices to dirty.
func (l *containerList[T]) diffRange(elems []*T, lo, hi, old int, dirty []int, ws *workspace) ([]int, error) {
	first := len(dirty)
	for i := lo; i < hi; i++ {
		e := elems[i]
		if e == nil {
			return dirty, fmt.Errorf("element %d: %w", i, ErrNilElement)
		}
		if i >= old || !l.equal(e, l.shadow.at(i)) {
			*l.shadow.mut(i) = *e
			dirty = append(dirty, i)
		}
	}
	l.hashElements(&l.tree, &l.shadow, dirty[first:], ws)
	return dirty, nil
}

// hashElements sets the leaves at the given indices to the roots of the shadow's elements there.
func (l *containerList[T]) hashElements(tree *merkleTree, shadow *pagedVec[T], indices []int, ws *workspace) {
	var (
		batch [elementBatch]*T
		roots [elementBatch][32]byte
	)
	for start := 0; start < len(indices); start += elementBatch {
		part := indices[start:min(start+elementBatch, len(indices))]
		for k, i := range part {
			batch[k] = shadow.at(i)
		}
		l.hash(batch[:len(part)], roots[:len(part)], ws)
		for k, i := range part {
			tree.setLeaf(i, roots[k])
		}
	}
}

// drainedBy returns k > 0 when elems starts with the shadow's element k but not with its element 0: a queue that
// lost its first k elements. It returns 0 for any other list.
func (l *containerList[T]) drainedBy(elems []*T) int {
	old := l.shadow.len()
	if !l.queue || len(elems) == 0 || old < 2 || elems[0] == nil || l.equal(elems[0], l.shadow.at(0)) {
		return 0
	}
	for k := 1; k < old; k++ {
		if l.equal(elems[0], l.shadow.at(k)) {
			return k
		}
	}
	return 0
}

// rebuildDrained makes the cached list elems, which is the shadowed list without its first k elements, with
// possibly other changes: element i keeps the root of the shadow's element i+k when the two are equal, and the tree
// above the moved leaves is hashed anew.
func (l *containerList[T]) rebuildDrained(elems []*T, k int, ws *workspace) error {
	old, n := l.shadow.len(), len(elems)
	shadow := newPagedVec[T](l.shadow.shift)
	shadow.resize(n)
	tree := emptyTree(l.tree.depth)
	tree.resize(n)
	changed := ws.dirty[:0]
	for i, e := range elems {
		if e == nil {
			return fmt.Errorf("element %d: %w", i, ErrNilElement)
		}
		*shadow.mut(i) = *e
		if j := i + k; j < old && l.equal(e, l.shadow.at(j)) {
			tree.setLeaf(i, *l.tree.leaf(j))
		} else {
			changed = append(changed, i)
		}
	}
	l.hashElements(&tree, &shadow, changed, ws)
	all := changed[:0]
	for i := range n {
		all = append(all, i)
	}
	tree.rehash(all, ws)
	ws.dirty = all[:0]
	l.shadow, l.tree = shadow, tree
	return nil
}

// sameValidator is *a == *b for Validators, written out as word comparisons: it runs about twice as fast as the
// compiler's == (which calls memequal for the byte arrays), and comparing the registry is most of the cost of a call
// that changes little. TestSameValidatorSeesEveryField keeps it in step with the type.
func sameValidator(a, b *types.Validator) bool {
	// In Go, ^ and | bind equally tight: every XOR needs its parentheses.
	le := binary.LittleEndian
	diff := (le.Uint64(a.Pubkey[0:]) ^ le.Uint64(b.Pubkey[0:])) |
		(le.Uint64(a.Pubkey[8:]) ^ le.Uint64(b.Pubkey[8:])) |
		(le.Uint64(a.Pubkey[16:]) ^ le.Uint64(b.Pubkey[16:])) |
		(le.Uint64(a.Pubkey[24:]) ^ le.Uint64(b.Pubkey[24:])) |
		(le.Uint64(a.Pubkey[32:]) ^ le.Uint64(b.Pubkey[32:])) |
		(le.Uint64(a.Pubkey[40:]) ^ le.Uint64(b.Pubkey[40:])) |
		(le.Uint64(a.WithdrawalCredentials[0:]) ^ le.Uint64(b.WithdrawalCredentials[0:])) |
		(le.Uint64(a.WithdrawalCredentials[8:]) ^ le.Uint64(b.WithdrawalCredentials[8:])) |
		(le.Uint64(a.WithdrawalCredentials[16:]) ^ le.Uint64(b.WithdrawalCredentials[16:])) |
		(le.Uint64(a.WithdrawalCredentials[24:]) ^ le.Uint64(b.WithdrawalCredentials[24:])) |
		uint64(a.EffectiveBalance^b.EffectiveBalance) |
		uint64(a.ActivationEligibilityEpoch^b.ActivationEligibilityEpoch) |
		uint64(a.ActivationEpoch^b.ActivationEpoch) |
		uint64(a.ExitEpoch^b.ExitEpoch) |
		uint64(a.WithdrawableEpoch^b.WithdrawableEpoch)
	return diff == 0 && a.Slashed == b.Slashed
}

// Element hashers. Each computes what karalabe/ssz computes for the container, as the spec merkleizes it: one leaf
// per field (a field wider than a chunk contributes its own root), padded with zero leaves to a power of two.

// hashValidators hashes Validators, 8 leaves each; the pubkeys' roots are hashed together first.
func hashValidators(vals []*types.Validator, roots [][32]byte, ws *workspace) {
	n := len(vals)
	buf := ws.chunkBuffer(10 * n)
	pubkeys, leaves := buf[:2*n], buf[2*n:]
	for i, v := range vals {
		copy(pubkeys[2*i][:], v.Pubkey[:32])
		pubkeys[2*i+1] = [32]byte{}
		copy(pubkeys[2*i+1][:], v.Pubkey[32:])
	}
	gohashtree.HashChunks(pubkeys[:n], pubkeys)
	for i, v := range vals {
		l := leaves[8*i : 8*i+8 : 8*i+8]
		l[0] = pubkeys[i]
		l[1] = v.WithdrawalCredentials
		l[2] = uint64Chunk(uint64(v.EffectiveBalance))
		l[3] = boolChunk(v.Slashed)
		l[4] = uint64Chunk(uint64(v.ActivationEligibilityEpoch))
		l[5] = uint64Chunk(uint64(v.ActivationEpoch))
		l[6] = uint64Chunk(uint64(v.ExitEpoch))
		l[7] = uint64Chunk(uint64(v.WithdrawableEpoch))
	}
	reduce(leaves[:8*n], 8, roots)
}

func hashEth1Data(elems []*types.Eth1Data, roots [][32]byte, ws *workspace) {
	hashFlat(elems, roots, ws, 4, func(d *types.Eth1Data, l [][32]byte) {
		l[0], l[1], l[2], l[3] = d.DepositRoot, uint64Chunk(d.DepositCount), d.BlockHash, [32]byte{}
	})
}

func hashHistoricalSummaries(elems []*types.HistoricalSummary, roots [][32]byte, ws *workspace) {
	hashFlat(elems, roots, ws, 2, func(s *types.HistoricalSummary, l [][32]byte) {
		l[0], l[1] = s.BlockSummaryRoot, s.StateSummaryRoot
	})
}

func hashPendingDeposits(elems []*types.PendingDeposit, roots [][32]byte, ws *workspace) {
	hashFlat(elems, roots, ws, 8, func(d *types.PendingDeposit, l [][32]byte) {
		var sig [4][32]byte
		copy(sig[0][:], d.Signature[0:32])
		copy(sig[1][:], d.Signature[32:64])
		copy(sig[2][:], d.Signature[64:96])
		l[0] = pubkeyRoot(d.Pubkey[:])
		l[1] = d.WithdrawalCredentials
		l[2] = uint64Chunk(uint64(d.Amount))
		l[3] = sszkit.HashPair(sszkit.HashPair(sig[0], sig[1]), sszkit.HashPair(sig[2], sig[3]))
		l[4] = uint64Chunk(uint64(d.Slot))
		l[5], l[6], l[7] = [32]byte{}, [32]byte{}, [32]byte{}
	})
}

func hashPendingPartialWithdrawals(elems []*types.PendingPartialWithdrawal, roots [][32]byte, ws *workspace) {
	hashFlat(elems, roots, ws, 4, func(w *types.PendingPartialWithdrawal, l [][32]byte) {
		l[0] = uint64Chunk(uint64(w.ValidatorIndex))
		l[1] = uint64Chunk(uint64(w.Amount))
		l[2] = uint64Chunk(uint64(w.WithdrawableEpoch))
		l[3] = [32]byte{}
	})
}

func hashPendingConsolidations(elems []*types.PendingConsolidation, roots [][32]byte, ws *workspace) {
	hashFlat(elems, roots, ws, 2, func(c *types.PendingConsolidation, l [][32]byte) {
		l[0], l[1] = uint64Chunk(uint64(c.SourceIndex)), uint64Chunk(uint64(c.TargetIndex))
	})
}

// hashFlat hashes containers of width leaves each (a power of two, at least 2), which leaves writes in full.
func hashFlat[T any](elems []*T, roots [][32]byte, ws *workspace, width int, leaves func(*T, [][32]byte)) {
	buf := ws.chunkBuffer(width * len(elems))
	for i, e := range elems {
		leaves(e, buf[width*i:width*(i+1):width*(i+1)])
	}
	reduce(buf, width, roots)
}

// reduce hashes consecutive groups of width chunks (a power of two, at least 2) down to one root each, in place,
// and writes the roots to roots.
func reduce(chunks [][32]byte, width int, roots [][32]byte) {
	for ; width > 2; width /= 2 {
		// Parent i overwrites chunk i, which belongs to a pair at or before it that gohashtree has already read.
		gohashtree.HashChunks(chunks[:len(chunks)/2], chunks)
		chunks = chunks[:len(chunks)/2]
	}
	gohashtree.HashChunks(roots[:len(chunks)/2], chunks)
}

// pubkeyRoot is the hash_tree_root of a BLSPubkey (ByteVector[48]): its two chunks hashed together.
func pubkeyRoot(pubkey []byte) [32]byte {
	var lo, hi [32]byte
	copy(lo[:], pubkey[:32])
	copy(hi[:], pubkey[32:48])
	return sszkit.HashPair(lo, hi)
}

func uint64Chunk(v uint64) (chunk [32]byte) {
	binary.LittleEndian.PutUint64(chunk[:8], v)
	return chunk
}

func boolChunk(b bool) (chunk [32]byte) {
	if b {
		chunk[0] = 1
	}
	return chunk
}
