package helpers

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
)

// shuffler computes the swap-or-not shuffle of one seed: the SHUFFLE_ROUND_COUNT round pivots are hashed once, so
// that shuffling many indices under the same seed (proposer and sync committee sampling) costs one hash per round
// and index instead of two.
type shuffler struct {
	seed   primitives.Bytes32
	count  uint64
	pivots [params.ShuffleRoundCount]uint64
}

func newShuffler(seed primitives.Bytes32, count uint64) *shuffler {
	s := &shuffler{seed: seed, count: count}
	if count == 0 {
		return s
	}
	var buf [32 + 1]byte
	copy(buf[:32], seed[:])
	for round := range s.pivots {
		buf[32] = uint8(round)
		h := sha256.Sum256(buf[:])
		s.pivots[round] = binary.LittleEndian.Uint64(h[:8]) % count
	}
	return s
}

// shuffledIndex is compute_shuffled_index(index, s.count, s.seed); index < s.count.
func (s *shuffler) shuffledIndex(index uint64) uint64 {
	var buf [32 + 1 + 4]byte
	copy(buf[:32], s.seed[:])
	for round, pivot := range s.pivots {
		flip := (pivot + s.count - index) % s.count
		position := max(index, flip)
		buf[32] = uint8(round)
		binary.LittleEndian.PutUint32(buf[33:], uint32(position/256))
		source := sha256.Sum256(buf[:])
		if (source[(position%256)/8]>>(position%8))&1 == 1 {
			index = flip
		}
	}
	return index
}

// ComputeShuffledIndex is the spec's compute_shuffled_index: where the swap-or-not shuffle of indexCount items
// under seed sends index.
func ComputeShuffledIndex(index, indexCount uint64, seed primitives.Bytes32) (uint64, error) {
	if index >= indexCount {
		return 0, fmt.Errorf("compute_shuffled_index: %w: index %d, count %d", ErrIndexOutOfRange, index, indexCount)
	}
	return newShuffler(seed, indexCount).shuffledIndex(index), nil
}

// ShuffleList returns the whole list in committee order at once: out[i] = indices[compute_shuffled_index(i,
// len(indices), seed)] for every i, the order compute_committee reads indices in. It runs each round over the whole
// list (one hash per 256 positions and round) rather than each index through every round, and agrees with
// ComputeShuffledIndex index for index (a test checks it).
func ShuffleList(indices []primitives.ValidatorIndex, seed primitives.Bytes32) []primitives.ValidatorIndex {
	out := make([]primitives.ValidatorIndex, len(indices))
	copy(out, indices)
	shuffleInPlace(out, seed)
	return out
}

// shuffleInPlace permutes list so that list'[i] = list[compute_shuffled_index(i, n, seed)].
//
// compute_shuffled_index applies the rounds' involutions f_0, then f_1, ... to an index. Permuting an array by one
// round (a[j] <- a[f(j)]) composes on the inside, so to end with a[P(i)] for P = f_{R-1} o ... o f_0 the rounds are
// applied to the array last to first. In round r every position i is paired with flip = (pivot - i) mod n; the
// pair is swapped when bit max(i, flip) of the round's source hashes is set. The pairs are the mirror images around
// pivot/2 (positions 0..pivot) and around (pivot+n)/2 (positions pivot+1..n-1), each walked from its top position
// down, so that a source hash is computed once per 256 positions.
func shuffleInPlace(list []primitives.ValidatorIndex, seed primitives.Bytes32) {
	n := uint64(len(list))
	if n < 2 {
		return
	}
	s := newShuffler(seed, n)
	var buf [32 + 1 + 4]byte
	copy(buf[:32], seed[:])
	for round := int(params.ShuffleRoundCount) - 1; round >= 0; round-- {
		buf[32] = uint8(round)
		pivot := s.pivots[round]
		// Pairs (pivot-j, j) for j from pivot down to just above pivot/2.
		swapMirrored(list, &buf, pivot, pivot/2+1, pivot)
		// Pairs (n+pivot-j, j) for j from n-1 down to just above (n+pivot)/2.
		swapMirrored(list, &buf, n+pivot, (n+pivot)/2+1, n-1)
	}
}

// swapMirrored swaps list[sum-j] and list[j], for j from hi down to lo, where bit j of the round's source is set.
// buf holds seed and round; its last four bytes are set here. The swap is branch-free: its bits are random, so a
// branch would be mispredicted half the time.
func swapMirrored(list []primitives.ValidatorIndex, buf *[37]byte, sum, lo, hi uint64) {
	if lo > hi {
		return
	}
	var words [4]uint64 // the source hash of positions j&^255 ... j|255, as little-endian words
	block := uint64(1<<64 - 1)
	for j := hi; ; j-- {
		if j>>8 != block {
			block = j >> 8
			binary.LittleEndian.PutUint32(buf[33:], uint32(block))
			source := sha256.Sum256(buf[:])
			for w := range words {
				words[w] = binary.LittleEndian.Uint64(source[8*w:])
			}
		}
		i := sum - j
		a, b := list[i], list[j]
		mask := -primitives.ValidatorIndex(words[(j&255)>>6] >> (j & 63) & 1) // all ones if the bit is set
		x := (a ^ b) & mask
		list[i], list[j] = a^x, b^x
		if j == lo {
			return
		}
	}
}
