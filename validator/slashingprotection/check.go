package slashingprotection

import (
	"bytes"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/salamander-client/salamander/primitives"
)

// Block is a block proposal a validator is about to sign.
type Block struct {
	Pubkey primitives.BLSPubkey
	Slot   primitives.Slot
	// SigningRoot is compute_signing_root(block, domain). It tells a repeat signing of the same block, which is
	// safe, from a different block at the same slot, which is slashable.
	SigningRoot primitives.Root
}

// Attestation is an attestation a validator is about to sign.
type Attestation struct {
	Pubkey primitives.BLSPubkey
	Source primitives.Epoch
	Target primitives.Epoch
	// SigningRoot is compute_signing_root(attestation_data, domain).
	SigningRoot primitives.Root
}

// CheckAndRecordBlock checks that the validator may sign b and records it, in one transaction: when it returns
// nil the block is in the history, and no other block at its slot will ever pass. A refusal wraps ErrSlashable; any
// other error means the database could not decide, and the block must not be signed either.
func (db *DB) CheckAndRecordBlock(b Block) error {
	return db.update(func(tx *bbolt.Tx) error {
		if err := requireChain(tx); err != nil {
			return err
		}
		return checkAndRecordBlock(tx, b)
	})
}

// CheckAndRecordAttestation checks that the validator may sign a and records it, in one transaction. A refusal
// wraps ErrSlashable.
func (db *DB) CheckAndRecordAttestation(a Attestation) error {
	verdicts, err := db.CheckAndRecordAttestations([]Attestation{a})
	if err != nil {
		return err
	}
	return verdicts[0]
}

