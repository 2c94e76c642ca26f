package bls

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
	"slices"
)

// curveOrder is r, the order of the BLS12-381 G1 and G2 subgroups.
var curveOrder, _ = new(big.Int).SetString("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001", 16)

// InteropSecretKey returns the deterministic secret key of validator index used by interop genesis states and
// devnets (eth2.0-pm "mocked_start"): int.from_bytes(sha256(index.to_bytes(32, 'little')), 'little') mod r, as a
// 32-byte big-endian key. These keys are public: never use them on a real network.
func InteropSecretKey(index uint64) (*SecretKey, error) {
	var preimage [32]byte
	binary.LittleEndian.PutUint64(preimage[:8], index)
	digest := sha256.Sum256(preimage[:])
	slices.Reverse(digest[:]) // little-endian integer -> big-endian bytes for big.Int
	scalar := new(big.Int).SetBytes(digest[:])
	scalar.Mod(scalar, curveOrder)
	var b [SecretKeyLength]byte
	scalar.FillBytes(b[:])
	sk, err := SecretKeyFromBytes(b[:])
	if err != nil {
		return nil, fmt.Errorf("interop key %d: %w", index, err)
	}
	return sk, nil
}

// InteropSecretKeys returns the interop secret keys of validators 0 to count-1.
func InteropSecretKeys(count uint64) ([]*SecretKey, error) {
	keys := make([]*SecretKey, count)
	for i := range count {
		sk, err := InteropSecretKey(i)
		if err != nil {
			return nil, err
		}
		keys[i] = sk
	}
	return keys, nil
}
