// Package bls is Ethereum's BLS12-381 signature scheme over supranational/blst: the IETF BLS signature draft's
// proof-of-possession ciphersuite in its minimal-pubkey-size variant (48-byte public keys in G1, 96-byte
// signatures in G2), plus the consensus specs' eth_aggregate_pubkeys and eth_fast_aggregate_verify and batch
// verification with random scalars.
//
// PublicKey and Signature values are immutable and already validated when built (decompressed, on the curve, in
// the prime-order subgroup; public keys not the identity), so verification never repeats those checks. Decompress
// each public key once and reuse it: decompression with its subgroup check costs about as much as a verification's
// Miller loop. PublicKeyCache does that for keys met by their bytes.
package bls

import (
	"errors"

	blst "github.com/supranational/blst/bindings/go"
)

// Sizes of the serialized forms.
const (
	SecretKeyLength = 32
	PublicKeyLength = 48
	SignatureLength = 96
)

// dst is the ciphersuite's domain separation tag (consensus-specs phase0 "BLS signatures").
var dst = []byte("BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_")

var (
	// ErrInvalidSecretKey means secret key bytes are not a scalar in [1, r-1].
	ErrInvalidSecretKey = errors.New("invalid BLS secret key")
	// ErrInvalidPublicKey means public key bytes do not encode a point of the G1 subgroup.
	ErrInvalidPublicKey = errors.New("invalid BLS public key")
	// ErrInfinityPublicKey means public key bytes encode the identity point, which KeyValidate rejects. The
	// encoding itself is well formed.
	ErrInfinityPublicKey = errors.New("BLS public key is the point at infinity")
	// ErrInvalidSignature means signature bytes do not encode a point of the G2 subgroup.
	ErrInvalidSignature = errors.New("invalid BLS signature")
	// ErrEmptyAggregate means an aggregation was asked of no elements.
	ErrEmptyAggregate = errors.New("nothing to aggregate")
)

type (
	blstSecretKey = blst.SecretKey
	blstPublicKey = blst.P1Affine
	blstSignature = blst.P2Affine
)
