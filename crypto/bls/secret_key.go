package bls

import (
	"crypto/rand"
	"fmt"
	"runtime"

	blst "github.com/supranational/blst/bindings/go"
)

// SecretKey is a BLS secret key: a scalar in [1, r-1].
type SecretKey struct {
	s blstSecretKey
}

// SecretKeyFromBytes parses a 32-byte big-endian secret key.
func SecretKeyFromBytes(b []byte) (*SecretKey, error) {
	if len(b) != SecretKeyLength {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidSecretKey, len(b), SecretKeyLength)
	}
	sk := new(SecretKey)
	if sk.s.Deserialize(b) == nil { // rejects 0 and values >= r
		return nil, fmt.Errorf("%w: not in [1, r-1]", ErrInvalidSecretKey)
	}
	return sk, nil
}

// GenerateSecretKey derives a secret key from 32 bytes of crypto/rand entropy (the IETF draft's KeyGen).
func GenerateSecretKey() (*SecretKey, error) {
	var ikm [32]byte
	_, _ = rand.Read(ikm[:]) // crypto/rand.Read never fails
	defer clear(ikm[:])
	s := blst.KeyGen(ikm[:])
	if s == nil {
		return nil, fmt.Errorf("%w: key generation failed", ErrInvalidSecretKey)
	}
	return &SecretKey{s: *s}, nil
}

// Bytes returns the 32-byte big-endian encoding. Handle it as the secret it is.
func (sk *SecretKey) Bytes() [SecretKeyLength]byte {
	return [SecretKeyLength]byte(sk.s.Serialize())
}

// PublicKey returns SkToPk(sk).
func (sk *SecretKey) PublicKey() *PublicKey {
	pk := new(PublicKey)
	pk.p.From(&sk.s)
	return pk
}

// Sign returns the signature of msg.
func (sk *SecretKey) Sign(msg []byte) *Signature {
	sig := new(Signature)
	sig.p.Sign(&sk.s, msg, dst)
	return sig
}

// Zeroize wipes the key from memory; the key must not be used afterwards.
func (sk *SecretKey) Zeroize() {
	sk.s.Zeroize()
	runtime.KeepAlive(sk)
}
