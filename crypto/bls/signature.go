package bls

import (
	"fmt"

	blst "github.com/supranational/blst/bindings/go"

	"github.com/salamander-client/salamander/primitives"
)

// Signature is a BLS signature: a point of the G2 subgroup (the identity included, as the spec allows).
type Signature struct {
	p blstSignature
}

// SignatureFromBytes decompresses a 96-byte signature and checks that it is in the G2 subgroup (signature_to_point
// plus signature_subgroup_check). The point at infinity is a valid signature encoding.
func SignatureFromBytes(b []byte) (*Signature, error) {
	if len(b) != SignatureLength {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidSignature, len(b), SignatureLength)
	}
	sig := new(Signature)
	if sig.p.Uncompress(b) == nil {
		return nil, fmt.Errorf("%w: not a compressed curve point", ErrInvalidSignature)
	}
	if !sig.p.SigValidate(false) { // subgroup check; infinity allowed
		return nil, fmt.Errorf("%w: not in the G2 subgroup", ErrInvalidSignature)
	}
	return sig, nil
}

// Bytes returns the compressed 96-byte encoding.
func (sig *Signature) Bytes() primitives.BLSSignature {
	return primitives.BLSSignature(sig.p.Compress())
}

// Equal reports whether two signatures are the same point.
func (sig *Signature) Equal(other *Signature) bool { return sig.p.Equals(&other.p) }

func (sig *Signature) isInfinity() bool {
	var identity blstSignature
	return sig.p.Equals(&identity)
}

// AggregateSignatures is the IETF Aggregate: the sum of the signatures. It fails only for an empty list.
func AggregateSignatures(sigs []*Signature) (*Signature, error) {
	if len(sigs) == 0 {
		return nil, ErrEmptyAggregate
	}
	points := make([]*blstSignature, len(sigs))
	for i, sig := range sigs {
		if sig == nil {
			return nil, fmt.Errorf("%w: signature %d is nil", ErrInvalidSignature, i)
		}
		points[i] = &sig.p
	}
	var agg blst.P2Aggregate
	if !agg.Aggregate(points, false) { // groupcheck false: checked when parsed
		return nil, fmt.Errorf("%w: aggregation failed", ErrInvalidSignature)
	}
	return &Signature{p: *agg.ToAffine()}, nil
}

// usable reports whether pk can verify anything: present and not the identity (CoreVerify's KeyValidate; the
// subgroup check was done when the key was parsed).
func usable(pk *PublicKey) bool { return pk != nil && !pk.isInfinity() }

// blstSuccess is blst's BLST_SUCCESS, which the Go binding does not export.
const blstSuccess = 0

// Verify is the IETF Verify: whether sig signs msg under pk.
func Verify(pk *PublicKey, msg []byte, sig *Signature) bool {
	if !usable(pk) || sig == nil {
		return false
	}
	// CoreVerifyPkInG1 runs on the calling goroutine when the process is busy (a node always is), where blst's
	// Signature.Verify would hand half the work to a new goroutine on every call; the caller chooses the
	// parallelism. Key and signature were validated when parsed.
	return blst.CoreVerifyPkInG1(&pk.p, &sig.p, true, msg, dst) == blstSuccess
}

// AggregateVerify is the IETF AggregateVerify of the proof-of-possession ciphersuite: whether sig aggregates a
// signature of msgs[i] by pks[i] for every i. Messages need not be distinct.
func AggregateVerify(pks []*PublicKey, msgs [][]byte, sig *Signature) bool {
	if len(pks) == 0 || len(pks) != len(msgs) || sig == nil {
		return false
	}
	points := make([]*blstPublicKey, len(pks))
	for i, pk := range pks {
		if !usable(pk) {
			return false
		}
		points[i] = &pk.p
	}
	return sig.p.AggregateVerify(false, points, false, msgs, dst)
}

// FastAggregateVerify is the IETF FastAggregateVerify: whether sig aggregates signatures of the one msg by every
// key of pks. An empty key list is invalid.
func FastAggregateVerify(pks []*PublicKey, msg []byte, sig *Signature) bool {
	if len(pks) == 0 || sig == nil {
		return false
	}
	agg, err := AggregatePublicKeys(pks)
	if err != nil {
		return false
	}
	return Verify(agg, msg, sig)
}

// EthFastAggregateVerify is the spec's eth_fast_aggregate_verify: FastAggregateVerify, except that no keys with
// the point-at-infinity signature is valid (an empty sync committee aggregate).
func EthFastAggregateVerify(pks []*PublicKey, msg []byte, sig *Signature) bool {
	if len(pks) == 0 && sig != nil && sig.isInfinity() {
		return true
	}
	return FastAggregateVerify(pks, msg, sig)
}

// HashToG2 hashes msg to a G2 point with the given domain separation tag (hash_to_curve's
// BLS12381G2_XMD:SHA-256_SSWU_RO_) and returns it uncompressed: x.c1 || x.c0 || y.c1 || y.c0, 48 bytes each,
// big-endian. Signing uses it with the ciphersuite's tag; it is exported for the hash-to-curve test vectors.
func HashToG2(msg, domainSeparationTag []byte) [2 * SignatureLength]byte {
	return [2 * SignatureLength]byte(blst.HashToG2(msg, domainSeparationTag).ToAffine().Serialize())
}
