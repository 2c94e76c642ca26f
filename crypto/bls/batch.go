package bls

import (
	"crypto/rand"
	"sync/atomic"

	blst "github.com/supranational/blst/bindings/go"
)

// SignatureSet is one (public key, message, signature) triple to verify. The key is often an aggregate
// (AggregatePublicKeys of an attestation's participants).
type SignatureSet struct {
	PublicKey *PublicKey
	Message   []byte
	Signature *Signature
}

// randomBits is the size of the random scalars that weigh each set in a batch. 64 bits make a forged batch pass
// with probability 2^-64 and keep the scalar multiplications short.
const randomBits = 64

// BatchVerify reports whether every set is valid, as if each were checked with Verify, at a fraction of the cost:
// it checks one random linear combination of all the pairing equations (blst's multiple-aggregate verification,
// with nonzero 64-bit scalars from crypto/rand that no signer can predict). An empty batch is valid. When it
// returns false, FindInvalidSets tells which sets failed.
func BatchVerify(sets []SignatureSet) bool {
	switch len(sets) {
	case 0:
		return true
	case 1:
		return Verify(sets[0].PublicKey, sets[0].Message, sets[0].Signature)
	}
	pks := make([]*blstPublicKey, len(sets))
	sigs := make([]*blstSignature, len(sets))
	msgs := make([][]byte, len(sets))
	for i, set := range sets {
		if !usable(set.PublicKey) || set.Signature == nil {
			return false
		}
		pks[i], sigs[i], msgs[i] = &set.PublicKey.p, &set.Signature.p, set.Message
	}
	// Keys and signatures were subgroup-checked when parsed, so blst need not check them again.
	return new(blstSignature).MultipleAggregateVerify(sigs, false, pks, false, msgs, dst, newScalarSource(len(sets)), randomBits)
}

const scalarBytes = randomBits / 8

// newScalarSource returns the random-scalar callback of one batch: blst calls it once per set, from several
// goroutines. The randomness for all sets is read at once, one system call per batch rather than one per set.
func newScalarSource(sets int) func(*blst.Scalar) {
	pool := make([]byte, sets*scalarBytes)
	_, _ = rand.Read(pool) // crypto/rand.Read never fails
	var next atomic.Int64
	return func(s *blst.Scalar) {
		var b [32]byte // little-endian; blst uses the low randomBits bits
		if i := next.Add(1) - 1; i < int64(sets) {
			copy(b[:scalarBytes], pool[i*scalarBytes:])
		}
		// A zero weight would drop its set from the check: draw again (probability 2^-64 per set).
		for [scalarBytes]byte(b[:scalarBytes]) == [scalarBytes]byte{} {
			_, _ = rand.Read(b[:scalarBytes])
		}
		s.FromLEndian(b[:])
	}
}

// FindInvalidSets returns the indices of the sets that fail Verify, in order; nil if all are valid. It checks the
// whole batch first and bisects only failing halves, so a few bad sets among many cost a few batch checks each.
func FindInvalidSets(sets []SignatureSet) []int {
	if BatchVerify(sets) {
		return nil
	}
	var invalid []int
	var bisect func(offset int, part []SignatureSet)
	bisect = func(offset int, part []SignatureSet) {
		if len(part) == 1 {
			if !Verify(part[0].PublicKey, part[0].Message, part[0].Signature) {
				invalid = append(invalid, offset)
			}
			return
		}
		half := len(part) / 2
		for _, sub := range []struct {
			offset int
			sets   []SignatureSet
		}{{offset, part[:half]}, {offset + half, part[half:]}} {
			if len(sub.sets) == 1 || !BatchVerify(sub.sets) {
				bisect(sub.offset, sub.sets)
			}
		}
	}
	bisect(0, sets)
	return invalid
}

// FindInvalidGroups verifies every set of every group in one batch and returns which groups hold an invalid set:
// the messages at fault when each group is the signatures of one message. Nil when all are valid.
func FindInvalidGroups(groups [][]SignatureSet) map[int]bool {
	var sets []SignatureSet
	var group []int
	for i, g := range groups {
		sets = append(sets, g...)
		for range g {
			group = append(group, i)
		}
	}
	var invalid map[int]bool
	for _, j := range FindInvalidSets(sets) {
		if invalid == nil {
			invalid = map[int]bool{}
		}
		invalid[group[j]] = true
	}
	return invalid
}
