package forkchoice

import (
	"math"

	"github.com/salamander-client/salamander/primitives"
)

// noMessage marks a validator without a latest message in voteTracker.nextEpoch.
const noMessage = primitives.Epoch(math.MaxUint64)

// voteTracker is the spec's latest_messages, laid out for computeDeltas: one entry per validator index in flat
// arrays. next is the node index of the latest message's block and nextEpoch its target epoch; current is the node
// the validator's balance is counted at in the weights now. They differ between an update_latest_messages and the
// next computeDeltas.
type voteTracker struct {
	current   []uint32
	next      []uint32
	nextEpoch []primitives.Epoch
}

// grow makes room for validator index i.
func (vt *voteTracker) grow(i primitives.ValidatorIndex) {
	for uint64(len(vt.next)) <= uint64(i) {
		vt.current = append(vt.current, noIndex)
		vt.next = append(vt.next, noIndex)
		vt.nextEpoch = append(vt.nextEpoch, noMessage)
	}
}

// latest returns the validator's latest message: its target epoch and block index (noIndex once pruned).
func (vt *voteTracker) latest(i primitives.ValidatorIndex) (epoch primitives.Epoch, node uint32, ok bool) {
	if uint64(i) >= uint64(len(vt.next)) || vt.nextEpoch[i] == noMessage {
		return 0, noIndex, false
	}
	return vt.nextEpoch[i], vt.next[i], true
}

// update is update_latest_messages for one validator that is not equivocating: a message replaces the latest one
// only if its target epoch is later.
// It reports whether the message replaced the latest one.
func (vt *voteTracker) update(i primitives.ValidatorIndex, targetEpoch primitives.Epoch, node uint32) bool {
	vt.grow(i)
	if vt.nextEpoch[i] == noMessage || targetEpoch > vt.nextEpoch[i] {
		vt.next[i], vt.nextEpoch[i] = node, targetEpoch
		return true
	}
	return false
}

// prune renumbers the votes after the proto-array dropped its first cut nodes.
func (vt *voteTracker) prune(cut uint32) {
	shift := func(s []uint32) {
		for i, n := range s {
			switch {
			case n == noIndex:
			case n < cut:
				s[i] = noIndex
			default:
				s[i] = n - cut
			}
		}
	}
	shift(vt.current)
	shift(vt.next)
}

// equivocators is the spec's equivocating_indices as a bitset.
type equivocators struct {
	words []uint64
	count int
}

func (e *equivocators) has(i primitives.ValidatorIndex) bool {
	w := uint64(i) / 64
	return w < uint64(len(e.words)) && e.words[w]&(1<<(uint64(i)%64)) != 0
}

func (e *equivocators) add(i primitives.ValidatorIndex) {
	w := uint64(i) / 64
	for uint64(len(e.words)) <= w {
		e.words = append(e.words, 0)
	}
	if e.words[w]&(1<<(uint64(i)%64)) == 0 {
		e.words[w] |= 1 << (uint64(i) % 64)
		e.count++
	}
}

// computeDeltas returns, for each of nodeCount nodes, the change of weight that moving every validator's counted
// vote (current) to its latest message (next) brings, with the balances the current votes were counted with
// (oldBalances) and the justified checkpoint state's balances (newBalances); it then counts every vote at its
// latest message. An equivocating validator's vote is taken away for good. A validator past the end of a balance
// list has balance 0 there.
func computeDeltas(nodeCount int, vt *voteTracker, oldBalances, newBalances []primitives.Gwei, equivocating *equivocators) []int64 {
	deltas := make([]int64, nodeCount)
	current, next := vt.current, vt.next
	checkEquivocation := equivocating.count > 0
	sameBalances := len(oldBalances) == len(newBalances) && (len(newBalances) == 0 || &oldBalances[0] == &newBalances[0])
	if sameBalances && !checkEquivocation {
		// The common case, between two changes of justified checkpoint: only the votes that moved matter, and
		// the balance lists need not be read for the others.
		for i, nxt := range next {
			cur := current[i]
			if cur == nxt {
				continue
			}
			var balance int64
			if i < len(newBalances) {
				balance = int64(newBalances[i])
			}
			if cur != noIndex {
				deltas[cur] -= balance
			}
			if nxt != noIndex {
				deltas[nxt] += balance
			}
			current[i] = nxt
		}
		return deltas
	}
	for i := range next {
		cur, nxt := current[i], next[i]
		if cur == noIndex && nxt == noIndex {
			continue
		}
		if checkEquivocation && equivocating.has(primitives.ValidatorIndex(i)) {
			if cur != noIndex && i < len(oldBalances) {
				deltas[cur] -= int64(oldBalances[i])
			}
			current[i] = noIndex
			next[i] = noIndex
			continue
		}
		var oldBalance, newBalance primitives.Gwei
		if i < len(oldBalances) {
			oldBalance = oldBalances[i]
		}
		if i < len(newBalances) {
			newBalance = newBalances[i]
		}
		if cur == nxt && oldBalance == newBalance {
			continue
		}
		if cur != noIndex {
			deltas[cur] -= int64(oldBalance)
		}
		if nxt != noIndex {
			deltas[nxt] += int64(newBalance)
		}
		current[i] = nxt
	}
	return deltas
}