// CheckAndRecordAttestations checks and records many attestations in one transaction, in order, so that a slot's
// attestations for all of a node's validators cost one disk sync. verdicts[i] is nil when attestations[i] may be
// signed (and is recorded), else the refusal; err is a failure of the database, after which nothing is recorded
// and nothing may be signed.
func (db *DB) CheckAndRecordAttestations(attestations []Attestation) (verdicts []error, err error) {
	err = db.update(func(tx *bbolt.Tx) error {
		if err := requireChain(tx); err != nil {
			return err
		}
		verdicts = make([]error, len(attestations))
		for i, a := range attestations {
			refusal, err := checkAndRecordAttestation(tx, a)
			if err != nil {
				return err
			}
			verdicts[i] = refusal
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return verdicts, nil
}

func refuse(reason error, format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrSlashable, reason, fmt.Sprintf(format, args...))
}

// checkAndRecordBlock returns a refusal, or records b.
func checkAndRecordBlock(tx *bbolt.Tx, b Block) error {
	v, err := validatorBucket(tx, b.Pubkey)
	if err != nil {
		return err
	}
	blocks := v.Bucket(bucketBlocks)
	key := encodeUint64(uint64(b.Slot))
	if root := blocks.Get(key); root != nil {
		if isRepeat(root, b.SigningRoot) {
			return nil
		}
		return refuse(ErrDoubleProposal, "validator %#x signed another block at slot %d", b.Pubkey[:8], b.Slot)
	}
	if first, _ := blocks.Cursor().First(); first != nil {
		if earliest, err := decodeUint64(first); err != nil {
			return err
		} else if uint64(b.Slot) <= earliest {
			return refuse(ErrBelowLowerBound, "slot %d is not after the validator's earliest recorded block, at slot %d", b.Slot, earliest)
		}
	}
	if low, ok, err := watermark(v, keyLowSlot); err != nil {
		return err
	} else if ok && uint64(b.Slot) <= low {
		return refuse(ErrBelowLowerBound, "slot %d is not after the imported history's low watermark, slot %d", b.Slot, low)
	}
	return blocks.Put(key, rootValue(b.SigningRoot))
}

// checkAndRecordAttestation returns a refusal (as a value, not an error), or records a; err is a database failure.
func checkAndRecordAttestation(tx *bbolt.Tx, a Attestation) (refusal, err error) {
	if a.Source > a.Target {
		return refuse(ErrInvalidAttestationEpochs, "source epoch %d, target epoch %d", a.Source, a.Target), nil
	}
	v, err := validatorBucket(tx, a.Pubkey)
	if err != nil {
		return nil, err
	}
	attestations := v.Bucket(bucketAttestations)
	c := attestations.Cursor()

	targetPrefix := encodeUint64(uint64(a.Target))
	if k, root := c.Seek(targetPrefix); k != nil && bytes.HasPrefix(k, targetPrefix) {
		source, err := attestationSource(k)
		if err != nil {
			return nil, err
		}
		if next, _ := c.Next(); source == uint64(a.Source) && isRepeat(root, a.SigningRoot) &&
			(next == nil || !bytes.HasPrefix(next, targetPrefix)) {
			return nil, nil
		}
		return refuse(ErrDoubleVote, "validator %#x signed another attestation with target epoch %d", a.Pubkey[:8], a.Target), nil
	}

	// EIP-3076 condition 5: nothing at or below the earliest recorded target.
	first, _ := c.First()
	if first != nil {
		earliest, _, err := attestationKey(first)
		if err != nil {
			return nil, err
		}
		if uint64(a.Target) <= earliest {
			return refuse(ErrBelowLowerBound, "target epoch %d is not after the validator's earliest recorded target, %d", a.Target, earliest), nil
		}
	}
	// One pass over the history: surrounds either way, and the earliest source for condition 4.
	earliestSource, haveSource := uint64(0), false
	for k := first; k != nil; k, _ = c.Next() {
		target, source, err := attestationKey(k)
		if err != nil {
			return nil, err
		}
		if !haveSource || source < earliestSource {
			earliestSource, haveSource = source, true
		}
		switch {
		case uint64(a.Source) < source && target < uint64(a.Target):
			return refuse(ErrSurroundingVote, "source %d, target %d surrounds the signed source %d, target %d",
				a.Source, a.Target, source, target), nil
		case source < uint64(a.Source) && uint64(a.Target) < target:
			return refuse(ErrSurroundedVote, "source %d, target %d is surrounded by the signed source %d, target %d",
				a.Source, a.Target, source, target), nil
		}
	}
	if haveSource && uint64(a.Source) < earliestSource {
		return refuse(ErrBelowLowerBound, "source epoch %d is before the validator's earliest recorded source, %d", a.Source, earliestSource), nil
	}
	if low, ok, err := watermark(v, keyLowSource); err != nil {
		return nil, err
	} else if ok && uint64(a.Source) < low {
		return refuse(ErrBelowLowerBound, "source epoch %d is before the imported history's low watermark, %d", a.Source, low), nil
	}
	if low, ok, err := watermark(v, keyLowTarget); err != nil {
		return nil, err
	} else if ok && uint64(a.Target) <= low {
		return refuse(ErrBelowLowerBound, "target epoch %d is not after the imported history's low watermark, %d", a.Target, low), nil
	}
	return nil, attestations.Put(attestationKeyOf(a.Target, a.Source), rootValue(a.SigningRoot))
}

// validatorBucket returns the history of pubkey, creating it empty.
func validatorBucket(tx *bbolt.Tx, pubkey primitives.BLSPubkey) (*bbolt.Bucket, error) {
	v, err := tx.Bucket(bucketValidators).CreateBucketIfNotExists(pubkey[:])
	if err != nil {
		return nil, err
	}
	if _, err := v.CreateBucketIfNotExists(bucketBlocks); err != nil {
		return nil, err
	}
	if _, err := v.CreateBucketIfNotExists(bucketAttestations); err != nil {
		return nil, err
	}
	return v, nil
}

func watermark(v *bbolt.Bucket, key []byte) (uint64, bool, error) {
	raw := v.Get(key)
	if raw == nil {
		return 0, false, nil
	}
	value, err := decodeUint64(raw)
	return value, err == nil, err
}

// raiseWatermark sets the watermark at key to value unless it is higher already.
func raiseWatermark(v *bbolt.Bucket, key []byte, value uint64) error {
	current, ok, err := watermark(v, key)
	if err != nil || (ok && current >= value) {
		return err
	}
	return v.Put(key, encodeUint64(value))
}

// isRepeat reports whether signing root is the recorded one: only a known root, equal to a non-zero one given,
// makes a repeat signing.
func isRepeat(recorded []byte, root primitives.Root) bool {
	return len(recorded) == 32 && root != (primitives.Root{}) && bytes.Equal(recorded, root[:])
}

// rootValue is how a signing root is stored: a zero root means none is known.
func rootValue(root primitives.Root) []byte {
	if root == (primitives.Root{}) {
		return []byte{}
	}
	return root[:]
}

func attestationKeyOf(target, source primitives.Epoch) []byte {
	return append(encodeUint64(uint64(target)), encodeUint64(uint64(source))...)
}

func attestationKey(k []byte) (target, source uint64, err error) {
	if len(k) != 16 {
		return 0, 0, fmt.Errorf("%w: attestation key of %d bytes", ErrCorrupt, len(k))
	}
	target, _ = decodeUint64(k[:8])
	source, _ = decodeUint64(k[8:])
	return target, source, nil
}

func attestationSource(k []byte) (uint64, error) {
	_, source, err := attestationKey(k)
	return source, err
}
