package helpers

import (
	"fmt"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// SignatureSet is one signature check of a state transition: Signature must sign SigningRoot under PublicKey
// (often an aggregate). Name says what was signed, for error messages.
type SignatureSet struct {
	Name        string
	PublicKey   *bls.PublicKey
	SigningRoot primitives.Root
	Signature   *bls.Signature
}

// NewSignatureSet parses signature and returns the set; a signature that is not a G2 point is invalid at once.
func NewSignatureSet(name string, publicKey *bls.PublicKey, signingRoot primitives.Root, signature primitives.BLSSignature) (SignatureSet, error) {
	sig, err := bls.SignatureFromBytes(signature[:])
	if err != nil {
		return SignatureSet{}, fmt.Errorf("%s: %w: %w", name, ErrInvalidSignature, err)
	}
	return SignatureSet{Name: name, PublicKey: publicKey, SigningRoot: signingRoot, Signature: sig}, nil
}

func (s SignatureSet) verify() bool {
	return bls.Verify(s.PublicKey, s.SigningRoot[:], s.Signature)
}

// SignatureVerifier receives the signature checks of a state transition. Add returns an error wrapping
// ErrInvalidSignature if it finds the set invalid now; a verifier may also defer the check (BatchVerifier).
type SignatureVerifier interface {
	Add(set SignatureSet) error
}

// VerifyNow checks each signature as it is added: for single operations (gossip, the operations vectors).
type VerifyNow struct{}

// Add verifies set.
func (VerifyNow) Add(set SignatureSet) error {
	if !set.verify() {
		return fmt.Errorf("%s: %w", set.Name, ErrInvalidSignature)
	}
	return nil
}

// BatchVerifier collects a block's signatures and verifies them at once (Verify), at a fraction of the cost of
// checking each. It is not safe for concurrent use.
type BatchVerifier struct {
	sets []SignatureSet
}

// NewBatchVerifier returns an empty batch.
func NewBatchVerifier() *BatchVerifier { return &BatchVerifier{} }

// Add queues set for Verify.
func (b *BatchVerifier) Add(set SignatureSet) error {
	b.sets = append(b.sets, set)
	return nil
}

// Len returns the number of queued sets.
func (b *BatchVerifier) Len() int { return len(b.sets) }

// Verify checks every queued set; the error wraps ErrInvalidSignature and names the first invalid set.
func (b *BatchVerifier) Verify() error {
	sets := make([]bls.SignatureSet, len(b.sets))
	for i, s := range b.sets {
		sets[i] = bls.SignatureSet{PublicKey: s.PublicKey, Message: s.SigningRoot[:], Signature: s.Signature}
	}
	invalid := bls.FindInvalidSets(sets)
	if len(invalid) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %w (%d of %d signatures invalid)", b.sets[invalid[0]].Name, ErrInvalidSignature, len(invalid), len(sets))
}

// SkipSignatureChecks accepts every signature unchecked. It exists for the spec vectors that run with BLS turned
// off (bls_setting 2); a node must never use it.
type SkipSignatureChecks struct{}

// Add accepts set.
func (SkipSignatureChecks) Add(SignatureSet) error { return nil }

// IsValidDepositSignature is the spec's is_valid_deposit_signature (electra): whether signature is the deposit's
// proof of possession, under the fork-agnostic deposit domain. A malformed key or signature is simply invalid.
func IsValidDepositSignature(env *Env, pubkey primitives.BLSPubkey, withdrawalCredentials primitives.Bytes32, amount primitives.Gwei, signature primitives.BLSSignature) bool {
	publicKey, err := bls.PublicKeyFromBytes(pubkey[:])
	if err != nil {
		return false
	}
	sig, err := bls.SignatureFromBytes(signature[:])
	if err != nil {
		return false
	}
	message := &types.DepositMessage{Pubkey: pubkey, WithdrawalCredentials: withdrawalCredentials, Amount: amount}
	domain := params.ComputeDomain(params.DomainDeposit, env.Spec.ForkVersion(params.Phase0), primitives.Root{})
	signingRoot := params.ComputeSigningRoot(types.HashTreeRoot(message), domain)
	return bls.Verify(publicKey, signingRoot[:], sig)
}
