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
	summary, err := attestationSummaryOf(v, attestations)
	if err != nil {
		return nil, err
	}
	// EIP-3076 condition 4: no source before the earliest recorded one.
	if summary.ok && uint64(a.Source) < summary.minSource {
		return refuse(ErrBelowLowerBound, "source epoch %d is before the validator's earliest recorded source, %d", a.Source, summary.minSource), nil
	}
	// Surrounds either way. A vote after every recorded target whose source is at or after every recorded source
	// can neither surround nor be surrounded: that is every vote of a validator in normal operation, which so
	// costs no scan of its history.
	if summary.ok && (uint64(a.Target) <= summary.maxTarget || uint64(a.Source) < summary.maxSource) {
		for k := first; k != nil; k, _ = c.Next() {
			target, source, err := attestationKey(k)
			if err != nil {
				return nil, err
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
	if err := attestations.Put(attestationKeyOf(a.Target, a.Source), rootValue(a.SigningRoot)); err != nil {
		return nil, err
	}
	return nil, summary.add(uint64(a.Source), uint64(a.Target)).write(v)
}

// attestationSummary is what the checks need of a validator's whole attestation history, kept beside it so that
// a vote in normal operation is checked without reading the history: the lowest and highest source, the highest
// target.
type attestationSummary struct {
	ok                   bool // the history is not empty
	minSource, maxSource uint64
	maxTarget            uint64
}

var keyAttestationSummary = []byte("attestation_summary")

func (s attestationSummary) add(source, target uint64) attestationSummary {
	if !s.ok {
		return attestationSummary{ok: true, minSource: source, maxSource: source, maxTarget: target}
	}
	s.minSource, s.maxSource, s.maxTarget = min(s.minSource, source), max(s.maxSource, source), max(s.maxTarget, target)
	return s
}

func (s attestationSummary) write(v *bbolt.Bucket) error {
	if !s.ok {
		return v.Delete(keyAttestationSummary)
	}
	value := append(encodeUint64(s.minSource), encodeUint64(s.maxSource)...)
	return v.Put(keyAttestationSummary, append(value, encodeUint64(s.maxTarget)...))
}

// attestationSummaryOf reads the summary of attestations, v's history.
func attestationSummaryOf(v, attestations *bbolt.Bucket) (attestationSummary, error) {
	raw := v.Get(keyAttestationSummary)
	if raw == nil {
		if first, _ := attestations.Cursor().First(); first != nil {
			return attestationSummary{}, fmt.Errorf("%w: attestation history without its summary", ErrCorrupt)
		}
		return attestationSummary{}, nil
	}
	if len(raw) != 24 {
		return attestationSummary{}, fmt.Errorf("%w: attestation summary of %d bytes", ErrCorrupt, len(raw))
	}
	minSource, _ := decodeUint64(raw[:8])
	maxSource, _ := decodeUint64(raw[8:16])
	maxTarget, _ := decodeUint64(raw[16:])
	return attestationSummary{ok: true, minSource: minSource, maxSource: maxSource, maxTarget: maxTarget}, nil
}

// summarizeAttestations recomputes v's attestation summary from its history, after an import changed it.
func summarizeAttestations(v, attestations *bbolt.Bucket) error {
	var s attestationSummary
	if err := attestations.ForEach(func(k, _ []byte) error {
		target, source, err := attestationKey(k)
		if err == nil {
			s = s.add(source, target)
		}
		return err
	}); err != nil {
		return err
	}
	return s.write(v)
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
