package block

import (
	"errors"
	"fmt"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
)

// SignatureBatch is a helpers.SignatureVerifier that collects the signatures of a block and checks them all at once
// (Verify), as one random linear combination of their pairing equations. Signatures added through the operation
// functions of this package remember which operation they belong to, so that a failing batch is reported as, say,
// "attestation 3: invalid attestation: ... invalid signature". It is not safe for concurrent use.
type SignatureBatch struct {
	entries []batchEntry
}

// batchEntry is one collected set and what it belongs to.
type batchEntry struct {
	set   helpers.SignatureSet
	owner owner
}

// owner names the part of a block a signature belongs to: the sentinel of its check (nil for none), and the kind and
// index of its operation within the block body (kind "" outside process_operations).
type owner struct {
	sentinel error
	kind     string
	index    int
}

// NewSignatureBatch returns an empty batch.
func NewSignatureBatch() *SignatureBatch { return &SignatureBatch{} }

// Add queues set; it belongs to no particular check.
func (b *SignatureBatch) Add(set helpers.SignatureSet) error {
	b.add(set, owner{})
	return nil
}

func (b *SignatureBatch) add(set helpers.SignatureSet, o owner) {
	b.entries = append(b.entries, batchEntry{set: set, owner: o})
}

// Len returns the number of queued signatures.
func (b *SignatureBatch) Len() int { return len(b.entries) }

// Verify checks every queued signature. When some are invalid, the error names the first of them and wraps
// helpers.ErrInvalidSignature and the sentinel of the check it belongs to (ErrInvalidBlockSignature,
// ErrInvalidAttestation, ...).
func (b *SignatureBatch) Verify() error {
	sets := make([]bls.SignatureSet, len(b.entries))
	for i := range b.entries {
		set := &b.entries[i].set
		sets[i] = bls.SignatureSet{PublicKey: set.PublicKey, Message: set.SigningRoot[:], Signature: set.Signature}
	}
	invalid := bls.FindInvalidSets(sets)
	if len(invalid) == 0 {
		return nil
	}
	first := b.entries[invalid[0]]
	err := first.owner.wrap(fmt.Errorf("%s: %w", first.set.Name, helpers.ErrInvalidSignature))
	if len(invalid) > 1 {
		err = fmt.Errorf("%w (and %d more of %d signatures)", err, len(invalid)-1, len(sets))
	}
	return err
}

// wrap adds the owner's sentinel and position to err.
func (o owner) wrap(err error) error {
	if o.sentinel != nil && !errors.Is(err, o.sentinel) {
		err = fmt.Errorf("%w: %w", o.sentinel, err)
	}
	if o.kind != "" {
		err = fmt.Errorf("%s %d: %w", o.kind, o.index, err)
	}
	return err
}

// operationVerifier hands signature sets to a verifier on behalf of one check of a block. A SignatureBatch records
// the owner with each set; any other verifier's verdict comes back wrapped in the owner's sentinel. The position is
// left out of those errors: process_operations adds it to every error of the operation.
type operationVerifier struct {
	inner helpers.SignatureVerifier
	owner owner
}

// Add passes set on.
func (v operationVerifier) Add(set helpers.SignatureSet) error {
	if batch, ok := v.inner.(*SignatureBatch); ok {
		batch.add(set, v.owner)
		return nil
	}
	if err := v.inner.Add(set); err != nil {
		return owner{sentinel: v.owner.sentinel}.wrap(err)
	}
	return nil
}

// forCheck returns verifier on behalf of the check with sentinel, keeping an operation position set by forOperation.
func forCheck(verifier helpers.SignatureVerifier, sentinel error) operationVerifier {
	if v, ok := verifier.(operationVerifier); ok {
		v.owner.sentinel = sentinel
		return v
	}
	return operationVerifier{inner: verifier, owner: owner{sentinel: sentinel}}
}

// forOperation returns verifier on behalf of operation index of kind in the block body.
func forOperation(verifier helpers.SignatureVerifier, kind string, index int) operationVerifier {
	if v, ok := verifier.(operationVerifier); ok {
		v.owner.kind, v.owner.index = kind, index
		return v
	}
	return operationVerifier{inner: verifier, owner: owner{kind: kind, index: index}}
}

// addSignature parses signature and hands the set to verifier. A signature that is not a point of G2 fails at once,
// whatever the verifier, except one that checks nothing (helpers.SkipSignatureChecks), which the vectors with BLS off
// need. (The spec's bls.Verify returns false for such bytes; it does not matter when.)
func addSignature(verifier helpers.SignatureVerifier, name string, publicKey *bls.PublicKey, signingRoot primitives.Root, signature primitives.BLSSignature) error {
	if skipsSignatures(verifier) {
		return nil
	}
	set, err := helpers.NewSignatureSet(name, publicKey, signingRoot, signature)
	if err != nil {
		if v, ok := verifier.(operationVerifier); ok {
			return owner{sentinel: v.owner.sentinel}.wrap(err)
		}
		return err
	}
	return verifier.Add(set)
}

// skipsSignatures reports whether verifier checks nothing, so that building its sets (decompressing keys and
// signatures) can be skipped too.
func skipsSignatures(verifier helpers.SignatureVerifier) bool {
	if v, ok := verifier.(operationVerifier); ok {
		verifier = v.inner
	}
	switch verifier.(type) {
	case helpers.SkipSignatureChecks, *helpers.SkipSignatureChecks:
		return true
	}
	return false
}
